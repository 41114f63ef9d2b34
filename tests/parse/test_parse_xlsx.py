"""Spreadsheet parsers: merged ranges, title rows, sheets in order (.xlsx and .xls)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from extract.parse.model import Cell
from extract.parse.xlsx import parse_xls, parse_xlsx
from ole_builder import build_xls


def _xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "任务分解表"
    ws["B1"] = "2024年政务公开工作要点任务分解表"
    ws.merge_cells("B1:F1")
    ws["B2"] = "填报单位：区政府办公室"
    ws.append([])
    ws.append([None, "序号", "任务名称", "任务内容", "责任单位", "时间节点"])
    ws.append([None, 1, "加强政策解读", "做好解读", "区发改委", "6月底前"])
    ws.append([None, 2.0, None, "回应关切\n及时发布", "区财政局", dt.datetime(2024, 12, 31)])
    ws.append([None, 3, "推进公开", "公开标准", "区委办", None])
    ws.merge_cells("C5:C6")
    ws.merge_cells("E7:F7")
    second = wb.create_sheet("附表")
    second.append(["单位", "联系人"])
    second.append(["区发改委", "张三"])
    hidden = wb.create_sheet("数据源")
    hidden["A1"] = "下拉选项"
    hidden.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_title_rows_merges_and_sheets() -> None:
    doc = parse_xlsx(_xlsx())
    assert doc.source_format == "xlsx"
    assert [b.kind for b in doc.blocks] == ["paragraph", "paragraph", "table", "table"]
    assert doc.blocks[0].text == "2024年政务公开工作要点任务分解表"
    assert doc.blocks[1].text == "填报单位：区政府办公室"
    assert doc.tables[0].rows == [
        [Cell("序号"), Cell("任务名称"), Cell("任务内容"), Cell("责任单位"), Cell("时间节点")],
        [Cell("1"), Cell("加强政策解读"), Cell("做好解读"), Cell("区发改委"), Cell("6月底前")],
        [Cell("2"), Cell("加强政策解读", (1, 1)), Cell("回应关切\n及时发布"), Cell("区财政局"), Cell("2024-12-31")],
        [Cell("3"), Cell("推进公开"), Cell("公开标准"), Cell("区委办"), Cell("区委办", (3, 3))],
    ]
    assert doc.tables[1].texts() == [["单位", "联系人"], ["区发改委", "张三"]]
    assert doc.meta["sheets"] == "任务分解表\n附表"
    assert doc.warnings == ["hidden sheet skipped: 数据源"]


def test_xls_merges_and_title_row() -> None:
    cells = {
        (0, 0): "2024年政务公开工作要点任务分解表",
        (1, 0): "序号", (1, 1): "任务名称", (1, 2): "责任单位",
        (2, 0): 1, (2, 1): "加强政策解读", (2, 2): "区发改委",
        (3, 0): 2, (3, 2): "区财政局",
        (4, 0): 3, (4, 1): "推进公开", (4, 2): "区委办",
    }
    doc = parse_xls(build_xls(cells, merges=[(0, 0, 0, 2), (2, 3, 1, 1)]))
    assert doc.source_format == "xls"
    assert [b.kind for b in doc.blocks] == ["paragraph", "table"]
    assert doc.blocks[0].text == "2024年政务公开工作要点任务分解表"
    assert doc.tables[0].rows == [
        [Cell("序号"), Cell("任务名称"), Cell("责任单位")],
        [Cell("1"), Cell("加强政策解读"), Cell("区发改委")],
        [Cell("2"), Cell("加强政策解读", (1, 1)), Cell("区财政局")],
        [Cell("3"), Cell("推进公开"), Cell("区委办")],
    ]
