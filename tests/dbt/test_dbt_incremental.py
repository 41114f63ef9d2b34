"""Incremental models keyed on document version, plan pair, jurisdiction-year or publisher (issue
14): after the raw data changes the way the pipeline changes it, `dbt build` on the built warehouse
equals `dbt build --full-refresh` of the same raw data, table for table, and rows of versions and
keys nothing touched are not rewritten.

The built warehouse holds the gold seeds and a synthetic Jiading 2021 plan (so the Jiading 2023
plan has a year-over-year pair). One raw change set on top (docs/ARCHITECTURE.md, "Incremental marts"):
- a new plan: the synthetic SAMR 2024 plan (new year-over-year pair 2024 → 2023);
- a document re-published as a new version: the Pudong SAMR plan, one task dropped, one reworded
  (its district → city pair changes versions; the old version's rows must leave the marts);
- a re-parse by a newer parser: a synthetic city government plan keeps its version id, a task gets
  another deadline and lead unit, another task another text, new load_id and parser_version; it is
  the city side of the Pudong government plan's district → city pair, which must be scored again,
  and the Pudong plan's rows (untouched themselves) must lose that task's city match;
- a version that fails validation: the current version of the Jiading plan is quarantined
  (re-validated, failed), so its earlier version is current again;
- a plan withdrawn: the Jiading 2021 plan, its only version, is quarantined too: its jurisdiction-year,
  its plan pair and the department only it named leave the aggregates.
The SAMR 2019 plan is untouched by all five.
"""

from __future__ import annotations

import copy
import json
import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from dbt_runner import BuiltWarehouse, build, run_dbt
from match_eval import synthetic_plan
from raw_fixture import BASE_TIME, _insert, _plan_rows, add_plan, load_gold, synthetic_next_year_plan

# incremental SQL models (the Python pair models have their own tests), a column each (not one the
# incremental filter compares) that the test overwrites on the untouched plan's rows, the value
# written, and those rows (`?` = the untouched version), to see whether the run rewrote them.
# The aggregates' untouched keys: the SAMR 2023 → 2019 plan pair, the 2019 jurisdiction-year (only
# SAMR's plan). dim_department has none: every publisher of the gold seeds gets a change.
UNTOUCHED_VERSION = "document_version_id = ?"
UNTOUCHED_PAIR = "plan_year = 2023 and previous_plan_year = 2019"
TAMPERED = {
    "intermediate.int_tasks_deadlines_parsed": ("deadline_raw", "'TAMPERED'", UNTOUCHED_VERSION),
    "intermediate.int_tasks_themed": ("theme_keyword", "'TAMPERED'", UNTOUCHED_VERSION),
    "intermediate.int_task_units_unnested": ("unit_raw", "'TAMPERED'", UNTOUCHED_VERSION),
    "intermediate.int_tasks_joined": ("task_content", "'TAMPERED'", UNTOUCHED_VERSION),
    "marts.fct_task_lineage": ("seq", "-1", UNTOUCHED_VERSION),
    "marts.fct_task_responsibilities": ("unit_raw", "'TAMPERED'", UNTOUCHED_VERSION),
    "marts.fct_work_plan_tasks": ("task_content", "'TAMPERED'", UNTOUCHED_VERSION),
    "marts.fct_plan_yoy": ("tasks_new", "-1", UNTOUCHED_PAIR),
    "marts.fct_plan_yoy_themes": ("tasks_new", "-1", UNTOUCHED_PAIR),
    "marts.fct_jurisdiction_year": ("tasks", "-1", "plan_year = 2019"),
    "marts.fct_jurisdiction_year_themes": ("tasks", "-1", "plan_year = 2019"),
}
SAMR_2019 = "上海市市场监督管理局", 2019
# the Python pair models may keep the rows of a plan pair no longer compared (the withdrawn plan's);
# every mart reads them through the macro current_task_matches(), i.e. joined to the current pairs
PAIR_MODELS = {"intermediate.int_task_pairs_scored", "intermediate.int_task_pairs_matched"}
CURRENT_PAIRS = ("intermediate.int_plan_pairs_enumerated "
                 "using (plan_pair_id, document_version_id, matched_document_version_id, load_id, matched_load_id)")
# int_task_terms may keep the terms of a text no task has any more (a re-parse rewrote it); the pair
# models read a task's terms through int_task_texts
TEXT_MODEL, CURRENT_TEXTS = "intermediate.int_task_terms", "intermediate.int_task_texts using (text_md5)"


# the aggregate rows of the Jiading 2021 plan: its jurisdiction-year, its plan pair, the department only it names
WITHDRAWN_ROWS = """select
    (select count(*) from marts.fct_jurisdiction_year where plan_year = 2021),
    (select count(*) from marts.fct_jurisdiction_year_themes where plan_year = 2021),
    (select count(*) from marts.fct_plan_yoy where previous_plan_year = 2021),
    (select count(*) from marts.fct_plan_yoy_themes where previous_plan_year = 2021),
    (select count(*) from marts.fct_task_matches where matched_plan_year = 2021),
    (select count(*) from marts.dim_department where department_name = '区档案局')"""


def _params(where: str, untouched: str) -> list[str]:
    return [untouched] if "?" in where else []


def _version(con: duckdb.DuckDBPyConnection, issuer: str, year: int) -> tuple[str, str]:
    """(document_version_id, document_key) of the latest loaded version of the issuer's plan."""
    return con.execute(
        "select document_version_id, document_key from raw.document_versions where issuer = ? and plan_year = ? "
        "order by fetched_at desc limit 1", [issuer, year]).fetchone()


def _gold(issuer: str, year: int) -> dict:
    return next(d for d in load_gold() if d["issuer"] == issuer and d["year"] == year)


def jiading_2021() -> dict:
    """The Jiading plan of 2023 as a 2021 plan: its first task replaced by one only it has."""
    return synthetic_next_year_plan(_gold("嘉定区人民政府", 2023), year=2021, drop_seq=1, new_task={
        "seq": 0, "task_name": "档案信息公开", "task_content": "做好档案开放审核和档案信息公开工作。",
        "responsible_raw": "区档案局", "deadline_raw": "全年", "lead_units": ["区档案局"], "support_units": [],
        "units_open_list": False, "deadline_date": "2021-12-31"})


def city_government_2023() -> dict:
    """A city government plan of 2023 for the Pudong government plan's district → city pair: the
    Pudong plan's first 20 tasks, issued by the city government office."""
    doc = copy.deepcopy(_gold("浦东新区人民政府办公室", 2023))
    doc |= {"issuer": "上海市人民政府办公厅", "jurisdiction": "上海市", "level": "city", "doc_number": None,
            "issued_on": None}
    doc["tasks"] = doc["tasks"][:20]
    doc["task_count"] = len(doc["tasks"])
    return doc


# the re-parse's new reading of one Pudong government task: a text no city task shares terms with
REPARSED_PLAN = "上海市人民政府办公厅", 2023
PUDONG_GOVERNMENT = "浦东新区人民政府办公室", 2023
REPARSED_SEQ = 3
REPARSED_TEXT = ("落实档案开放审查制度", "完成馆藏档案开放审核并公布开放目录。")
REPARSED_TASK_MATCHES = ("select count(*) from marts.fct_task_matches where matched_task_id in "
                         "(select task_id from marts.fct_work_plan_tasks where document_version_id = ? and seq = ?)")
# the city counterpart of a task of the Pudong government plan, as fct_work_plan_tasks holds it
CITY_TASK = "select city_plan_task_id from marts.fct_work_plan_tasks where issuer = ? and plan_year = ? and seq = ?"


def _quarantine(con: duckdb.DuckDBPyConnection, version: str, key: str, reason: str, at) -> None:
    con.execute(
        "insert into raw.quarantine (document_version_id, document_key, source_url, request_id, stage, reasons, "
        "quarantined_at, dag_id, run_id) values (?, ?, 'https://www.jiading.gov.cn/files/seed-004.docx', "
        "'req-seed-004-v2', 'validate', ?, ?, 'workplans_ingest', 'manual__recheck')",
        [version, key, json.dumps([reason]), at])


def change_raw(path: Path) -> dict[str, str]:
    """Apply the five changes of the module docstring to the raw schema; returns the version ids."""
    add_plan(path, "city-samr-2024-synthetic", synthetic_plan())
    republished = copy.deepcopy(_gold("浦东新区市场监督管理局", 2023))
    republished["tasks"] = republished["tasks"][:-1]
    republished["tasks"][1]["task_content"] = "深入推进" + republished["tasks"][1]["task_content"]
    new_rows = _plan_rows(republished, version=2, fetched_at=BASE_TIME + timedelta(days=3), notice_slug="seed-000")
    with duckdb.connect(str(path)) as con:
        old_pudong_samr, _ = _version(con, "浦东新区市场监督管理局", 2023)
        for table in ("crawl_requests", "version_parts", "document_versions", "tasks", "validation_results",
                      "load_audit"):
            for row in new_rows[table]:
                _insert(con, table, row)
        new_pudong_samr, _ = _version(con, "浦东新区市场监督管理局", 2023)

        # re-parse: same version id, its rows replaced under a new load (extract/load.py load_document)
        reparsed, _ = _version(con, *REPARSED_PLAN)
        reparsed_at = BASE_TIME + timedelta(days=4)
        con.execute("update raw.tasks set load_id = 'load-reparse', loaded_at = ? where document_version_id = ?",
                    [reparsed_at, reparsed])
        # the lead units of task 2 (seeded aliases) become task 1's
        con.execute("update raw.tasks set deadline_raw = '2023年6月底前', deadline_kind = 'month', "
                    "deadline_date = date '2023-06-30', lead_units = (select lead_units from raw.tasks "
                    "where document_version_id = $1 and seq = 2) where document_version_id = $1 and seq = 1",
                    [reparsed])
        con.execute("update raw.tasks set task_name = ?, task_content = ? where document_version_id = ? and seq = ?",
                    [*REPARSED_TEXT, reparsed, REPARSED_SEQ])
        con.execute("update raw.document_versions set parser_version = '1.1.0', load_id = 'load-reparse', "
                    "loaded_at = ? where document_version_id = ?", [reparsed_at, reparsed])
        _insert(con, "load_audit", ("load-reparse", "workplans_ingest", "manual__reparse", "load_document", reparsed,
                                    reparsed_at, reparsed_at + timedelta(seconds=2), 71, "loaded"))

        # validation failed on a re-check of Jiading's current version: quarantined, results replaced
        failed, failed_key = _version(con, "嘉定区人民政府", 2023)
        con.execute("delete from raw.validation_results where document_version_id = ?", [failed])
        _insert(con, "validation_results", (
            "val-jiading-recheck", failed, "work_plan_tasks", False, 12, 1,
            json.dumps([{"expectation": "expect_column_values_to_not_be_null", "column": "task_content"}]),
            "1.24.0", reparsed_at, "load-recheck"))
        _insert(con, "load_audit", ("load-recheck", "workplans_ingest", "manual__recheck", "validate", failed,
                                    reparsed_at, reparsed_at + timedelta(seconds=1), 0, "quarantined"))
        _quarantine(con, failed, failed_key, "task_content null", reparsed_at)
        withdrawn, withdrawn_key = _version(con, "嘉定区人民政府", 2021)
        _quarantine(con, withdrawn, withdrawn_key, "withdrawn", reparsed_at)
        untouched, _ = _version(con, *SAMR_2019)
    return {"old_pudong_samr": old_pudong_samr, "new_pudong_samr": new_pudong_samr, "reparsed": reparsed,
            "failed": failed, "withdrawn": withdrawn, "untouched": untouched}


def _tables(wh: BuiltWarehouse) -> list[str]:
    return [f"{s}.{t}" for s, t in wh.query(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ('intermediate', 'marts') and table_type = 'BASE TABLE' order by all")]


@pytest.fixture(scope="module")
def incremental_and_full(tmp_path_factory: pytest.TempPathFactory):
    """(incremental warehouse, full-refresh warehouse of the same raw data, version ids, tampered rows)."""
    work = tmp_path_factory.mktemp("dbt_incremental")
    wh = build(work, extra_plans=[("jiading-2021-synthetic", jiading_2021()),
                                  ("city-government-2023-synthetic", city_government_2023())])
    with duckdb.connect(str(wh.path)) as con:
        untouched, _ = _version(con, *SAMR_2019)
        reparsed, _ = _version(con, *REPARSED_PLAN)
        originals = {"reparsed_task_matched": con.execute(
            REPARSED_TASK_MATCHES, [reparsed, REPARSED_SEQ]).fetchone()[0],
            "city_task": con.execute(CITY_TASK, [*PUDONG_GOVERNMENT, REPARSED_SEQ]).fetchone()[0],
            "reparsed_task": con.execute("select task_id from marts.fct_work_plan_tasks where document_version_id = ? "
                                         "and seq = ?", [reparsed, REPARSED_SEQ]).fetchone()[0]}
        for table, (column, value, where) in TAMPERED.items():
            params = _params(where, untouched)
            originals[table] = con.execute(f"select count(*) from {table} where {where}", params).fetchone()[0]
            con.execute(f"update {table} set {column} = {value} where {where}", params)
        originals["withdrawn"] = con.execute(WITHDRAWN_ROWS).fetchone()
        # a plan pair nothing touched: SAMR 2023 → 2019
        con.execute("update marts.fct_task_matches set key_terms = 'TAMPERED' where plan_year = 2023 "
                    "and matched_plan_year = 2019")
    ids = change_raw(wh.path)
    proc = run_dbt(["build"], wh.path, work)
    assert proc.returncode == 0, proc.stdout[-6000:]
    with duckdb.connect(str(wh.path)) as con:
        kept = {table: con.execute(f"select count(*) from {table} where {where} and {column} = {value}",
                                   _params(where, untouched)).fetchone()[0]
                for table, (column, value, where) in TAMPERED.items()}
        kept["marts.fct_task_matches"] = con.execute(
            "select count(*) from marts.fct_task_matches where key_terms = 'TAMPERED'").fetchone()[0]
    # the untouched rows are restored by a full refresh of the incremental warehouse's own raw data
    full_path = work / "full.duckdb"
    shutil.copy(wh.path, full_path)
    (work / "full").mkdir()
    proc = run_dbt(["build", "--full-refresh"], full_path, work / "full")
    assert proc.returncode == 0, proc.stdout[-6000:]
    return wh, BuiltWarehouse(full_path, proc.stdout), ids, originals, kept


def test_untouched_versions_are_not_rewritten(incremental_and_full):
    _, _, _, originals, kept = incremental_and_full
    for table in TAMPERED:
        assert originals[table] > 0, table
    # every tampered row survived the incremental run: nothing re-read the untouched plan
    assert {t: kept[t] for t in TAMPERED} == {t: originals[t] for t in TAMPERED}
    assert kept["marts.fct_task_matches"] >= 6


def test_incremental_build_equals_full_refresh(incremental_and_full):
    incremental, full, ids, _, _ = incremental_and_full
    tables = _tables(full)
    assert _tables(incremental) == tables
    assert {"marts.fct_work_plan_tasks", "marts.fct_task_matches", "marts.fct_plan_yoy", "marts.fct_documents",
            "marts.fct_task_lineage", "marts.fct_task_responsibilities", "intermediate.int_tasks_joined"} <= set(tables)
    differing = []
    for table in tables:
        if table == "marts.fct_task_matches":  # tampered on purpose: compared without key_terms below
            continue
        sql = f"select * from {table} order by all"
        if table in PAIR_MODELS:
            sql = f"select * from {table} semi join {CURRENT_PAIRS} order by all"
        if table == TEXT_MODEL:
            sql = f"select * from {table} semi join {CURRENT_TEXTS} order by all"
        if table in TAMPERED:
            column = TAMPERED[table][0]
            sql = f"select * exclude ({column}) from {table} order by all"
        if incremental.query(sql) != full.query(sql):
            differing.append(table)
        if table in TAMPERED:
            # the tampered column itself equals on every other row
            where = TAMPERED[table][2]
            sql = f"select * from {table} where not ({where}) order by all"
            params = _params(where, ids["untouched"])
            if incremental.query(sql, params) != full.query(sql, params):
                differing.append(f"{table}.{column}")
    sql = "select * exclude (key_terms) from marts.fct_task_matches order by all"
    if incremental.query(sql) != full.query(sql):
        differing.append("marts.fct_task_matches")
    sql = ("select task_match_id, key_terms from marts.fct_task_matches "
           "where not (plan_year = 2023 and matched_plan_year = 2019) order by all")
    if incremental.query(sql) != full.query(sql):
        differing.append("marts.fct_task_matches.key_terms")
    assert differing == []


def test_changes_reached_the_marts(incremental_and_full):
    incremental, _, ids, _, _ = incremental_and_full
    current = "select distinct document_version_id from marts.fct_work_plan_tasks"
    versions = {r[0] for r in incremental.query(current)}
    assert ids["new_pudong_samr"] in versions and ids["old_pudong_samr"] not in versions
    assert ids["failed"] not in versions and ids["reparsed"] in versions
    # the withdrawn plan's aggregate rows were there and are gone
    _, _, _, originals, _ = incremental_and_full
    assert all(n > 0 for n in originals["withdrawn"]), originals["withdrawn"]
    assert incremental.query(WITHDRAWN_ROWS) == [(0, 0, 0, 0, 0, 0)]
    # the Jiading plan's earlier version (90 tasks) is current again
    assert incremental.scalar("select count(*) from marts.fct_work_plan_tasks where issuer = '嘉定区人民政府'") == 90
    assert incremental.scalar(
        "select count(*) from marts.fct_task_responsibilities where document_version_id = ?", [ids["old_pudong_samr"]]) == 0
    first, second = incremental.query(
        "select deadline_kind, deadline_month, lead_units from marts.fct_work_plan_tasks "
        "where document_version_id = ? and seq in (1, 2) order by seq", [ids["reparsed"]])
    assert first == ("month", 6, second[2])
    assert incremental.scalar("select lead_unit_count from marts.fct_work_plan_tasks where document_version_id = ? "
                              "and seq = 1", [ids["reparsed"]]) == len(second[2])
    # the re-parsed city task was matched before by two district tasks, its Pudong twin one; its new text
    # is scored again: no match, and the Pudong plan (not re-parsed) no longer names it as its task's
    # city counterpart
    assert originals["reparsed_task_matched"] == 2
    assert originals["city_task"] == originals["reparsed_task"] is not None
    assert incremental.scalar(
        REPARSED_TASK_MATCHES, [ids["reparsed"], REPARSED_SEQ]) == 0
    assert incremental.query(CITY_TASK, [*PUDONG_GOVERNMENT, REPARSED_SEQ]) == [(None,)]
    assert incremental.scalar(
        "select count(*) from marts.fct_task_matches where matched_task_id in "
        "(select task_id from marts.fct_work_plan_tasks where document_version_id = ?)", [ids["reparsed"]]) > 0
    assert incremental.query(
        "select distinct parser_version, load_id from marts.fct_task_lineage where document_version_id = ?",
        [ids["reparsed"]]) == [("1.1.0", "load-reparse")]
    assert incremental.query(
        "select distinct is_current_version, is_validation_success from marts.fct_task_lineage "
        "where document_version_id = ?", [ids["failed"]]) == [(False, False)]
    # the new plan's pair and the re-published plan's district → city pair have matches
    assert incremental.scalar("select count(*) from marts.fct_task_matches where plan_year = 2024") > 0
    assert incremental.scalar(
        "select count(distinct task_id) from marts.fct_task_matches m join marts.fct_work_plan_tasks t using (task_id) "
        "where t.document_version_id = ?", [ids["new_pudong_samr"]]) > 0
