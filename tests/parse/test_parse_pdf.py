"""PDF parser: ruled CJK table over several pages, merged cell boxes, prose paragraphs."""

from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from extract.parse.model import Cell, ParseError
from extract.parse.pdf import parse_pdf

N_TASKS = 40
INTRO = "为深入贯彻落实国家和本市关于全面推进政务公开工作的部署要求，进一步提升政务公开质效，结合本区实际，制定本要点。"


def content(i: int) -> str:
    return f"第{i}项：推进政务公开标准化规范化建设，做好政策文件解读和回应关切工作"


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("cjk", fontName="STSong-Light", fontSize=10, leading=14, wordWrap="CJK")
    title = ParagraphStyle("title", parent=style, fontSize=16, leading=22)
    rows: list[list[object]] = [["序号", "任务名称", "任务内容", "责任单位", "时间节点"]]
    for i in range(1, N_TASKS + 1):
        rows.append([str(i), "", Paragraph(content(i), style), Paragraph("区政府办公室、区发展改革委", style), "全年"])
    rows[1][1] = Paragraph("加强政策解读回应关切", style)  # spans rows 1-3
    rows[5][3] = "区司法局"  # spans columns 3-4 of row 5
    table = Table(rows, colWidths=[30, 80, 220, 100, 50], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("FONT", (0, 0), (-1, -1), "STSong-Light", 10),
        ("SPAN", (1, 1), (1, 3)),
        ("SPAN", (3, 5), (4, 5)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, title="2024年政务公开工作要点")
    doc.build([
        Paragraph("2024年政务公开工作要点", title),
        Paragraph(INTRO * 2, style),
        Paragraph("一、总体要求", style),
        Spacer(1, 8),
        table,
        Paragraph("二、保障措施", style),
    ])
    return buf.getvalue()


def test_table_fragments_per_page_with_exact_cells(pdf_bytes: bytes) -> None:
    doc = parse_pdf(pdf_bytes)
    assert doc.source_format == "pdf"
    tables = doc.tables
    assert len(tables) >= 2
    assert [t.page for t in tables] == list(range(1, len(tables) + 1))
    header = ["序号", "任务名称", "任务内容", "责任单位", "时间节点"]
    for t in tables:
        assert t.n_cols == 5
        assert t.texts()[0] == header  # repeated header kept on every fragment
        assert all(len(r) == 5 for r in t.rows)
    first = tables[0].rows
    units = "区政府办公室、区发展改革委"
    name = "加强政策解读回应关切"
    assert first[1] == [Cell("1"), Cell(name), Cell(content(1)), Cell(units), Cell("全年")]
    assert first[2] == [Cell("2"), Cell(name, (1, 1)), Cell(content(2)), Cell(units), Cell("全年")]
    assert first[3] == [Cell("3"), Cell(name, (1, 1)), Cell(content(3)), Cell(units), Cell("全年")]
    assert first[4] == [Cell("4"), Cell(""), Cell(content(4)), Cell(units), Cell("全年")]
    assert first[5] == [Cell("5"), Cell(""), Cell(content(5)), Cell("区司法局"), Cell("区司法局", (5, 3))]
    # every task row appears exactly once across the fragments, in order
    seqs = [r[0].text for t in tables for r in t.rows[1:]]
    assert seqs == [str(i) for i in range(1, N_TASKS + 1)]
    contents = [r[2].text for t in tables for r in t.rows[1:]]
    assert contents == [content(i) for i in range(1, N_TASKS + 1)]


def test_prose_paragraphs_in_reading_order(pdf_bytes: bytes) -> None:
    doc = parse_pdf(pdf_bytes)
    kinds = [b.kind for b in doc.blocks]
    texts = [b.text for b in doc.blocks if b.kind == "paragraph"]
    assert texts == ["2024年政务公开工作要点", INTRO * 2, "一、总体要求", "二、保障措施"]
    assert kinds[:3] == ["paragraph"] * 3 and kinds[-1] == "paragraph"
    assert set(kinds[3:-1]) == {"table"}
    assert doc.meta["title"] == "2024年政务公开工作要点"


def test_not_a_pdf() -> None:
    with pytest.raises(ParseError):
        parse_pdf(b"%PDF-1.4\n garbage without objects")
