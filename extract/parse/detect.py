"""Tell a file's format from its bytes (magic numbers, container members, markup).

File names and extensions lie on government portals (.doc files that are HTML,
.xls files that are xlsx), so detection never looks at them.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Optional

from extract.parse.encoding import decode_bytes
from extract.parse.model import ParseError

FORMATS = ("html", "mht", "docx", "xlsx", "pdf", "doc", "xls", "text")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_HTML_RE = re.compile(
    r"<\s*(?:\?xml|!--|(?:!doctype\s+html|html|head|body|meta|title|table|div|p|span|br|h[1-6]|tr|td|font|center|ul|ol|li|a)\b)",
    re.I,
)
_STRONG_HTML_RE = re.compile(r"<\s*(!doctype\s+html|html|body|table)\b|</\s*(html|body|table|p|div)\s*>", re.I)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _zip_format(data: bytes) -> str:
    """docx or xlsx, from the OOXML members of a ZIP container."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ParseError(f"corrupt ZIP container: {exc}") from exc
    if "word/document.xml" in names or any(n.startswith("word/") and n.endswith(".xml") for n in names):
        return "docx"
    if "xl/workbook.xml" in names or any(n.startswith("xl/") and n.endswith(".xml") for n in names):
        return "xlsx"
    raise ParseError("ZIP container is neither a Word (.docx) nor an Excel (.xlsx) file")


def ole_stream_names(data: bytes) -> list[str]:
    """Names in an OLE2 compound file's directory (via xlrd's compound-document reader)."""
    from xlrd.compdoc import CompDoc, CompDocError  # xlrd ships a small OLE2 reader

    try:
        cd = CompDoc(data, logfile=io.StringIO())
        return [d.name for d in cd.dirlist if d.name]
    except (CompDocError, Exception):  # noqa: BLE001 - corrupt directory: fall back to a raw scan below
        names = []
        for name in ("WordDocument", "Workbook", "Book"):
            if name.encode("utf-16-le") in data:
                names.append(name)
        return names


def _ole_format(data: bytes) -> str:
    """doc or xls, from the stream names of an OLE2 compound file."""
    names = {n.lower() for n in ole_stream_names(data)}
    if "worddocument" in names:
        return "doc"
    if "workbook" in names or "book" in names:
        return "xls"
    raise ParseError("OLE2 compound file is neither a Word 97 (.doc) nor an Excel 97 (.xls) file")


def _textual_head(data: bytes) -> Optional[str]:
    """The decoded first 64 KiB when the bytes decode to text with almost no control characters, else None."""
    if b"\x00" in data[:8192] and data[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        return None
    text, _ = decode_bytes(data[:65536])
    if not text:
        return None
    bad = len(_CONTROL_RE.findall(text)) + text.count("\ufffd")
    return text if bad <= max(2, len(text) // 100) else None


def detect_format(data: bytes) -> str:
    """Return one of html, mht, docx, xlsx, pdf, doc, xls, text; ParseError if empty or unknown binary."""
    if not data or not data.strip():
        raise ParseError("empty input")
    head = data[:1024]
    if data.startswith(_OLE_MAGIC):
        return _ole_format(data)
    if data.startswith(_ZIP_MAGICS):
        return _zip_format(data)
    if b"%PDF-" in head:
        return "pdf"
    if head.lstrip().startswith(b"{\\rtf"):
        raise ParseError("RTF documents are not supported (save as .docx)")
    head_text = _textual_head(data)
    if head_text is None:
        raise ParseError(f"unknown binary format (starts with {data[:8].hex()})")
    from extract.parse.mht import looks_like_mhtml

    if looks_like_mhtml(data):  # a Word/Excel single-file web page saved as .doc/.xls
        return "mht"
    # up to 8 KiB the 64 KiB head is the same bytes, already decoded (a notice page's body is ~1 KiB)
    text = head_text if len(data) <= 8192 else decode_bytes(data[:8192])[0]
    stripped = text.lstrip()
    if stripped.startswith("<") and _HTML_RE.match(stripped):
        return "html"
    if _STRONG_HTML_RE.search(text[:4096]):
        return "html"
    return "text"
