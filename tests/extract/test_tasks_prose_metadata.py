"""Prose plans and document fields on plans the seeds do not cover."""

from __future__ import annotations

from typing import Optional

from extract.parse.model import Block, Document
from extract.parse.text import parse_text
from extract.tasks import Extraction, extract_tasks
from extract.tasks.metadata import expand_organ, extract_metadata


def _read(text: str, meta: Optional[dict[str, str]] = None) -> Extraction:
    doc = parse_text(text.encode("utf-8"))
    doc.meta.update(meta or {})
    return extract_tasks([doc])


PROSE_PLAN = """上海市徐汇区人民政府办公室文件

徐府办发〔2024〕5号

徐汇区人民政府办公室关于印发《2024年徐汇区政务公开工作要点》的通知

各委、办、局：

现将《2024年徐汇区政务公开工作要点》印发给你们，请认真贯彻执行。

二〇二四年三月十五日

2024年徐汇区政务公开工作要点

2024年，本区政务公开工作的总体要求是：细化落实《2024年上海市政务公开工作要点》（沪府办发〔2024〕3号）。

一、加强政策发布

（一）推进政策集中发布

完善行政规范性文件库建设，做好公文归集。（责任单位：区司法局、区政府办公室（区政务公开办）等）
1．建立政策文件标签体系。(牵头单位:区大数据中心)

（二）强化政策咨询。设置政策留言板，及时回应关切。（牵头单位：区政务公开办；配合单位：各街道、镇）

二、强化监督保障

加强组织领导，研究解决重大问题。（责任部门：区政府办公室）

各单位要结合实际抓好落实。
"""


def test_prose_plan_tasks() -> None:
    result = _read(PROSE_PLAN)
    assert result.document["layout"] == "prose"
    assert [(t["seq"], t["section"], t["task_name"], t["task_content"], t["responsible_raw"], t["lead_units"],
             t["support_units"], t["units_open_list"], t["deadline_raw"], t["deadline_date"]) for t in result.tasks] == [
        (1, "加强政策发布", "推进政策集中发布", "完善行政规范性文件库建设，做好公文归集。",
         "区司法局、区政府办公室（区政务公开办）等", ["区司法局", "区政府办公室（区政务公开办）"], [], True, None, None),
        (2, "加强政策发布", "推进政策集中发布", "建立政策文件标签体系。", "区大数据中心", ["区大数据中心"], [], False, None, None),
        (3, "加强政策发布", "强化政策咨询", "设置政策留言板，及时回应关切。", "区政务公开办；配合单位：各街道、镇",
         ["区政务公开办"], ["各街道", "镇"], False, None, None),
        (4, "强化监督保障", "强化监督保障", "加强组织领导，研究解决重大问题。", "区政府办公室", ["区政府办公室"], [], False, None, None),
    ]


def test_prose_plan_document_fields() -> None:
    doc = _read(PROSE_PLAN).document
    assert {k: doc[k] for k in ("title", "jurisdiction", "level", "issuer", "year", "doc_number", "issued_on", "task_count")} == {
        "title": "2024年徐汇区政务公开工作要点", "jurisdiction": "徐汇区", "level": "district",
        "issuer": "徐汇区人民政府办公室", "year": 2024, "doc_number": "徐府办发〔2024〕5号",
        "issued_on": "2024-03-15", "task_count": 4,
    }


def test_department_plan_title_names_the_organ() -> None:
    text = "2024年徐汇区市场监管局政务公开工作要点\n\n一、总体要求\n\n做好信息公开。（牵头部门：办公室）\n"
    doc = _read(text).document
    assert (doc["jurisdiction"], doc["level"], doc["issuer"], doc["year"]) == ("徐汇区", "district", "徐汇区市场监督管理局", 2024)


def test_city_department_without_title_reads_the_opening_sentence() -> None:
    text = "2024年市卫生健康委政务公开工作的总体要求是：依法公开，落实《2024年上海市政务公开工作要点》。\n一、推进决策公开\n做好目录公开。(牵头部门:办公室)\n"
    doc = _read(text).document
    assert (doc["jurisdiction"], doc["level"], doc["issuer"], doc["year"], doc["doc_number"], doc["issued_on"]) == (
        "上海市", "city", "上海市卫生健康委员会", 2024, None, None)


def test_a_city_department_that_never_says_shanghai_gets_no_jurisdiction() -> None:
    """市X with no 上海/沪/district anywhere: the extractor must not invent Shanghai (shared/cases/README.md)."""
    text = "2024年市卫生健康委政务公开工作的总体要求是：依法公开。\n一、推进决策公开\n做好目录公开。(牵头部门:办公室)\n"
    doc = _read(text).document
    assert (doc["jurisdiction"], doc["level"], doc["issuer"], doc["year"]) == (None, None, "市卫生健康委员会", 2024)


def test_meta_fields_fill_what_the_text_does_not_say() -> None:
    text = "一、推进决策公开\n做好目录公开。（牵头部门：办公室）\n"
    doc = _read(text, meta={"title": "2025年奉贤区政务公开工作要点", "文件编号": "奉府办发[2025]2号",
                            "发布时间": "2025-03-01"}).document
    assert (doc["title"], doc["jurisdiction"], doc["issuer"], doc["year"], doc["doc_number"], doc["issued_on"]) == (
        "2025年奉贤区政务公开工作要点", "奉贤区", "奉贤区人民政府", 2025, "奉府办发〔2025〕2号", None)


def test_printing_line_date_is_a_fallback_for_issued_on() -> None:
    text = "2024年崇明区政务公开工作要点\n一、总体\n做好公开。（责任单位：区政府办公室）\n上海市崇明区人民政府办公室    2024年4月2日印发\n"
    assert _read(text).document["issued_on"] == "2024-04-02"


def test_expand_organ() -> None:
    assert expand_organ("市市场监管局") == "上海市市场监督管理局"
    assert expand_organ("上海市浦东新区人民政府办公室") == "浦东新区人民政府办公室"
    assert expand_organ("上海市嘉定区") == "嘉定区人民政府"
    assert expand_organ("区规划资源局", "松江区") == "松江区规划和自然资源局"
    assert expand_organ("上海市") == "上海市人民政府"


def test_extract_metadata_on_blocks() -> None:
    doc = Document("html", blocks=[Block("paragraph", text="上海市人民政府办公厅文件"),
                                   Block("paragraph", text="沪府办发〔2024〕3号"),
                                   Block("heading", text="2024年上海市政务公开工作要点", level=1)])
    meta = extract_metadata([doc], "prose")
    assert (meta["issuer"], meta["jurisdiction"], meta["level"], meta["year"], meta["doc_number"]) == (
        "上海市人民政府办公厅", "上海市", "city", 2024, "沪府办发〔2024〕3号")


def test_clause_with_deadline_and_clause_on_its_own_line() -> None:
    text = (
        "2024年普陀区政务公开工作要点\n"
        "一、推进政策公开\n"
        "（一）完善公文库。做好公文归集和动态更新。（责任单位：区政府办公室；完成时限：6月底前）\n"
        "（二）推进政策解读。开展政策解读。\n"
        "（牵头单位：区司法局）\n"
        "（三）强化考核。开展年度考核评估。（责任单位：区政务公开办；完成时限：持续推进）\n"
    )
    result = _read(text)
    assert [(t["seq"], t["task_name"], t["task_content"], t["responsible_raw"], t["lead_units"], t["deadline_raw"],
             t["deadline_date"]) for t in result.tasks] == [
        (1, "完善公文库", "做好公文归集和动态更新。", "区政府办公室", ["区政府办公室"], "6月底前", "2024-06-30"),
        (2, "推进政策解读", "开展政策解读。", "区司法局", ["区司法局"], None, None),
        (3, "强化考核", "开展年度考核评估。", "区政务公开办", ["区政务公开办"], "持续推进", None),
    ]
    assert result.warnings == ["task 3: deadline '持续推进' kept as written, date left empty (unknown deadline form)"]


def test_units_one_per_line_in_a_cell() -> None:
    from extract.tasks.normalize import split_units

    units = split_units("区发展改革委\n区财政局、\n区审计局等")
    assert (units.raw, units.lead, units.open_list) == ("区发展改革委、区财政局、区审计局等", ["区发展改革委", "区财政局", "区审计局"], True)


def test_unbracketed_clause_after_the_last_sentence() -> None:
    text = """2022年静安区政务公开工作要点

一、围绕保障改善民生，做好重点领域信息公开

（一）推进就业信息公开。定期发布就业岗位信息，加强就业政策宣传。牵头部门：区人社局

（二）推进教育信息公开。公开义务教育招生政策。责任单位:区教育局、各街道。

（三）加强组织保障。明确牵头部门：区政府办公室要统筹协调各部门工作
"""
    result = _read(text)
    # the item without a clause is not a task, and the reader is told so
    assert result.warnings == ["item '加强组织保障' has no paragraph with a responsibility clause: not read as a task"]
    assert [(t["seq"], t["task_name"], t["task_content"], t["responsible_raw"], t["lead_units"]) for t in result.tasks] == [
        (1, "推进就业信息公开", "定期发布就业岗位信息，加强就业政策宣传。", "区人社局", ["区人社局"]),
        (2, "推进教育信息公开", "公开义务教育招生政策。", "区教育局、各街道", ["区教育局", "各街道"]),
    ]
