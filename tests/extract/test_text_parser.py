"""extract.parse.text: plain-text dumps → Document."""

from __future__ import annotations

import pytest

from extract.parse import parse_bytes
from extract.parse.model import ParseError
from extract.parse.text import parse_text


def _tables(text: str) -> list[list[list[str]]]:
    return [t.texts() for t in parse_text(text.encode("utf-8")).tables]


def test_cell_per_line_rows_with_a_cell_broken_across_lines() -> None:
    dump = (
        "附件\n\n标题\n"
        "\t序号\n\t任务名称\n\t任务内容\n\t责任单位\n\t时间节点\n\n"
        "\t1\n\t名称甲\n\t内容一。\n\t文件起草\n\n处室\n\t全年\n\n"
        "\t2\n\t\n\t内容二。\n\t办公室\n\t3月底\n\n"
    )
    doc = parse_text(dump.encode("utf-8"))
    assert [b.kind for b in doc.blocks] == ["paragraph", "paragraph", "table"]
    table = doc.tables[0]
    assert table.spans_known is False
    assert table.texts() == [
        ["序号", "任务名称", "任务内容", "责任单位", "时间节点"],
        ["1", "名称甲", "内容一。", "文件起草处室", "全年"],
        ["2", "", "内容二。", "办公室", "3月底"],
    ]


def test_tab_separated_rows_and_a_row_wrapped_inside_a_cell() -> None:
    dump = (
        "正文第一段。\n"
        "序号\t任务名称\t任务内容\t责任单位\t时间节点\n"
        "1\t名称甲\t开展决策草案公开征求意见，\n反馈采纳情况。\t区政府办公室\t全年\n"
        "\n"
        "2\t\t内容二。\t区司法局\t6月\n"
        "抄送：各委办局。\n"
    )
    doc = parse_text(dump.encode("utf-8"))
    assert [b.kind for b in doc.blocks] == ["paragraph", "table", "paragraph"]
    assert doc.tables[0].texts()[1:] == [
        ["1", "名称甲", "开展决策草案公开征求意见，反馈采纳情况。", "区政府办公室", "全年"],
        ["2", "", "内容二。", "区司法局", "6月"],
    ]
    assert doc.blocks[-1].text == "抄送：各委办局。"


def test_headings_and_pdf_wrapped_prose_lines() -> None:
    dump = (
        "一、总体要求\n\n"
        "（一）指导思想\n\n"
        "（三）财政信息公开。预算金额较大的项目全部实行预决算信息公开，推进政府债务信\n\n"
        "息公开，及时做好限额公开。\n"
        "附件：2024年某区政务公开工作要点任务分解表\n"
        "附件\n"
    )
    blocks = parse_text(dump.encode("utf-8")).blocks
    assert [(b.kind, b.level, b.text) for b in blocks] == [
        ("heading", 1, "一、总体要求"),
        ("heading", 2, "（一）指导思想"),
        ("paragraph", None, "（三）财政信息公开。预算金额较大的项目全部实行预决算信息公开，推进政府债务信息公开，及时做好限额公开。"),
        ("paragraph", None, "附件：2024年某区政务公开工作要点任务分解表"),
        ("paragraph", None, "附件"),
    ]


def test_gb18030_dump_is_decoded() -> None:
    dump = "序号\t任务名称\t任务内容\t责任单位\n1\t名称\t内容。\t区政府办公室\n"
    assert parse_text(dump.encode("gb18030")).tables[0].texts()[1] == ["1", "名称", "内容。", "区政府办公室"]


def test_tab_indented_prose_is_not_a_table() -> None:
    doc = parse_text("\t第一段。\n\n\t第二段。\n".encode())
    assert doc.tables == []
    assert [b.text for b in doc.blocks] == ["第一段。", "第二段。"]


def test_parse_bytes_rejects_unknown_binary_with_one_line() -> None:
    with pytest.raises(ParseError) as info:
        parse_bytes(b"\x00\x01\x02\x03binary\x00\x00" * 20)
    assert "\n" not in str(info.value)
