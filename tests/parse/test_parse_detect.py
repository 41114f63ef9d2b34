"""Format detection from bytes only: magic numbers, container members, markup."""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
import pytest
from reportlab.pdfgen import canvas

from extract.parse.detect import detect_format
from extract.parse.formats import PARSERS
from extract.parse.model import ParseError
from ole_builder import build_ole, build_xls


def _docx_bytes() -> bytes:
    d = docx.Document()
    d.add_paragraph("政务公开")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _xlsx_bytes() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "序号"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _pdf_bytes() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "hello")
    c.save()
    return buf.getvalue()


def test_office_open_xml_by_members() -> None:
    assert detect_format(_docx_bytes()) == "docx"
    assert detect_format(_xlsx_bytes()) == "xlsx"


def test_zip_without_office_members_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hi")
    with pytest.raises(ParseError, match="neither"):
        detect_format(buf.getvalue())


def test_pdf() -> None:
    assert detect_format(_pdf_bytes()) == "pdf"


def test_ole_word_vs_excel_by_stream_names() -> None:
    assert detect_format(build_ole({"WordDocument": b"\x00" * 64, "1Table": b"\x00"})) == "doc"
    assert detect_format(build_xls({(0, 0): "序号", (0, 1): "任务"}, [])) == "xls"
    with pytest.raises(ParseError, match="OLE2"):
        detect_format(build_ole({"PowerPoint Document": b"\x00"}))


@pytest.mark.parametrize(
    "data",
    [
        "<!DOCTYPE html><html><body><p>工作要点</p></body></html>".encode(),
        "<html><head><title>要点</title></head><body>正文</body></html>".encode("gbk"),
        "\n  <table><tr><td>序号</td><td>任务</td></tr></table>".encode("gb18030"),
        "\ufeff<div class='content'><p>政务公开</p></div>".encode("utf-8"),
    ],
)
def test_html(data: bytes) -> None:
    assert detect_format(data) == "html"


@pytest.mark.parametrize(
    "data",
    [
        "2024年政务公开工作要点\n一、总体要求\n1\t推进公开\t区发改委\n".encode(),
        "2024年政务公开工作要点\n（一）加强解读。\n".encode("gbk"),
        b"plain ascii text, 3 < 4 and 5 > 2\n",
    ],
)
def test_text(data: bytes) -> None:
    assert detect_format(data) == "text"


@pytest.mark.parametrize("data", [b"", b"   \n\t"])
def test_empty_is_an_error(data: bytes) -> None:
    with pytest.raises(ParseError, match="empty"):
        detect_format(data)


def test_unknown_binary_is_an_error() -> None:
    with pytest.raises(ParseError, match="unknown binary"):
        detect_format(bytes(range(256)) * 4)
    with pytest.raises(ParseError):
        detect_format(b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02" * 100)


def test_registry_covers_every_detected_format() -> None:
    assert set(PARSERS) == {"html", "mht", "docx", "xlsx", "pdf", "doc", "xls", "text"}
    for data in (_docx_bytes(), _xlsx_bytes(), _pdf_bytes(), "<p>正文</p><p>二</p>".encode("gbk")):
        fmt = detect_format(data)
        doc = PARSERS[fmt](data)
        assert doc.source_format == fmt
