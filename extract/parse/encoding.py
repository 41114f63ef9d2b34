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
_SINGLE_BYTE_RE = re.compile(r"^(latin|iso8859|cp125|ascii|mac|windows-125|cp437|cp850)", re.I)
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


def _bom(data: bytes) -> Optional[str]:
    """Codec named by a byte-order mark, if any."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def meta_charset(data: bytes) -> Optional[str]:
    """Charset of a ``<meta>`` in the first 4 KiB, normalized. A UTF-16 label there is read as
    UTF-8, as browsers do (WHATWG HTML, "prescan a byte stream": a meta cannot declare UTF-16)."""
    m = _META_RE.search(data[:4096])
    label = normalize_label(m.group(1).decode("ascii", "ignore")) if m else None
    return "utf-8" if label and label.startswith("utf-16") else label


def sniff_charset(data: bytes, content_type: Optional[str] = None) -> Optional[str]:
    """Charset declared by BOM, HTTP header or <meta>, normalized; None if undeclared."""
    bom = _bom(data)
    if bom:
        return bom
    if content_type:
        m = _HEADER_RE.search(content_type)
        if m and normalize_label(m.group(1)):
            return normalize_label(m.group(1))
    return meta_charset(data)


def utf16_to_utf8(data: bytes) -> Optional[bytes]:
    """UTF-8 bytes of a text that starts with a UTF-16 byte-order mark; None for any other input."""
    if _bom(data) != "utf-16":
        return None
    try:
        return data.decode("utf-16").encode("utf-8")
    except UnicodeDecodeError:
        return None


def _single_byte(codec: str) -> bool:
    """True for Latin/Windows single-byte codecs, which decode any bytes without error."""
    return bool(_SINGLE_BYTE_RE.match(codec))


def decode_bytes(data: bytes, content_type: Optional[str] = None) -> tuple[str, str]:
    """Decode ``data``; returns (text, codec used).

    Order: declared charset if it decodes strictly, then UTF-8, then gb18030;
    last resort is the declared (or UTF-8) codec with replacement characters.
    GB rescue: a single-byte declaration (ISO-8859-1 is a common server default)
    on non-ASCII bytes wins no vote: the ``<meta>`` charset, UTF-8 and gb18030 are
    tried first, strictly, and the single-byte codec only if all of them fail.
    """
    declared = sniff_charset(data, content_type)
    candidates = [c for c in (declared, "utf-8", "gb18030") if c]
    if declared and _single_byte(declared) and not data.isascii():
        candidates = [c for c in (meta_charset(data), "utf-8", "gb18030", declared) if c]
    for codec in dict.fromkeys(candidates):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        return text.lstrip("\ufeff"), codec
    codec = declared or "utf-8"
    return data.decode(codec, errors="replace").lstrip("\ufeff"), codec
