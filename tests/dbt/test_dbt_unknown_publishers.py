"""dbt build on a warehouse where most issuers are missing from seeds/publishers.csv:
city and district bureaus, streets and towns, a non-Shanghai issuer, an issuer
known only from the notice page and one with no issuer at all (issue 18).
Seeds enrich, they never gate: the build passes, every publisher keeps its own
identity and year-over-year rows, and no key is null."""

from __future__ import annotations

import copy

import pytest

from dbt_runner import BuiltWarehouse, build
from raw_fixture import load_gold, synthetic_next_year_plan

GOLD = {d["seed"]: d for d in load_gold()}
NEW_TASK = {
    "seq": 99, "task_name": "推进人工智能生成内容标识规则公开",
    "task_content": "围绕生成式人工智能服务备案，发布算法标识规则与典型问答。",
    "responsible_raw": "区网信办", "lead_units": ["区网信办"], "support_units": [],
    "units_open_list": False, "deadline_raw": "9月", "deadline_date": None,
}
TASKS_PER_PLAN = 6

# (slug, issuer of the earlier plan, issuer of the later plan, jurisdiction, years); extra keys per plan
PUBLISHERS = [
    ("hp-edu", "黄浦区教育局", "黄浦区教育局", "黄浦区", (2023, 2024)),
    ("hp-health", "黄浦区卫生健康委员会", "黄浦区卫生健康委员会", "黄浦区", (2023, 2024)),
    # the city prefix and its absence are one publisher
    ("hp-civil", "上海市黄浦区民政局", "黄浦区民政局", "黄浦区", (2023, 2024)),
    ("pd-edu", "浦东新区教育局", "浦东新区教育局", "浦东新区", (2022, 2024)),
    # two streets of one district are two publishers
    ("hp-street-njd", "南京东路街道办事处", "南京东路街道办事处", "黄浦区", (2023, 2024)),
    ("hp-street-wt", "外滩街道办事处", "外滩街道办事处", "黄浦区", (2023, 2024)),
    ("jd-town-jq", "嘉定区江桥镇人民政府", "嘉定区江桥镇人民政府", "嘉定区", (2023, 2024)),
    ("sh-edu", "上海市教育委员会", "上海市教育委员会", "上海市", (2023, 2024)),
    # a bureau's general office issues for the bureau
    ("sh-health", "上海市卫生健康委员会", "上海市卫生健康委员会办公室", "上海市", (2023, 2024)),
    # outside Shanghai: no jurisdiction from the extractor, or only the province
    ("bj-haidian", "北京市海淀区人民政府", "北京市海淀区人民政府", None, (2023, 2024)),
    ("hz-xihu-edu", "杭州市西湖区教育局", "杭州市西湖区教育局", "浙江省", (2023, 2024)),
    # spelled like a seeded publisher (Shanghai's 普陀区), placed elsewhere by the document
    ("zs-putuo", "普陀区人民政府", "普陀区人民政府", "浙江省舟山市", (2023, 2024)),
    # no issuer in the document: the notice page's 发布机构 names it
    ("xh-science", None, None, "徐汇区", (2023, 2024)),
    # one plan year only: no year-over-year row
    ("sj-greening", "松江区绿化和市容管理局", "松江区绿化和市容管理局", "松江区", (2024,)),
    # an unseeded spelling of a seeded organ joins the seeded publisher
    ("pd-samr-abbrev", "浦东新区市场监管局", "浦东新区市场监管局", "浦东新区", (2024,)),
]
NOTICE_PUBLISHER = {"xh-science": "徐汇区科学技术委员会"}


def _plans() -> list[tuple[str, dict]]:
    base_tasks = GOLD["004"]["tasks"]
    plans = []
    for i, (slug, first_issuer, later_issuer, jurisdiction, years) in enumerate(PUBLISHERS):
        base = copy.deepcopy(GOLD["004"])
        base.update(issuer=first_issuer, jurisdiction=jurisdiction, year=years[0], doc_number=None, issued_on=None)
        base["tasks"] = [dict(t, seq=n) for n, t in
                         enumerate(base_tasks[i * TASKS_PER_PLAN:(i + 1) * TASKS_PER_PLAN], start=1)]
        if slug in NOTICE_PUBLISHER:
            base["notice_publisher"] = NOTICE_PUBLISHER[slug]
        plans.append((f"{slug}-{years[0]}", base))
        for year in years[1:]:
            later = synthetic_next_year_plan(base, year=year, drop_seq=TASKS_PER_PLAN,
                                             new_task=dict(NEW_TASK, deadline_date=f"{year}-09-30"))
            later["issuer"] = later_issuer
            plans.append((f"{slug}-{year}", later))
    # nothing names the issuer nor the jurisdiction
    anonymous = copy.deepcopy(GOLD["004"])
    anonymous.update(issuer=None, jurisdiction=None, year=2024, doc_number=None, issued_on=None)
    anonymous["tasks"] = [dict(t, seq=n) for n, t in enumerate(base_tasks[84:90], start=1)]
    plans.append(("anonymous-2024", anonymous))
    return plans


@pytest.fixture(scope="module")
def unknown_warehouse(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    plans = _plans()
    assert len(plans) >= 20
    return build(tmp_path_factory.mktemp("dbt_unknown_publishers"), extra_plans=plans)


def test_every_issuer_is_its_own_publisher(unknown_warehouse):
    rows = unknown_warehouse.query(
        "select publisher_name, jurisdiction_code, organ_kind, organ_type, organ_level, plan_years "
        "from marts.dim_publisher where not is_reference order by publisher_name")
    assert rows == sorted([
        ("黄浦区教育局", "310101", "department", "education", "district", 2),
        ("黄浦区卫生健康委员会", "310101", "department", "health", "district", 2),
        ("黄浦区民政局", "310101", "department", "civil_affairs", "district", 2),
        ("浦东新区教育局", "310115", "department", "education", "district", 2),
        ("南京东路街道办事处", "310101", "subdistrict", "subdistrict", "subdistrict", 2),
        ("外滩街道办事处", "310101", "subdistrict", "subdistrict", "subdistrict", 2),
        ("嘉定区江桥镇人民政府", "310114", "subdistrict", "subdistrict", "subdistrict", 2),
        ("上海市教育委员会", "310000", "department", "education", "city", 2),
        ("上海市卫生健康委员会", "310000", "department", "health", "city", 2),
        ("北京市海淀区人民政府", "unknown", "government", "government", "district", 2),
        ("杭州市西湖区教育局", "unknown", "department", "education", "district", 2),
        ("普陀区人民政府", "unknown", "government", "government", "district", 2),
        ("徐汇区科学技术委员会", "310104", "department", "science_technology", "district", 2),
        ("松江区绿化和市容管理局", "310117", "department", "greening_city_appearance", "district", 1),
        ("未识别发布机构", "unknown", "unknown", "unknown", "unknown", 1),
    ])
    # spellings merged into one publisher
    spellings = dict(unknown_warehouse.query(
        "select publisher_name, issuer_names from marts.dim_publisher "
        "where publisher_name in ('黄浦区民政局', '上海市卫生健康委员会')"))
    assert spellings == {"黄浦区民政局": ["上海市黄浦区民政局", "黄浦区民政局"],
                         "上海市卫生健康委员会": ["上海市卫生健康委员会", "上海市卫生健康委员会办公室"]}
    # the abbreviation joined the seeded Pudong market-supervision publisher
    assert unknown_warehouse.query(
        "select publisher_id, is_reference, issuer_names_seen from marts.dim_publisher "
        "where list_contains(issuer_names_seen, '浦东新区市场监管局')") == [
        ("310115-market_supervision", True, ["浦东新区市场监督管理局", "浦东新区市场监管局"])]
    assert unknown_warehouse.scalar(
        "select current_plan_count from marts.dim_publisher where publisher_id = '310107-government'") == 0
    # the province the extractor gave stays visible on the unknown jurisdiction's publisher
    assert unknown_warehouse.scalar(
        "select jurisdiction_name from marts.dim_publisher where publisher_name = '杭州市西湖区教育局'") == "浙江省"
    assert unknown_warehouse.query(
        "select distinct jurisdiction_code, jurisdiction, jurisdiction_level from marts.fct_work_plan_tasks "
        "where issuer in ('北京市海淀区人民政府', '杭州市西湖区教育局', '普陀区人民政府')") == [("unknown", "未知", "unknown")]


def test_every_publisher_with_two_plan_years_has_its_own_yoy_row(unknown_warehouse):
    with_two_years = {r[0] for r in unknown_warehouse.query(
        "select publisher_id from marts.dim_publisher where plan_years >= 2")}
    yoy = unknown_warehouse.query(
        "select p.publisher_name, y.plan_year, y.previous_plan_year, y.year_gap, y.tasks, y.tasks_previous, "
        "y.tasks_continued, y.tasks_new, y.tasks_dropped, y.publisher_id "
        "from marts.fct_plan_yoy y join marts.dim_publisher p using (publisher_id) where not p.is_reference")
    assert len(yoy) == 13 and len({r[-1] for r in yoy}) == 13
    assert {r[-1] for r in unknown_warehouse.query("select publisher_id from marts.fct_plan_yoy")} == with_two_years
    n = TASKS_PER_PLAN
    for name, year, prev, gap, tasks, prev_tasks, cont, new, dropped, _ in yoy:
        expected_gap = 2 if name == "浦东新区教育局" else 1
        assert (year, prev, gap) == (2024, 2024 - expected_gap, expected_gap), name
        # one task dropped, one added, the rest continued word for word
        assert (tasks, prev_tasks, cont, new, dropped) == (n, n, n - 1, 1, 1), name
    # seeded comparisons: the city bureau 2023 vs 2019 as before, and Pudong's bureau 2024 (the
    # abbreviated spelling) vs 2023
    assert unknown_warehouse.query(
        "select publisher_id, plan_year, previous_plan_year, tasks, tasks_previous from marts.fct_plan_yoy "
        "where publisher_id in ('310000-market_supervision', '310115-market_supervision') order by 1") == [
        ("310000-market_supervision", 2023, 2019, 23, 16), ("310115-market_supervision", 2024, 2023, n, 33)]


def test_no_null_keys(unknown_warehouse):
    assert unknown_warehouse.query(
        "select count(*) filter (where publisher_id is null), count(*) filter (where jurisdiction_code is null), "
        "count(*) filter (where organ_type is null), count(*) from marts.fct_work_plan_tasks") == [(0, 0, 0, 233 + 29 * 6)]
    assert unknown_warehouse.scalar(
        "select count(*) from marts.fct_jurisdiction_year where jurisdiction_year_id is null or organ_type is null") == 0
    assert unknown_warehouse.scalar(
        "select count(*) from marts.fct_jurisdiction_year_themes where jurisdiction_year_id is null "
        "or jurisdiction_year_theme_id is null") == 0
    # district bureaus and streets are separate rows, not folded into one "<code>-unknown"
    hp = unknown_warehouse.query(
        "select organ_type, plans from marts.fct_jurisdiction_year "
        "where jurisdiction_code = '310101' and plan_year = 2024 order by organ_type")
    assert hp == [("civil_affairs", 1), ("education", 1), ("health", 1), ("subdistrict", 2)]


def test_district_bureau_is_compared_with_the_city_bureau_of_its_field(unknown_warehouse):
    rows = unknown_warehouse.query(
        "select jurisdiction_code, organ_type, city_tasks from marts.fct_jurisdiction_year "
        "where plan_year = 2024 and city_tasks is not null order by all")
    assert rows == [("310101", "education", TASKS_PER_PLAN), ("310101", "health", TASKS_PER_PLAN),
                    ("310115", "education", TASKS_PER_PLAN)]


def test_publishers_missing_from_seeds_warn_without_failing(unknown_warehouse):
    lines = [ln for ln in unknown_warehouse.stdout.splitlines() if "assert_publishers_are_in_seeds" in ln]
    assert any("WARN 15" in ln for ln in lines), lines
