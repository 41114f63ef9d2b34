"""Issue 11's kinds, one small input each, written here (not the case files): roles over the whole
header, numbering, sections and footnotes, units per line, open lists, prose clauses, wrappers,
metadata outside Shanghai, the right table only, and ``parse --explain``."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document as new_docx

from extract.parse import parse_bytes
from extract.parse.detect import detect_format
from extract.tasks import extract_tasks
from extract.tasks.normalize import split_units
from extract.tasks.prose import is_unit_list
from extract.tasks.table import header_roles, strip_ordinal

REPO = Path(__file__).resolve().parents[2]


def _read(html: str) -> list[tuple]:
    result = extract_tasks([parse_bytes(html.encode("utf-8"))])
    return [(t["seq"], t["section"], t["task_name"], t["task_content"], t["lead_units"], t["support_units"],
             t["units_open_list"], t["deadline_date"]) for t in result.tasks]


@pytest.mark.parametrize("cells,want", [
    (["完成时限", "责任单位", "具体措施", "工作内容", "序号"],
     {"deadline": 0, "units": 1, "content": 3, "name": 2, "seq": 4}),
    (["序号", "工作任务", "具体措施", "责任单位（部门）", "完成时限（2025年）", "备注"],
     {"seq": 0, "name": 1, "content": 2, "units": 3, "deadline": 4}),
    (["领域", "序 号", "工作事项", "主要内容", "责任主体", "时限要求"],
     {"group": 0, "seq": 1, "name": 2, "content": 3, "units": 4, "deadline": 5}),
    (["重点任务", "工作要求", "牵头单位", "责任单位"], {"name": 0, "content": 1, "units": 2, "support": 3}),
    (["工\u00a0作\u00a0任\u00a0务", "配合单位", "牵 头 单 位", "完成期限"],
     {"content": 0, "support": 1, "units": 2, "deadline": 3}),
])
def test_roles_are_assigned_over_the_whole_header(cells: list[str], want: dict[str, int]) -> None:
    assert header_roles(cells) == want


def test_two_content_like_columns_name_and_detail_the_task() -> None:
    assert header_roles(["序号", "工作内容", "具体措施", "责任单位", "完成时限"]) == {
        "seq": 0, "name": 1, "content": 2, "units": 3, "deadline": 4}


@pytest.mark.parametrize("cells", [["序号", "任务", "分解任务", "责任单位", "时间节点"],
                                   ["序号", "重点任务", "具体事项", "责任单位", "完成时限"]])
def test_two_name_like_columns_name_and_detail_the_task(cells: list[str]) -> None:
    assert header_roles(cells) == {"seq": 0, "name": 1, "content": 2, "units": 3, "deadline": 4}


@pytest.mark.parametrize("text,want", [
    ("（三）推进政策集中发布", ("推进政策集中发布", None)),
    ("二、提升政策服务", ("提升政策服务", None)),
    ("12.公开预算", ("公开预算", 12)),
    ("（7）公开预算", ("公开预算", 7)),
    ("3、公开预算", ("公开预算", 3)),
    ("2024年公开预算", ("2024年公开预算", None)),   # a year, not a number
    ("30日内公开", ("30日内公开", None)),
    ("1.5倍", ("1.5倍", None)),
])
def test_leading_ordinals_are_numbering(text: str, want: tuple) -> None:
    assert strip_ordinal(text) == want


def test_table_without_seq_column_sections_footnote_and_lines() -> None:
    html = """<div class="xw_nr"><table>
    <tr><td colspan="4">2025年某区司法局政务公开工作任务清单</td></tr>
    <tr><th>工作任务</th><th>具体要求</th><th>牵头科室</th><th>配合科室</th></tr>
    <tr><td colspan="4">一、深化法治政府信息公开</td></tr>
    <tr><td>（1）公开行政执法信息</td><td>按月公开执法决定。</td><td>执法监督科<br/>法制科</td><td></td></tr>
    <tr><td>（3）公开复议结果</td><td>集中公开复议决定书。</td><td>复议科</td><td>办公室、各司法所等单位</td></tr>
    <tr><td colspan="4">注：各科室每月5日前报送进度。</td></tr>
    </table></div>"""
    assert _read(html) == [
        (1, "深化法治政府信息公开", "公开行政执法信息", "按月公开执法决定。", ["执法监督科", "法制科"], [], False, None),
        (3, "深化法治政府信息公开", "公开复议结果", "集中公开复议决定书。", ["复议科"], ["办公室", "各司法所"], True, None),
    ]


def test_only_the_task_table_and_its_true_continuation() -> None:
    header = "<tr><td>序号</td><td>任务名称</td><td>任务内容</td><td>责任单位</td><td>完成时限</td></tr>"
    html = f"""<p>2024年某区政务公开工作要点</p>
    <table><tr><td>序号</td><td>单位</td><td>联系人</td><td>电话</td><td>备注</td></tr>
           <tr><td>1</td><td>区政府办公室</td><td>王五</td><td>123</td><td></td></tr></table>
    <table>{header}<tr><td>1</td><td>公开规划</td><td>公开年度计划。</td><td>区发改委</td><td>3月底前</td></tr></table>
    <table><tr><td>序号</td><td>附件</td><td>页数</td><td>份数</td><td>备注</td></tr>
           <tr><td>1</td><td>任务清单</td><td>3</td><td>1</td><td></td></tr></table>
    <table>{header}<tr><td>2</td><td>公开预算</td><td>公开部门预算。</td><td>区财政局</td><td>全年</td></tr></table>"""
    assert [r[:3] for r in _read(html)] == [(1, None, "公开规划"), (2, None, "公开预算")]


@pytest.mark.parametrize("raw,lead,support,open_list", [
    ("区卫生健康委、区民政局等相关部门", ["区卫生健康委", "区民政局"], [], True),
    ("各街镇等基层单位", ["各街镇"], [], True),
    ("区政府办公室牵头,各科室配合", ["区政府办公室"], ["各科室"], False),
    ("牵头单位：区发改委\n配合单位：区财政局、区统计局", ["区发改委"], ["区财政局", "区统计局"], False),
    ("区发改委\n（牵头）、区财政局", ["区发改委"], ["区财政局"], False),
    ("平等就业服务中心", ["平等就业服务中心"], [], False),
])
def test_units(raw: str, lead: list[str], support: list[str], open_list: bool) -> None:
    from extract.parse.model import Cell
    from extract.tasks.table import _lines

    units = split_units(_lines(Cell(raw)))
    assert (units.lead, units.support, units.open_list) == (lead, support, open_list)


@pytest.mark.parametrize("text,want", [
    ("区经委、区科委", True), ("区政府各委、办、局", True), ("区妇联、团区委", True),
    ("区发改委牵头，各单位配合", True), ("含调整情况", False), ("以下简称区局", False), ("2024年版", False),
    ("详见附件2", False), ("试行", False),
])
def test_bare_parenthesised_unit_lists(text: str, want: bool) -> None:
    assert is_unit_list(text) is want


def test_prose_clauses_of_every_shape_several_per_paragraph() -> None:
    html = """<div class="article"><p>2025年某区政务公开工作要点</p>
    <p>一、加强政策公开</p>
    <p>（一）规范文件发布。清理现行规范性文件(区司法局).公开清理结果。【牵头部门：区司法局；完成时限：2025年6月底前】</p>
    <p>（二）做好解读回应。重要政策同步解读（区政府办公室牵头，区各部门配合）。向区人大报告工作（详见附件）。</p>
    <p>二、强化保障</p>
    <p>将公开工作纳入考核。（区委组织部、区政府办公室（区政务公开办））</p></div>"""
    assert _read(html) == [
        (1, "加强政策公开", "规范文件发布", "清理现行规范性文件.", ["区司法局"], [], False, None),
        (2, "加强政策公开", "规范文件发布", "公开清理结果。", ["区司法局"], [], False, "2025-06-30"),
        (3, "加强政策公开", "做好解读回应", "重要政策同步解读。", ["区政府办公室"], ["区各部门"], False, None),
        (4, "强化保障", "强化保障", "将公开工作纳入考核。", ["区委组织部", "区政府办公室（区政务公开办）"], [], False, None),
    ]


def test_an_alias_in_parentheses_is_not_a_clause() -> None:
    html = "<p>2025年某区政务公开工作要点</p><p>一、总体要求</p><p>各单位将材料报送区政府办公室（区政务公开办）。</p>"
    assert _read(html) == []


def _mhtml(html: str, charset: str = "gb2312") -> bytes:
    import quopri

    body = quopri.encodestring(html.encode(charset)).decode("ascii")
    return ("MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"B\"\r\n\r\n--B\r\n"
            "Content-Location: file:///C:/x.htm\r\nContent-Transfer-Encoding: quoted-printable\r\n"
            f"Content-Type: text/html; charset=\"{charset}\"\r\n\r\n{body}\r\n--B--\r\n").encode("ascii")


def test_word_single_file_web_page_saved_as_doc_is_unwrapped() -> None:
    html = ("<html><body><p>2024年某县政务公开工作要点任务分解表</p><table>"
            "<tr><td>序号</td><td>重点任务</td><td>责任单位</td><td>完成时间</td></tr>"
            "<tr><td>1</td><td>公开财政预决算。</td><td>县财政局</td><td>9月</td></tr></table></body></html>")
    data = _mhtml(html)
    assert detect_format(data) == "mht"
    result = extract_tasks([parse_bytes(data)])
    assert result.document["year"] == 2024 and result.document["jurisdiction"] is None
    assert [(t["seq"], t["task_content"], t["lead_units"], t["deadline_date"]) for t in result.tasks] == [
        (1, "公开财政预决算。", ["县财政局"], "2024-09-30")]


def test_docx_layout_frame_is_unwrapped_and_nested_cells_are_lines() -> None:
    doc = new_docx()
    frame = doc.add_table(rows=1, cols=1)
    cell = frame.cell(0, 0)
    cell.paragraphs[0].text = "2025年某区政务公开重点任务"
    inner = cell.add_table(rows=2, cols=4)
    for j, word in enumerate(["序号", "工作任务", "责任单位", "完成时限"]):
        inner.cell(0, j).text = word
    inner.cell(1, 0).text = "1"
    inner.cell(1, 1).text = "公开重大项目进展。"
    units = inner.cell(1, 2)
    units.paragraphs[0].text = "区发改委"
    units.add_paragraph("区建管委")
    inner.cell(1, 3).text = "年底前"
    buf = io.BytesIO()
    doc.save(buf)
    result = extract_tasks([parse_bytes(buf.getvalue())])
    assert [(t["seq"], t["task_content"], t["lead_units"], t["deadline_date"]) for t in result.tasks] == [
        (1, "公开重大项目进展。", ["区发改委", "区建管委"], "2025-12-31")]


@pytest.mark.parametrize("title,jurisdiction,level", [
    ("2025年南州市政务公开工作要点", None, None),
    ("2025年市卫生健康委政务公开工作要点", None, None),  # 市X with nothing saying Shanghai
    ("2025年上海市卫生健康委政务公开工作要点", "上海市", "city"),
    ("2025年静安区政务公开工作要点", "静安区", "district"),
])
def test_jurisdiction_is_never_invented(title: str, jurisdiction, level) -> None:
    html = (f"<p>{title}</p><table><tr><td>序号</td><td>工作任务</td><td>责任单位</td></tr>"
            "<tr><td>1</td><td>公开目录。</td><td>办公室</td></tr></table>")
    doc = extract_tasks([parse_bytes(html.encode("utf-8"))]).document
    assert (doc["jurisdiction"], doc["level"], doc["year"]) == (jurisdiction, level, 2025)


def test_explain_names_roles_skipped_rows_and_clauses(tmp_path: Path) -> None:
    page = tmp_path / "plan.html"
    page.write_text("""<table><tr><td colspan="3">2025年某区政务公开任务表</td></tr>
    <tr><td>事项</td><td>责任单位</td><td>完成时限</td></tr>
    <tr><td colspan="3">一、决策公开</td></tr><tr><td>公开目录。</td><td>办公室</td><td>3月底前</td></tr>
    <tr><td colspan="3">注：按月报送。</td></tr></table>""", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "extract", "parse", "--explain", str(page)],
                         check=False, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "'事项' → name" in text and "only text column: read as content" in text
    assert "'责任单位' → units" in text and "'完成时限' → deadline" in text
    assert "section '决策公开'" in text and "footnote '注：按月报送。'" in text
    assert "title rows above the header: 2025年某区政务公开任务表" in text
    assert text.rstrip().endswith("tasks: 1") or "tasks: 1\n" in text


def test_no_tasks_warning_names_the_tables_seen() -> None:
    html = "<p>2025年某区通知</p><table><tr><td>单位</td><td>联系人</td></tr><tr><td>办公室</td><td>张三</td></tr></table>"
    result = extract_tasks([parse_bytes(html.encode("utf-8"))])
    assert result.tasks == []
    assert any("tables seen: table 1 (2×2): 单位 | 联系人" in w for w in result.warnings)


def test_chinese_ordinal_in_the_seq_column_marks_a_section_row() -> None:
    html = """<p>2025年某区政务公开工作要点任务分解表</p><table>
    <tr><td>序号</td><td>任务名称</td><td>任务内容</td><td>责任单位</td><td>完成时限</td></tr>
    <tr><td>一</td><td>推进决策公开</td><td></td><td></td><td></td></tr>
    <tr><td>1</td><td>公开目录</td><td>编制目录。</td><td>区府办</td><td>3月底前</td></tr>
    <tr><td>（二）</td><td>推进执行公开</td><td></td><td></td><td></td></tr>
    <tr><td>2</td><td>公开进展</td><td>公开进度。</td><td>区发改委</td><td>全年</td></tr></table>"""
    assert [r[:4] for r in _read(html)] == [(1, "推进决策公开", "公开目录", "编制目录。"),
                                            (2, "推进执行公开", "公开进展", "公开进度。")]


# ---- round 3 (issue 11, held-back kinds): one small input each, own wording

@pytest.mark.parametrize("title,signature,district", [
    ("枫泾镇2025年政务公开工作要点任务清单", "上海市金山区枫泾镇人民政府", "金山区"),
    ("2025年石门二路街道政务公开工作要点", "静安区石门二路街道办事处", "静安区"),
    ("亭林镇2025年政务公开工作要点", "根据金山区政务公开工作部署，结合本镇实际制定。", "金山区"),
])
def test_town_plan_takes_the_district_written_before_the_town(title: str, signature: str, district: str) -> None:
    html = f"""<p>{title}</p>
    <table><tr><td>序号</td><td>工作任务</td><td>责任部门</td><td>完成时限</td></tr>
    <tr><td>1</td><td>公开镇级预算。</td><td>财政所</td><td>6月底前</td></tr></table>
    <p>{signature}</p>"""
    doc = extract_tasks([parse_bytes(html.encode("utf-8"))]).document
    assert (doc["jurisdiction"], doc["level"], doc["year"]) == (district, "district", 2025)


def test_town_plan_without_its_district_stays_at_the_city() -> None:
    html = """<p>枫泾镇2025年政务公开工作要点任务清单</p><p>上海市人民政府办公厅印发的要点已部署。</p>
    <table><tr><td>序号</td><td>工作任务</td><td>责任部门</td></tr><tr><td>1</td><td>公开预算。</td><td>财政所</td></tr></table>"""
    assert extract_tasks([parse_bytes(html.encode("utf-8"))]).document["jurisdiction"] == "上海市"


def test_unit_names_holding_square_brackets_in_a_lead_clause() -> None:
    html = """<div class="zoom"><p>2025年南岭市政务公开工作要点</p><p>一、主要任务</p>
    <p>（一）公开规划。发布年度规划执行情况。（市府办〔市数据局〕牵头，各区〔县〕政府按职责分工负责）</p>
    <p>（二）公开统计。按季度发布统计数据。（市统计局、市府办〔市数据局〕负责；2025年9月底前）</p></div>"""
    assert _read(html) == [
        (1, "主要任务", "公开规划", "发布年度规划执行情况。", ["市府办〔市数据局〕"], ["各区〔县〕政府"], False, None),
        (2, "主要任务", "公开统计", "按季度发布统计数据。", ["市统计局", "市府办〔市数据局〕"], [], False, "2025-09-30"),
    ]


def test_unit_list_after_an_event_noun_closes_the_task() -> None:
    html = """<p>2025年某区政务公开工作要点</p><p>一、加强解读</p>
    <p>（一）办好发布活动。每月召开一次新闻发布会（区新闻办、区府办）。组织政策座谈会（区发改委）。</p>
    <p>（二）用好网站。完善惠企政策专区（区经委）。升级政务公开平台（区大数据中心）。</p>
    <p>各单位材料报送区政府办公室（区政务公开办）。</p>"""
    assert [r[2:5] for r in _read(html)] == [
        ("办好发布活动", "每月召开一次新闻发布会。", ["区新闻办", "区府办"]),
        ("办好发布活动", "组织政策座谈会。", ["区发改委"]),
        ("用好网站", "完善惠企政策专区。", ["区经委"]),
        ("用好网站", "升级政务公开平台。", ["区大数据中心"]),
    ]


def test_numbered_items_followed_by_labelled_unit_and_deadline_lines() -> None:
    html = """<div class="article"><p>2025年某区政务公开重点工作任务分工方案</p><p>一、做好重点公开</p>
    <p>1.公开城市更新项目清单。</p><p>牵头单位：区规划资源局</p><p>配合单位：区建管委、各街镇</p>
    <p>完成时限：2025年10月底前</p>
    <p>2.公开养老服务机构名录。</p><p>牵头单位：区民政局</p><p>完成时限：长期坚持</p>
    <p>3.公开体育场馆开放时间。</p><p>牵头单位：区体育局</p><p>责任单位：各街镇</p></div>"""
    result = extract_tasks([parse_bytes(html.encode("utf-8"))])
    assert [(t["seq"], t["task_name"], t["task_content"], t["responsible_raw"], t["lead_units"], t["support_units"],
             t["deadline_raw"], t["deadline_date"]) for t in result.tasks] == [
        (1, "做好重点公开", "公开城市更新项目清单。", "牵头单位：区规划资源局；配合单位：区建管委、各街镇",
         ["区规划资源局"], ["区建管委", "各街镇"], "2025年10月底前", "2025-10-31"),
        (2, "做好重点公开", "公开养老服务机构名录。", "牵头单位：区民政局", ["区民政局"], [], "长期坚持", None),
        (3, "做好重点公开", "公开体育场馆开放时间。", "牵头单位：区体育局；责任单位：各街镇", ["区体育局"], ["各街镇"],
         None, None),
    ]


def test_a_leader_column_names_people_not_the_responsible_units() -> None:
    html = """<p>2025年某街道政务公开工作任务</p><table>
    <tr><td>序号</td><td>工作任务</td><td>分管领导</td><td>责任科室</td><td>完成时间</td></tr>
    <tr><td>1</td><td>公开社区预算。</td><td>办事处副主任</td><td>财务中心</td><td>5月底前</td></tr></table>"""
    assert [(r[0], r[3], r[4], r[7]) for r in _read(html)] == [(1, "公开社区预算。", ["财务中心"], "2025-05-31")]
    assert header_roles(["序号", "工作任务", "责任领导", "联系人", "完成时间"]) == {"seq": 0, "content": 1, "deadline": 4}


@pytest.mark.parametrize("title_row", ["南岭区2024年政务公开工作主要任务分解表", "南岭区2024年政府信息公开工作任务表"])
def test_year_from_a_title_row_naming_the_main_tasks(title_row: str) -> None:
    html = f"""<table><tr><td colspan="3">{title_row}</td></tr>
    <tr><td>工作任务</td><td>牵头单位</td><td>完成时限</td></tr>
    <tr><td>公开规划评估报告。</td><td>区发改局</td><td>10月底前</td></tr></table>"""
    result = extract_tasks([parse_bytes(html.encode("utf-8"))])
    assert result.document["year"] == 2024
    assert [(t["task_content"], t["deadline_date"]) for t in result.tasks] == [("公开规划评估报告。", "2024-10-31")]


@pytest.mark.parametrize("raw,lead,support", [
    ("区教育局牵头落实", ["区教育局"], []),
    ("区财政局、区税务局分别牵头落实", ["区财政局", "区税务局"], []),
    ("由区民政局负责", ["区民政局"], []),
    ("区卫健委负责，各街镇配合", ["区卫健委"], ["各街镇"]),
    ("区应急局具体负责", ["区应急局"], []),
    ("牵头科室：办公室；协同科室：法规科、执法队", ["办公室"], ["法规科", "执法队"]),
    ("区规划资源局；责任单位：区建管委、区房管局", ["区规划资源局"], ["区建管委", "区房管局"]),
])
def test_duty_words_around_unit_lists(raw: str, lead: list[str], support: list[str]) -> None:
    units = split_units(raw)
    assert (units.lead, units.support, units.open_list) == (lead, support, False)


def test_prose_with_four_levels_names_tasks_after_the_paren_heading() -> None:
    """一、/（一）/1./（1）: the name is the nearest （一）-style heading (gold README; lead's decision on round 3),
    a bare ``1.`` line without a clause is neither a task nor the name."""
    html = """<div class="article"><p>2025年某区政务公开工作要点</p><p>一、做实主动公开</p>
    <p>（一）围绕产业发展做好公开</p><p>1.做好人才政策公开</p>
    <p>（1）公开人才公寓申请条件。（责任单位：区人才局）</p>
    <p>（2）公开落户积分办理流程。（责任单位：区人社局；完成时限：6月底前）</p>
    <p>（二）围绕民生做好公开</p><p>1.做好养老信息公开</p>
    <p>（3）公开养老机构名录。（责任单位：区民政局）</p></div>"""
    assert _read(html) == [
        (1, "做实主动公开", "围绕产业发展做好公开", "公开人才公寓申请条件。", ["区人才局"], [], False, None),
        (2, "做实主动公开", "围绕产业发展做好公开", "公开落户积分办理流程。", ["区人社局"], [], False, "2025-06-30"),
        (3, "做实主动公开", "围绕民生做好公开", "公开养老机构名录。", ["区民政局"], [], False, None),
    ]


def test_a_division_plan_written_as_duty_sentences() -> None:
    html = """<div class="TRS_Editor"><p>2025年某县政务公开重点工作任务分工方案</p><p>一、做好决策公开</p>
    <p>1.公开年度重大行政决策事项目录。县司法局负责，县政府各部门配合。</p>
    <p>2.组织利益相关方列席政府常务会议。由县政府办公室牵头，县融媒体中心落实。</p>
    <p>3.各单位要明确专人负责。</p>
    <p>4.公开征地补偿标准，县自然资源局负责，各乡镇配合。</p><p>5.落实保密审查，由主要领导负责。</p></div>"""
    result = extract_tasks([parse_bytes(html.encode("utf-8"))])
    assert [(t["seq"], t["task_content"], t["responsible_raw"], t["lead_units"], t["support_units"])
            for t in result.tasks] == [
        (1, "公开年度重大行政决策事项目录。", "县司法局负责，县政府各部门配合", ["县司法局"], ["县政府各部门"]),
        (2, "组织利益相关方列席政府常务会议。", "由县政府办公室牵头，县融媒体中心落实", ["县政府办公室"], ["县融媒体中心"]),
        (3, "公开征地补偿标准", "县自然资源局负责，各乡镇配合", ["县自然资源局"], ["各乡镇"]),
    ]


def test_an_item_sentence_closed_by_a_clause_or_lines_below_is_the_task() -> None:
    html = """<div class="Custom_UnionStyle"><p>2025年某区政务公开重点工作任务分工</p><p>一、做好重点公开</p>
    <p>（一）公开重大建设项目审批结果。</p><p>责任单位：区发展改革委</p><p>完成时间：2025年8月底前</p>
    <p>（二）公开学区划分方案。【牵头单位：区教育局；配合单位：各街镇】</p>
    <p>（三）规范网站管理</p><p>定期检查网站栏目更新情况。（区政府办公室）</p></div>"""
    result = extract_tasks([parse_bytes(html.encode("utf-8"))])
    assert [(t["seq"], t["task_name"], t["task_content"], t["responsible_raw"], t["lead_units"], t["support_units"],
             t["deadline_date"]) for t in result.tasks] == [
        (1, "公开重大建设项目审批结果", "公开重大建设项目审批结果。", "责任单位：区发展改革委", ["区发展改革委"], [],
         "2025-08-31"),
        (2, "公开学区划分方案", "公开学区划分方案。", "区教育局；配合单位：各街镇", ["区教育局"], ["各街镇"], None),
        (3, "规范网站管理", "定期检查网站栏目更新情况。", "区政府办公室", ["区政府办公室"], [], None),
    ]


def test_a_numbered_row_across_the_table_names_the_sub_numbered_rows() -> None:
    html = """<p>2025年某镇政务公开工作任务分解表</p><table>
    <tr><td>序号</td><td>工作任务</td><td>具体措施</td><td>责任单位</td><td>完成时限</td></tr>
    <tr><td>1</td><td colspan="4">做好村务公开</td></tr>
    <tr><td>1.1</td><td></td><td>公开村级财务收支。</td><td>农业服务中心</td><td>每季度</td></tr>
    <tr><td>1.2</td><td></td><td>公开集体资产台账。</td><td>农业服务中心</td><td>9月底前</td></tr>
    <tr><td>2</td><td colspan="4">做好征兵信息公开</td></tr>
    <tr><td>2.1</td><td></td><td>公开征兵政策。</td><td>武装部</td><td>5月底前</td></tr></table>"""
    assert [(r[0], r[2], r[3], r[4], r[7]) for r in _read(html)] == [
        (1, "做好村务公开", "公开村级财务收支。", ["农业服务中心"], None),
        (2, "做好村务公开", "公开集体资产台账。", ["农业服务中心"], "2025-09-30"),
        (3, "做好征兵信息公开", "公开征兵政策。", ["武装部"], "2025-05-31"),
    ]


@pytest.mark.parametrize("text", ["本年度内", "年底之前", "今年年底前", "今年底前完成"])
def test_more_ways_to_say_the_end_of_the_plan_year(text: str) -> None:
    from extract.tasks.normalize import read_deadline

    assert (read_deadline(text, 2025).kind, read_deadline(text, 2025).iso) == ("full_year", "2025-12-31")


def test_a_key_points_column_names_the_task() -> None:
    html = """<p>2025年某县政务公开工作要点任务分工</p><table>
    <tr><td>序号</td><td>工作要点</td><td>工作措施</td><td>承办单位</td><td>时间要求</td></tr>
    <tr><td>1</td><td>公开惠农补贴</td><td>按村公示补贴对象和金额。</td><td>县农业农村局</td><td>10月底前</td></tr>
    <tr><td>2</td><td>公开养老服务</td><td>发布养老机构名录。</td><td>县民政局</td><td>年底前</td></tr></table>"""
    assert [(r[0], r[2], r[3], r[4], r[7]) for r in _read(html)] == [
        (1, "公开惠农补贴", "按村公示补贴对象和金额。", ["县农业农村局"], "2025-10-31"),
        (2, "公开养老服务", "发布养老机构名录。", ["县民政局"], "2025-12-31"),
    ]


def test_a_text_header_spanning_two_columns_beside_a_content_column() -> None:
    # 重点工作 over two columns (一、 group | （一） name), then its own 工作要求 column: group + name.
    html = """<p>2025年某市政务公开重点工作分工</p><table>
    <tr><td colspan="2">重点工作</td><td>工作要求</td><td>牵头单位</td><td>完成时限</td></tr>
    <tr><td rowspan="2">一、强化政策解读</td><td>（一）解读产业政策</td><td>制作图解材料。</td><td>市工信局</td><td>6月底前</td></tr>
    <tr><td>（二）解读医保政策</td><td>开展直播访谈。</td><td>市医保局</td><td>9月底前</td></tr>
    <tr><td>二、优化公开平台</td><td>（三）整合政务新媒体</td><td>关停空壳账号。</td><td>市政府办公室</td><td>年内</td></tr>
    </table>"""
    assert [(r[0], r[1], r[2], r[3], r[4], r[7]) for r in _read(html)] == [
        (1, "强化政策解读", "解读产业政策", "制作图解材料。", ["市工信局"], "2025-06-30"),
        (2, "强化政策解读", "解读医保政策", "开展直播访谈。", ["市医保局"], "2025-09-30"),
        (3, "优化公开平台", "整合政务新媒体", "关停空壳账号。", ["市政府办公室"], "2025-12-31"),
    ]


@pytest.mark.parametrize("text,kind,iso", [
    ("2025.8", "month", "2025-08-31"), ("2025.11.15", "day", "2025-11-15"), ("2025.4.30前", "day", "2025-04-30"),
    ("2025/7/1", "day", "2025-07-01"), ("2026.3", "next_year", "2026-03-31"), ("2025.2.30", "unparsed", None),
])
def test_dotted_dates_read_like_written_ones(text: str, kind: str, iso: str) -> None:
    from extract.tasks.normalize import read_deadline

    assert (read_deadline(text, 2025).kind, read_deadline(text, 2025).iso) == (kind, iso)


def test_label_sentences_and_two_brackets_after_an_item_are_one_clause() -> None:
    text = ("2025年某区卫健委政务公开工作要点\n一、做好公共卫生信息公开\n"
            "（一）公开传染病疫情信息。每月发布法定传染病疫情概况。牵头单位：疾控科。配合单位：区疾控中心。"
            "完成时限：每月。\n"
            "（二）公开医疗机构执业信息。更新辖区医疗机构名录。【责任单位：医政科、中医科】【完成时限：8月底前】\n")
    result = extract_tasks([parse_bytes(text.encode("utf-8"))])
    assert [(t["seq"], t["section"], t["task_name"], t["task_content"], t["lead_units"], t["support_units"],
             t["deadline_raw"], t["deadline_date"]) for t in result.tasks] == [
        (1, "做好公共卫生信息公开", "公开传染病疫情信息", "每月发布法定传染病疫情概况。", ["疾控科"], ["区疾控中心"],
         "每月", None),
        (2, "做好公共卫生信息公开", "公开医疗机构执业信息", "更新辖区医疗机构名录。", ["医政科", "中医科"], [],
         "8月底前", "2025-08-31"),
    ]


def test_labelled_blocks_one_task_each() -> None:
    text = ("某县水利局2025年政务公开任务清单\n\n任务1：公开河湖长制信息\n工作内容：公布县级河湖长名单和巡河记录。\n"
            "牵头股室：河湖管理股\n完成时间：6月底前\n\n任务2：公开防汛预案\n工作内容：汛前发布防汛应急预案。\n"
            "责任股室：防汛办、办公室\n完成时间：长期坚持\n")
    result = extract_tasks([parse_bytes(text.encode("utf-8"))])
    assert [(t["seq"], t["task_name"], t["task_content"], t["lead_units"], t["deadline_date"])
            for t in result.tasks] == [
        (1, "公开河湖长制信息", "公布县级河湖长名单和巡河记录。", ["河湖管理股"], "2025-06-30"),
        (2, "公开防汛预案", "汛前发布防汛应急预案。", ["防汛办", "办公室"], None),
    ]


def test_space_separated_units_counted_open_lists_and_step_deadlines() -> None:
    html = """<p>2025年某区政务公开工作任务表</p><table>
    <tr><td>序号</td><td>工作任务</td><td>责任单位</td><td>完成时限</td></tr>
    <tr><td>1</td><td>公开区级财政专项资金目录</td><td>区财政局\u3000区审计局</td><td>4月底前完成梳理，8月底前对外公布</td></tr>
    <tr><td>2</td><td>公开重点民生实事进展</td><td>区发展改革委等5个部门</td><td>年底前</td></tr>
    <tr><td>3</td><td>规范依申请公开答复</td><td>文件起草 处室</td><td>及时</td></tr></table>"""
    assert [(r[0], r[4], r[6], r[7]) for r in _read(html)] == [
        (1, ["区财政局", "区审计局"], False, "2025-08-31"),
        (2, ["区发展改革委"], True, "2025-12-31"),
        (3, ["文件起草处室"], False, None),
    ]


# --- branch r5tables (round 5, fixer "tables"): kinds A, F, G, I, D+E -------------------------------


def _fields(data: bytes, *names: str) -> list[tuple]:
    """The named fields of every task read from ``data`` (any format), in order."""
    return [tuple(t[n] for n in names) for t in extract_tasks([parse_bytes(data)]).tasks]


def test_three_text_columns_group_name_content_without_seq() -> None:
    html = """<p>某市统计局2025年政务公开工作分工</p><table>
    <tr><td>重点工作</td><td>工作任务</td><td>工作措施</td><td>责任处室</td><td>时间要求</td></tr>
    <tr><td rowspan="2">一、做好统计数据发布</td><td>（一）按时发布统计公报。</td><td>1.在门户网站发布年度统计公报。</td>
        <td>综合处</td><td>3月底前</td></tr>
    <tr><td>（二）解读月度经济数据。</td><td>3.每月发布主要经济指标解读。</td><td>综合处、核算处</td><td>每月</td></tr>
    <tr><td>二、规范依申请公开</td><td>（三）完善申请办理流程。</td><td>4.修订依申请公开办理规程。</td>
        <td>办公室</td><td>2025年8月</td></tr>
    </table>"""
    assert [(r[0], r[1], r[2], r[3], r[4], r[7]) for r in _read(html)] == [
        (1, "做好统计数据发布", "按时发布统计公报。", "在门户网站发布年度统计公报。", ["综合处"], "2025-03-31"),
        (3, "做好统计数据发布", "解读月度经济数据。", "每月发布主要经济指标解读。", ["综合处", "核算处"], None),
        (4, "规范依申请公开", "完善申请办理流程。", "修订依申请公开办理规程。", ["办公室"], "2025-08-31"),
    ]
    assert header_roles(["重点工作", "工作任务", "工作措施", "责任处室", "时间要求"]) == {
        "group": 0, "name": 1, "content": 2, "units": 3, "deadline": 4}


def test_zhuze_xieze_columns_are_lead_and_support() -> None:
    html = """<p>某旗2025年政务公开任务清单</p><table>
    <tr><td>序号</td><td>任务事项</td><td>协责单位</td><td>主责单位</td><td>时限要求</td></tr>
    <tr><td>1</td><td>公开草原禁牧休牧安排</td><td>各苏木镇</td><td>旗林草局</td><td>4月底前</td></tr>
    <tr><td>2</td><td>公开牧区饮水工程进展</td><td></td><td>旗水利局</td><td>持续推进</td></tr>
    </table>"""
    assert [(r[0], r[3], r[4], r[5], r[7]) for r in _read(html)] == [
        (1, "公开草原禁牧休牧安排", ["旗林草局"], ["各苏木镇"], "2025-04-30"),
        (2, "公开牧区饮水工程进展", ["旗水利局"], [], None),
    ]
    units = split_units("主责单位：旗民政局\n协责单位：各苏木镇、旗财政局")
    assert (units.lead, units.support) == (["旗民政局"], ["各苏木镇", "旗财政局"])


def test_no_plan_year_dates_only_deadlines_stating_their_own_year() -> None:
    html = """<p>某县推进基层政务公开标准化工作分工表</p><table>
    <tr><td>序号</td><td>推进阶段</td><td>工作任务</td><td>责任单位</td><td>完成时限</td></tr>
    <tr><td>1</td><td rowspan="2">准备阶段</td><td>梳理本级公开事项</td><td>县政府办</td><td>2026年3月底前</td></tr>
    <tr><td>2</td><td>制定公开标准目录</td><td>县直各部门</td><td>6月底前</td></tr>
    <tr><td>3</td><td>总结阶段</td><td>开展工作评估</td><td>县政府办</td><td>2026.11.20前</td></tr>
    </table>"""
    result = extract_tasks([parse_bytes(html.encode("utf-8"))])
    assert result.document["year"] is None
    # no other name column: the merged group column names the tasks (shared/cases/README.md)
    assert [(t["seq"], t["task_name"], t["task_content"], t["deadline_kind"], t["deadline_date"])
            for t in result.tasks] == [
        (1, "准备阶段", "梳理本级公开事项", "month", "2026-03-31"),
        (2, "准备阶段", "制定公开标准目录", "unparsed", None),
        (3, "总结阶段", "开展工作评估", "day", "2026-11-20"),
    ]
    assert "task 2: deadline '6月底前' kept as written, date left empty (no plan year)" in result.warnings


def test_space_aligned_text_dump_is_a_table() -> None:
    # pdftotext -layout: columns under the header's words, a wrapped content cell, an empty 配合 cell
    text = ("某镇2025年政务公开重点任务表\n\n"
            "序号  任务名称          工作要求                    牵头单位    配合单位    完成时限\n"
            "1     公开镇级财政预算  在镇政府网站公开预算表格。  财政所      各村委会    3月底前\n"
            "\n"
            "2     公开村务监督情况  每季度公开村务监督委员会    民政办                  每季度\n"
            "                        工作情况。\n"
            "3     公开拆违整治进展  公布拆违计划和完成情况。    城建办      综合执法队  2025年11月\n"
            "                                                                城管中队\n"
            "\n"
            "某镇人民政府\n")
    assert _fields(text.encode("utf-8"), "seq", "task_name", "task_content", "lead_units", "support_units",
                   "deadline_date") == [
        (1, "公开镇级财政预算", "在镇政府网站公开预算表格。", ["财政所"], ["各村委会"], "2025-03-31"),
        (2, "公开村务监督情况", "每季度公开村务监督委员会工作情况。", ["民政办"], [], None),
        (3, "公开拆违整治进展", "公布拆违计划和完成情况。", ["城建办"], ["综合执法队", "城管中队"], "2025-11-30"),
    ]


def test_space_aligned_dump_with_centred_header_words() -> None:
    # header words centred over their columns, cells left-aligned below them
    text = ("2025年某街道政务公开任务清单\n"
            " 序号      任务名称            责任科室        完成时间\n"
            " 1    公开社区服务事项      社区服务办      2025年5月\n"
            " 2    更新街道概况信息      党政办、自治办  年底前\n"
            "\n"
            "                                              某街道办事处\n")
    assert _fields(text.encode("utf-8"), "seq", "task_content", "lead_units", "deadline_date") == [
        (1, "公开社区服务事项", ["社区服务办"], "2025-05-31"),
        (2, "更新街道概况信息", ["党政办", "自治办"], "2025-12-31"),
    ]


def _ruled_pdf(title: str, pages: list[list[tuple[str, ...]]], widths: list[int]) -> bytes:
    """A PDF of a title and ruled rows drawn line by line (as Word exports them): one list of rows per
    page, a cell's lines separated by newlines; each page starts with its own header row."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(842, 595), invariant=1)
    c.setFont("STSong-Light", 14)
    c.drawString(250, 570, title)
    for rows in pages:
        c.setFont("STSong-Light", 10)
        y = 550.0
        for row in rows:
            h = max(len(cell.split("\n")) for cell in row) * 14 + 8
            x = 40.0
            for w, cell in zip(widths, row):
                c.rect(x, y - h, w, h)
                for k, line in enumerate(cell.split("\n") if cell else []):
                    c.drawString(x + 4, y - 4 - (k + 1) * 14 + 3, line)
                x += w
            y -= h
        c.showPage()
    c.save()
    return buf.getvalue()


def test_pdf_row_broken_by_a_page_break_and_units_one_per_line() -> None:
    header = ("序号", "任务名称", "工作内容", "责任单位", "完成时限")
    pdf = _ruled_pdf("某区城管局2025年政务公开重点任务分解表", [
        [header,
         ("1", "公开城市管理执法信息", "公开执法事项清单和\n执法流程。", "区城管执法局\n各街道办事处", "6月底前"),
         ("2", "公开公共资源交易信息", "公开交易公告、成交\n结果和", "区公共资源交易中心", "全年")],
        [header,
         ("", "", "合同履约情况。", "", ""),
         ("3", "公开政府采购信息", "公开采购意向、采购\n结果和合同。", "区财政局、区机管", "全年")],
        [header,
         ("", "", "公开履约验收结果。", "局", "")],
        [header,
         ("4", "公开政府信息公开", "编制并公开年度", "区政府办", "1月31日前")],
        [header,
         ("", "工作年度报告", "报告。", "", "")],
        [header,
         ("5", "公开规范性文件", "集中公开现行有效的\n规范性文件。", "文件起草\n处室", "2025年9月")],
    ], [40, 160, 300, 200, 100])
    assert _fields(pdf, "seq", "task_name", "task_content", "lead_units", "deadline_date") == [
        (1, "公开城市管理执法信息", "公开执法事项清单和执法流程。", ["区城管执法局", "各街道办事处"], "2025-06-30"),
        (2, "公开公共资源交易信息", "公开交易公告、成交结果和合同履约情况。", ["区公共资源交易中心"], "2025-12-31"),
        (3, "公开政府采购信息", "公开采购意向、采购结果和合同。公开履约验收结果。", ["区财政局", "区机管局"],
         "2025-12-31"),
        (4, "公开政府信息公开工作年度报告", "编制并公开年度报告。", ["区政府办"], "2025-01-31"),
        (5, "公开规范性文件", "集中公开现行有效的规范性文件。", ["文件起草处室"], "2025-09-30"),
    ]


@pytest.mark.parametrize("cells,want", [
    (["序号", "推进步骤", "工作任务", "具体要求", "责任单位", "完成时限"],
     {"seq": 0, "group": 1, "name": 2, "content": 3, "units": 4, "deadline": 5}),
    (["序号", "主责", "协责", "任务", "时限"], {"seq": 0, "units": 1, "support": 2, "content": 3, "deadline": 4}),
    (["工作要求", "具体任务", "具体要求", "责任科室", "完成时限", "其他"],
     {"group": 0, "name": 1, "content": 2, "units": 3, "deadline": 4}),
])
def test_round5_header_words(cells: list[str], want: dict[str, int]) -> None:
    assert header_roles(cells) == want


# ---------------------------------------------------------------- r5prose (round 5: kinds B, C, H)


def test_close_paren_and_circled_digit_ordinals_number_the_tasks() -> None:
    # kind B: `2)` / `3）` / `⑹` lead the name cells of a table without 序号: stripped, the numbers are the seq
    html = """<p>2025年某县政务公开任务清单</p><table>
    <tr><td>重点任务</td><td>工作举措</td><td>责任单位</td><td>完成时限</td></tr>
    <tr><td>2) 公开农业补贴发放</td><td>按季度公示补贴对象。</td><td>县农业农村局</td><td>每季度</td></tr>
    <tr><td>3）公开校园招生政策</td><td>发布义务教育招生细则。</td><td>县教育局</td><td>5月底前</td></tr>
    <tr><td>⑹公开养老服务机构名录</td><td>更新机构地址和收费标准。</td><td>县民政局</td><td>年底前</td></tr>
    </table>"""
    assert [(r[0], r[2], r[3], r[7]) for r in _read(html)] == [
        (2, "公开农业补贴发放", "按季度公示补贴对象。", None),
        (3, "公开校园招生政策", "发布义务教育招生细则。", "2025-05-31"),
        (6, "公开养老服务机构名录", "更新机构地址和收费标准。", "2025-12-31"),
    ]
    assert strip_ordinal("⒇ 做好年报") == ("做好年报", 20)
    assert strip_ordinal("12)做好年报") == ("做好年报", 12)


def test_prose_items_numbered_with_circled_or_close_paren_digits() -> None:
    text = ("某镇2025年政务公开工作要点\n一、做好基层公开\n（一）村务公开\n"
            "⑴每月公开村级财务收支明细。（责任单位：镇农经站）\n"
            "2）公开宅基地审批结果。（责任单位：镇规划办；完成时限：9月底前）\n")
    assert _fields(text.encode("utf-8"), "seq", "task_name", "task_content", "lead_units", "deadline_date") == [
        (1, "村务公开", "每月公开村级财务收支明细。", ["镇农经站"], None),
        (2, "村务公开", "公开宅基地审批结果。", ["镇规划办"], "2025-09-30"),
    ]


def test_clause_labels_in_any_order_and_leader_is_not_a_unit() -> None:
    # kind C: the deadline or a 分管领导 label before the unit label; a leader after the units too
    text = ("某市生态环境局2025年政务公开工作安排\n一、加强环境信息公开\n"
            "（一）公开排污许可信息。按月更新排污许可证核发情况。（时间要求：每月；责任科室：环评科）\n"
            "（二）公开执法检查结果。执法检查结果在7日内公开。（分管领导：副局长；责任科室：执法支队、法规科；"
            "完成时限：全年）\n"
            "（三）公开空气质量信息。每日发布空气质量状况。（责任科室：监测站；分管领导：总工程师）\n")
    assert _fields(text.encode("utf-8"), "seq", "task_name", "task_content", "responsible_raw", "lead_units",
                   "deadline_raw", "deadline_date") == [
        (1, "公开排污许可信息", "按月更新排污许可证核发情况。", "环评科", ["环评科"], "每月", None),
        (2, "公开执法检查结果", "执法检查结果在7日内公开。", "执法支队、法规科", ["执法支队", "法规科"],
         "全年", "2025-12-31"),
        (3, "公开空气质量信息", "每日发布空气质量状况。", "监测站", ["监测站"], None, None),
    ]


def test_pdf_item_wrapped_at_double_spacing_then_labelled_lines() -> None:
    # kind H: a `1.` item run to the margin and wrapped onto the next line of a double-spaced page is one
    # paragraph; the labelled lines below close it
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("STSong-Light", 12)
    y = A4[1] - 80
    for line in ["2025年某区司法局政务公开工作要点", "一、推进执法信息公开",
                 "1.公开行政执法结果。行政处罚决定书在作出决定之日起七个工作日",
                 "内公开，撤销的及时撤下。", "牵头单位：执法监督科", "完成时限：全年",
                 "2.公开法律援助服务。公布法律援助申请条件、办理流程和各站点",
                 "地址。", "牵头单位：法律援助中心", "配合单位：各司法所",
                 "3.公开司法鉴定机构名录。按季度更新鉴定机构执业范围和收费标准", "责任单位：公共法律服务科"]:
        c.drawString(60, y, line)
        y -= 26
    c.showPage()
    c.save()
    assert _fields(buf.getvalue(), "seq", "task_content", "lead_units", "support_units", "deadline_date") == [
        (1, "公开行政执法结果。行政处罚决定书在作出决定之日起七个工作日内公开，撤销的及时撤下。",
         ["执法监督科"], [], "2025-12-31"),
        (2, "公开法律援助服务。公布法律援助申请条件、办理流程和各站点地址。", ["法律援助中心"], ["各司法所"], None),
        (3, "公开司法鉴定机构名录。按季度更新鉴定机构执业范围和收费标准", ["公共法律服务科"], [], None),
    ]


def test_deadline_and_leader_labels_before_the_units_in_every_clause_form() -> None:
    # kind C in its other forms: a deadline bracket before the unit bracket, half-width labels joined by a
    # comma, an unbracketed clause after the last sentence, and labelled lines with the deadline (and a
    # leader line) above the unit line
    text = ("某区应急管理局2025年政务公开工作要点\n一、做好安全生产信息公开\n"
            "（一）公开执法计划。年初公布年度监督检查计划。【完成时限：3月底前】【责任科室：执法大队】\n"
            "（二）公开事故调查报告。按规定公开生产安全事故调查报告。(完成时限:全年,责任科室:调查评估科)\n"
            "（三）公开风险预警。及时发布自然灾害风险预警信息。分管领导：副局长；责任科室：风险监测科\n"
            "（四）公开救灾物资信息\n按季度公开救灾物资储备和调拨情况。\n分管领导：局长\n完成时限：每季度\n"
            "牵头科室：救灾物资科\n配合单位：区财政局\n")
    assert _fields(text.encode("utf-8"), "seq", "task_name", "task_content", "responsible_raw", "lead_units",
                   "support_units", "deadline_raw", "deadline_date") == [
        (1, "公开执法计划", "年初公布年度监督检查计划。", "执法大队", ["执法大队"], [], "3月底前", "2025-03-31"),
        (2, "公开事故调查报告", "按规定公开生产安全事故调查报告。", "调查评估科", ["调查评估科"], [], "全年", "2025-12-31"),
        (3, "公开风险预警", "及时发布自然灾害风险预警信息。", "风险监测科", ["风险监测科"], [], None, None),
        (4, "公开救灾物资信息", "按季度公开救灾物资储备和调拨情况。", "牵头科室：救灾物资科；配合单位：区财政局",
         ["救灾物资科"], ["区财政局"], "每季度", None),
    ]


@pytest.mark.parametrize("numbers", [("1）", "2）", "4）"), ("1)", "2)", "4)"), ("⑴", "⑵", "⑷"), ("（1）", "（2）", "（4）")])
def test_seq_column_written_as_ordinals_keeps_its_numbers(numbers: tuple[str, str, str]) -> None:
    # kind B in the 序号 column: the written number is the seq, a skipped one stays skipped
    rows = "".join(f"<tr><td>{n}</td><td>{name}</td><td>县档案馆</td><td>年底前</td></tr>"
                   for n, name in zip(numbers, ("公开馆藏档案目录", "公开开放档案利用指南", "公开档案移交进度")))
    html = f"<p>2025年某县档案馆政务公开清单</p><table><tr><td>序号</td><td>任务名称</td><td>责任单位</td>" \
           f"<td>完成时限</td></tr>{rows}</table>"
    assert [(r[0], r[2] or r[3]) for r in _read(html)] == [
        (1, "公开馆藏档案目录"), (2, "公开开放档案利用指南"), (4, "公开档案移交进度")]


def test_restarting_ordinal_seq_is_renumbered_before_warnings_name_tasks() -> None:
    # 序号 `（1）` restarting per section (r06's kind): renumbered with a warning, and the deadline
    # warnings name the tasks by their final seq
    html = """<p>2025年某区政务公开任务表</p><table>
    <tr><td>序号</td><td>工作任务</td><td>责任单位</td><td>完成时限</td></tr>
    <tr><td colspan="4">一、公开财政信息</td></tr>
    <tr><td>（1）</td><td>公开部门预算</td><td>区财政局</td><td>6月底前</td></tr>
    <tr><td colspan="4">二、公开民生信息</td></tr>
    <tr><td>（1）</td><td>公开低保标准</td><td>区民政局</td><td>长期坚持</td></tr></table>"""
    result = extract_tasks([parse_bytes(html.encode("utf-8"))])
    assert [(t["seq"], t["section"]) for t in result.tasks] == [(1, "公开财政信息"), (2, "公开民生信息")]
    assert result.warnings == ["duplicate 序号 in the task table; seq renumbered in reading order",
                               "task 2: deadline '长期坚持' kept as written, date left empty (unknown deadline form)"]
