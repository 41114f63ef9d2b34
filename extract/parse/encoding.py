"""Decode web bytes to text without losing characters.

Chinese government pages are often GB2312/GBK, sometimes with no charset or a
wrong one. GB labels are decoded as gb18030 (a superset), and a declared
charset that fails to decode strictly falls back rather than truncating text.
"""

from __future__ import annotations

import codecs
import re
from typing import Optional

_GB_LABELS = {"gb2312", "gbk", "gb18030", "x-gbk", "csgb2312", "cp936", "ms936", "gb_2312-80", "euc-cn"}
_META_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_HEADER_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)


def normalize_label(label: Optional[str]) -> Optional[str]:
    """Map a charset label to the Python codec we decode with (GB labels → gb18030)."""
    if not label:
        return None
    label = label.strip().lower()
    if label in _GB_LABELS:
        return "gb18030"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def sniff_charset(data: bytes, content_type: Optional[str] = None) -> Optional[str]:
    """Charset declared by BOM, HTTP header or <meta>, normalized; None if undeclared."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if content_type:
        m = _HEADER_RE.search(content_type)
        if m and normalize_label(m.group(1)):
            return normalize_label(m.group(1))
    m = _META_RE.search(data[:4096])
    if m:
        return normalize_label(m.group(1).decode("ascii", "ignore"))
    return None


def decode_bytes(data: bytes, content_type: Optional[str] = None) -> tuple[str, str]:
    """Decode ``data``; returns (text, codec used).

    Order: declared charset if it decodes strictly, then UTF-8, then gb18030;
    last resort is the declared (or UTF-8) codec with replacement characters.
    """
    declared = sniff_charset(data, content_type)
    candidates = [c for c in (declared, "utf-8", "gb18030") if c]
    for codec in dict.fromkeys(candidates):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        return text.lstrip("\ufeff"), codec
    codec = declared or "utf-8"
    return data.decode(codec, errors="replace").lstrip("\ufeff"), codec
