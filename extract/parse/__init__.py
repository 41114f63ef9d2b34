"""Bytes → Document: detect the format from the bytes, dispatch to its parser.

Parser modules are imported on first use (pdfplumber and friends are heavy).
"""

from __future__ import annotations

from typing import Callable, Optional

from extract.parse.model import Block, Cell, Document, ParseError, Table

__all__ = ["Block", "Cell", "Document", "ParseError", "Table", "parse_bytes"]


def parse_bytes(data: bytes, *, content_type: Optional[str] = None) -> Document:
    """Parse one file's bytes into a Document; ParseError (one line) when unreadable or unsupported."""
    from extract.parse.detect import detect_format
    from extract.parse.encoding import utf16_to_utf8

    utf8 = utf16_to_utf8(data)  # UTF-16 text (BOM) is read as text, not rejected as binary
    if utf8 is not None:
        data, content_type = utf8, None
    fmt = detect_format(data)
    parser: Optional[Callable[[bytes], Document]]
    if fmt == "html":  # the only format whose decoding can use an HTTP charset
        from extract.parse.html import parse_html

        parser = lambda b: parse_html(b, content_type=content_type)  # noqa: E731
    else:
        from extract.parse.formats import PARSERS

        parser = PARSERS.get(fmt)
        if parser is None:
            raise ParseError(f"unsupported format: {fmt}")
    try:
        return parser(data)
    except ParseError:
        raise
    except Exception as exc:  # a corrupt file surfaces as whatever the library raises
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ParseError(f"cannot read {fmt} file: {message}") from exc
