""".docx parser: body order, vMerge/gridSpan from the XML, multi-paragraph cells."""

from __future__ import annotations

import io

import docx
import pytest

from extract.parse.docx import parse_docx
from extract.parse.model import Cell, ParseError


def _build() -> bytes:
    d = docx.Document()
    d.core_properties.title = "2024年政务公开工作要点"
    d.add_heading("2024年政务公开工作要点", level=1)
    d.add_paragraph("一、总体要求")
    t = d.add_table(rows=5, cols=5)
    for j, h in enumerate(["序号", "任务名称", "任务内容", "责任单位", "时间节点"]):
        t.cell(0, j).text = h
    for i in range(1, 5):
        t.cell(i, 0).text = str(i)
        t.cell(i, 2).text = f"内容{i}"
        t.cell(i, 4).text = "全年"
    t.cell(1, 3).text = "区发改委"
    t.cell(2, 3).text = "区财政局"
    t.cell(4, 3).text = "区委办"
    name = t.cell(1, 1).merge(t.cell(3, 1))  # real vertical merge (vMerge restart/continue)
    name.text = "加强政策解读"
    name.add_paragraph("回应社会关切")
    t.cell(4, 1).text = "推进公开"
    wide = t.cell(3, 3).merge(t.cell(3, 4))  # horizontal merge (gridSpan)
    wide.text = "区司法局"
    d.add_paragraph("（一）加强解读。")
    d.add_paragraph("")
    d.add_paragraph("二、保障措施")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_blocks_in_body_order() -> None:
    doc = parse_docx(_build())
    assert doc.source_format == "docx"
    assert doc.meta["title"] == "2024年政务公开工作要点"
    assert [(b.kind, b.text, b.level) for b in doc.blocks if b.kind != "table"] == [
        ("heading", "2024年政务公开工作要点", 1),
        ("paragraph", "一、总体要求", None),
        ("paragraph", "（一）加强解读。", None),
        ("paragraph", "二、保障措施", None),
    ]
    assert [b.kind for b in doc.blocks] == ["heading", "paragraph", "table", "paragraph", "paragraph"]


def test_merged_cells_point_at_their_origin() -> None:
    grid = parse_docx(_build()).tables[0].rows
    name = "加强政策解读\n回应社会关切"
    assert grid == [
        [Cell("序号"), Cell("任务名称"), Cell("任务内容"), Cell("责任单位"), Cell("时间节点")],
        [Cell("1"), Cell(name), Cell("内容1"), Cell("区发改委"), Cell("全年")],
        [Cell("2"), Cell(name, (1, 1)), Cell("内容2"), Cell("区财政局"), Cell("全年")],
        [Cell("3"), Cell(name, (1, 1)), Cell("内容3"), Cell("区司法局"), Cell("区司法局", (3, 3))],
        [Cell("4"), Cell("推进公开"), Cell("内容4"), Cell("区委办"), Cell("全年")],
    ]


def test_empty_cell_is_not_a_merge() -> None:
    d = docx.Document()
    t = d.add_table(rows=3, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "任务名称", "责任单位"
    t.cell(1, 0).text, t.cell(1, 1).text = "公开", "区发改委"
    t.cell(2, 1).text = "区财政局"
    buf = io.BytesIO()
    d.save(buf)
    grid = parse_docx(buf.getvalue()).tables[0].rows
    assert grid[2] == [Cell(""), Cell("区财政局")]


def test_corrupt_docx_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_docx(b"PK\x03\x04 not really a zip")
