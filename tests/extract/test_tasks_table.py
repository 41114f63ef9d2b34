"""Task tables built in the test: other header words, fragments, spans, prose reconciliation."""

from __future__ import annotations

from typing import Optional

from extract.parse.model import Block, Cell, Document, Table
from extract.parse.text import parse_text
from extract.tasks import Extraction, extract_tasks
from extract.tasks.table import header_roles


def _table(rows: list[list[str]], *, page: Optional[int] = None, spans_known: bool = False,
           merges: Optional[dict[tuple[int, int], tuple[int, int]]] = None) -> Table:
    """A Table from texts; ``merges`` maps covered (row, col) → origin (row, col) (text copied from the origin)."""
    merges = merges or {}
    grid = []
    for r, row in enumerate(rows):
        cells = []
        for c, text in enumerate(row):
            origin = merges.get((r, c))
            cells.append(Cell(rows[origin[0]][origin[1]], merged_from=origin) if origin else Cell(text))
        grid.append(cells)
    return Table(rows=grid, page=page, spans_known=spans_known)


def _doc(*blocks: Block, fmt: str = "pdf", meta: Optional[dict[str, str]] = None) -> Document:
    return Document(source_format=fmt, blocks=list(blocks), meta=meta or {})


def _p(text: str) -> Block:
    return Block("paragraph", text=text)


def _t(table: Table) -> Block:
    return Block("table", table=table)


def _names(result: Extraction) -> list[tuple[int, Optional[str]]]:
    return [(t["seq"], t["task_name"]) for t in result.tasks]


def test_header_synonyms_and_spaced_header_words() -> None:
    assert header_roles(["编  号", "重点任务", "具体内容", "责任部门", "完成时限"]) == {
        "seq": 0, "name": 1, "content": 2, "units": 3, "deadline": 4}
    assert header_roles(["序 号", "工作任务", "工作内容", "牵头单位", "完成时间"]) == {
        "seq": 0, "name": 1, "content": 2, "units": 3, "deadline": 4}
    assert header_roles(["序号", "任务名称", "任务内容", "责任处室", "时间节点"]) == {
        "seq": 0, "name": 1, "content": 2, "units": 3, "deadline": 4}
    assert header_roles(["联系人", "电话", "邮箱"]) is None
    assert header_roles(["1", "扩大政策公开", "做好信息公开。", "区政府办公室", "全年"]) is None


HEADER_2024 = ["编  号", "重点任务", "具体内容", "责任部门", "完成时限"]


def test_pdf_fragments_with_repeated_header_are_joined() -> None:
    doc = _doc(
        _p("2024年徐汇区政务公开工作要点任务分解表"),
        _t(_table([["联系人", "电话"], ["张三", "64872222"]], page=1)),
        _t(_table([HEADER_2024,
                   ["1", "深化政策解读", "围绕重大政策开展解读。", "区发展改革委牵头，各相关部门落实", "6月底前"],
                   ["2", "", "做好政策问答。", "区司法局、区政务公开办等", "9月30日前"]], page=1)),
        _t(_table([HEADER_2024,
                   ["3", "深化政策解读", "建立政策解读 台账。", "", "全年"],
                   ["4", "推进决策公开", "编制重大行政决策事项目录，", "区政府办公室", "3月份"]], page=2)),
        _t(_table([["", "", "并向社会公开。", "", ""],
                   ["5", "", "开展决策草案公开征求意见。", "区政府办公室（区政务公开办）", "次年2月"]], page=3)),
    )
    result = extract_tasks([doc])
    assert result.document["layout"] == "table"
    assert result.document["header"] == ["编号", "重点任务", "具体内容", "责任部门", "完成时限"]
    assert [(t["seq"], t["task_name"], t["task_content"], t["responsible_raw"], t["lead_units"],
             t["support_units"], t["units_open_list"], t["deadline_raw"], t["deadline_date"]) for t in result.tasks] == [
        (1, "深化政策解读", "围绕重大政策开展解读。", "区发展改革委牵头，各相关部门落实", ["区发展改革委"], ["各相关部门"], False, "6月底前", "2024-06-30"),
        (2, "深化政策解读", "做好政策问答。", "区司法局、区政务公开办等", ["区司法局", "区政务公开办"], [], True, "9月30日前", "2024-09-30"),
        (3, "深化政策解读", "建立政策解读台账。", "区司法局、区政务公开办等", ["区司法局", "区政务公开办"], [], True, "全年", "2024-12-31"),
        (4, "推进决策公开", "编制重大行政决策事项目录，并向社会公开。", "区政府办公室", ["区政府办公室"], [], False, "3月份", "2024-03-31"),
        (5, "推进决策公开", "开展决策草案公开征求意见。", "区政府办公室（区政务公开办）", ["区政府办公室（区政务公开办）"], [], False, "次年2月", "2025-02-28"),
    ]
    assert result.warnings == []


def test_known_spans_are_used_and_an_unknown_deadline_warns() -> None:
    header = ["序号", "任务名称", "任务内容", "责任单位", "时间节点"]
    rows = [header,
            ["1", "加强政策解读", "内容一。", "区政府办公室", "全年"],
            ["2", "", "内容二。", "", "长期坚持"],
            ["3", "", "内容三。", "区司法局", "4月"],
            ["4", "强化考核", "内容四。", "区政务公开办", "年底前"]]
    merges = {(2, 1): (1, 1), (3, 1): (1, 1), (2, 3): (1, 3)}
    result = extract_tasks([_doc(_p("2024年长宁区政务公开工作要点"), _t(_table(rows, spans_known=True, merges=merges)), fmt="docx")])
    assert _names(result) == [(1, "加强政策解读"), (2, "加强政策解读"), (3, "加强政策解读"), (4, "强化考核")]
    assert [t["responsible_raw"] for t in result.tasks] == ["区政府办公室", "区政府办公室", "区司法局", "区政务公开办"]
    assert [t["deadline_date"] for t in result.tasks] == ["2024-12-31", None, "2024-04-30", "2024-12-31"]
    assert result.tasks[1]["deadline_raw"] == "长期坚持"
    assert result.warnings == ["task 2: deadline '长期坚持' kept as written, date left empty (unknown deadline form)"]
    assert result.document["jurisdiction"] == "长宁区"
    assert result.document["issuer"] == "长宁区人民政府"


def test_lead_and_support_columns_under_a_two_row_header() -> None:
    rows = [["序号", "工作任务", "责任单位", "责任单位", "完成时限"],
            ["", "", "牵头单位", "配合单位", ""],
            ["1", "公开财政预决算信息。", "区财政局", "各预算单位等", "6月"],
            ["2", "公开审计整改结果。", "区审计局", "", "12月"]]
    merges = {(1, 0): (0, 0), (1, 1): (0, 1), (1, 4): (0, 4)}
    result = extract_tasks([_doc(_p("2024年闵行区政务公开工作要点"), _t(_table(rows, spans_known=True, merges=merges)))])
    assert [(t["seq"], t["task_name"], t["task_content"], t["lead_units"], t["support_units"], t["units_open_list"],
             t["deadline_date"]) for t in result.tasks] == [
        (1, None, "公开财政预决算信息。", ["区财政局"], ["各预算单位"], True, "2024-06-30"),
        (2, None, "公开审计整改结果。", ["区审计局"], [], False, "2024-12-31"),
    ]
    assert result.tasks[0]["responsible_raw"] == "区财政局；各预算单位等"


def test_section_rows_inside_the_table_are_not_tasks() -> None:
    rows = [["序号", "任务名称", "任务内容", "责任单位", "时间节点"],
            ["一、围绕高质量发展强化信息公开"] * 5,
            ["1", "优化营商环境信息公开", "内容一。", "区发展改革委", "全年"],
            ["二、强化监督保障"] * 5,
            ["2", "加强组织领导", "内容二。", "区政府办公室", "全年"]]
    merges = {(1, c): (1, 0) for c in range(1, 5)} | {(3, c): (3, 0) for c in range(1, 5)}
    result = extract_tasks([_doc(_p("2024年宝山区政务公开工作要点"), _t(_table(rows, spans_known=True, merges=merges)))])
    assert _names(result) == [(1, "优化营商环境信息公开"), (2, "加强组织领导")]
    assert result.document["task_count"] == 2


PROSE_2024 = [
    "2024年青浦区政务公开工作要点",
    "一、强化政策发布",
    "（一）推进政策集中发布。完善行政规范性文件库。做好公文归集工作。",
    "（二）加强政策咨询服务。设置政策留言板。提炼常见问题问答，向咨询窗口推送。",
    "（三）强化考核评估。优化考核指标。",
]
TABLE_2024 = [["序号", "任务名称", "任务内容", "责任单位", "时间节点"],
              ["1", "推进政策集中发布", "完善行政规范性文件库。", "区司法局", "全年"],
              ["2", "", "做好公文归集工作。", "区政府办公室", "全年"],
              ["3", "", "设置政策留言板。", "区政务公开办", "全年"],
              ["4", "加强政策咨询服务", "提炼常见问题问答，向咨询窗口推送。", "各单位", "全年"],
              ["5", "强化考核评估", "优化考核指标。", "区政务公开办", "次年1月"]]


def test_flat_table_middle_row_name_is_settled_by_prose_headings() -> None:
    result = extract_tasks([_doc(*[_p(t) for t in PROSE_2024], _t(_table(TABLE_2024)), fmt="text")])
    assert result.document["layout"] == "prose+table"
    assert _names(result) == [(1, "推进政策集中发布"), (2, "推进政策集中发布"), (3, "加强政策咨询服务"),
                              (4, "加强政策咨询服务"), (5, "强化考核评估")]
    assert result.warnings == [
        "row 3: empty 任务名称 cell read as part of the merged cell of row 4 (加强政策咨询服务), "
        "as the prose heading (加强政策咨询服务) shows"
    ]
    assert result.document["jurisdiction"] == "青浦区"


def test_without_prose_the_flat_table_keeps_the_cell_above() -> None:
    result = extract_tasks([_doc(_p("2024年青浦区政务公开工作要点任务分解表"), _t(_table(TABLE_2024)), fmt="text")])
    assert result.document["layout"] == "table"
    assert [n for _, n in _names(result)][:3] == ["推进政策集中发布"] * 3
    assert result.warnings == []


def test_known_spans_are_not_overridden_by_prose() -> None:
    merges = {(2, 1): (1, 1), (3, 1): (1, 1)}
    table = _table(TABLE_2024, spans_known=True, merges=merges)
    result = extract_tasks([_doc(*[_p(t) for t in PROSE_2024], _t(table), fmt="docx")])
    assert [n for _, n in _names(result)][:3] == ["推进政策集中发布"] * 3
    assert result.warnings == []


def test_text_dump_other_district_and_year() -> None:
    dump = (
        "附件\n\n2024年上海市徐汇区政务公开工作\n\n要点任务分解表\n"
        "\t编  号\n\t重点任务\n\t具体内容\n\t责任部门\n\t完成时限\n\n"
        "\t1\n\t深化政策解读\n\t围绕重大政策开展解读，提升解读 质量。\n\t区发展改革委牵头，各相关部门落实\n\t6月底前\n\n"
        "\t2\n\t\n\t做好政策问答。\n\t区司法局、\n\n区政务公开办等\n\t9月30日前\n\n"
        "\t3\n\t推进决策公开\n\t编制重大行政决策事项目录。\n\t\n\t3月份\n\n"
    )
    result = extract_tasks([parse_text(dump.encode("utf-8"))])
    doc = result.document
    assert (doc["title"], doc["jurisdiction"], doc["level"], doc["issuer"], doc["year"], doc["doc_number"],
            doc["issued_on"], doc["layout"], doc["task_count"]) == (
        "2024年上海市徐汇区政务公开工作要点任务分解表", "徐汇区", "district", "徐汇区人民政府", 2024, None, None, "table", 3)
    assert [(t["task_name"], t["task_content"], t["responsible_raw"], t["lead_units"], t["units_open_list"],
             t["deadline_date"]) for t in result.tasks] == [
        ("深化政策解读", "围绕重大政策开展解读，提升解读质量。", "区发展改革委牵头，各相关部门落实", ["区发展改革委"], False, "2024-06-30"),
        ("深化政策解读", "做好政策问答。", "区司法局、区政务公开办等", ["区司法局", "区政务公开办"], True, "2024-09-30"),
        ("推进决策公开", "编制重大行政决策事项目录。", "区司法局、区政务公开办等", ["区司法局", "区政务公开办"], True, "2024-03-31"),
    ]


def test_a_later_table_of_the_same_width_is_not_a_continuation_unless_its_seq_runs_on() -> None:
    header = ["序号", "任务名称", "任务内容", "责任单位", "时间节点"]
    tasks = _table([header, ["1", "加强组织领导", "内容一。", "区政府办公室", "全年"]], spans_known=True)
    contacts = _table([["单位", "联系人", "电话", "邮箱", "备注"], ["区政府办公室", "张三", "123", "a@b.cn", ""]], spans_known=True)
    more = _table([["2", "强化考核", "内容二。", "区政务公开办", "次年1月"]], spans_known=True)
    result = extract_tasks([_doc(_p("2024年杨浦区政务公开工作要点"), _t(tasks), _t(contacts), _t(more), fmt="docx")])
    assert _names(result) == [(1, "加强组织领导"), (2, "强化考核")]
    assert result.tasks[1]["deadline_date"] == "2025-01-31"


def test_meta_issuer_is_preferred_to_a_title_without_an_organ() -> None:
    doc = _doc(_p("2024年静安区政务公开工作要点任务分解表"),
               _t(_table([["序号", "任务名称", "任务内容", "责任单位", "时间节点"], ["1", "名称", "内容。", "区政府办公室", "全年"]])),
               fmt="html", meta={"发布机构": "上海市静安区人民政府办公室"})
    document = extract_tasks([doc]).document
    assert (document["issuer"], document["jurisdiction"], document["level"]) == ("静安区人民政府办公室", "静安区", "district")
