"""Format → parser registry; parser modules are imported on first use (pdfplumber is heavy)."""

from __future__ import annotations

from typing import Callable

from extract.parse.model import Document


def _html(data: bytes) -> Document:
    """HTML page or attachment."""
    from extract.parse.html import parse_html

    return parse_html(data)


def _mht(data: bytes) -> Document:
    """Single-file web page (MHTML) saved as .doc/.xls."""
    from extract.parse.mht import parse_mhtml

    return parse_mhtml(data)


def _docx(data: bytes) -> Document:
    """Word 2007+ .docx."""
    from extract.parse.docx import parse_docx

    return parse_docx(data)


def _doc(data: bytes) -> Document:
    """Word 97 .doc (LibreOffice or antiword)."""
    from extract.parse.doc import parse_doc

    return parse_doc(data)


def _pdf(data: bytes) -> Document:
    """Text PDF."""
    from extract.parse.pdf import parse_pdf

    return parse_pdf(data)


def _xlsx(data: bytes) -> Document:
    """Excel 2007+ .xlsx."""
    from extract.parse.xlsx import parse_xlsx

    return parse_xlsx(data)


def _xls(data: bytes) -> Document:
    """Excel 97 .xls."""
    from extract.parse.xlsx import parse_xls

    return parse_xls(data)


def _text(data: bytes) -> Document:
    """Plain-text dump (parser owned by extract.parse.text)."""
    from extract.parse.text import parse_text

    return parse_text(data)


PARSERS: dict[str, Callable[[bytes], Document]] = {
    "html": _html,
    "mht": _mht,
    "docx": _docx,
    "doc": _doc,
    "pdf": _pdf,
    "xlsx": _xlsx,
    "xls": _xls,
    "text": _text,
}
