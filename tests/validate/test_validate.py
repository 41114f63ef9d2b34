"""GX suites (expectations/*.json) and extract/validate.py on gold and broken inputs."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import statistics
import time

import duckdb
import pytest

from extract import data_docs
from extract import validate as V
from extract.warehouse import RAW_DDL, ensure_raw_schema

from .conftest import GOLD_SEEDS, REPO, load_gold

DOC, TASKS = V.DOCUMENT_SUITE, V.TASK_SUITE


def run(document, tasks, dvid="dv-test", **kw):
    return V.validate_extraction(document, tasks, document_version_id=dvid, **kw)


def failure(outcome, suite, expectation, column):
    """The failure dict of one expectation, asserting that it failed."""
    found = [f for f in outcome.result(suite).failures
             if f["expectation"] == expectation and f["column"] == column]
    assert found, f"{suite}: {expectation}({column}) did not fail; failures: {outcome.reasons()}"
    return found[0]


def failed_set(outcome):
    return {(s, e, c) for s, e, c in outcome.failed_expectations()}


# ------------------------------------------------------------------ suites as files
@pytest.mark.parametrize("name", V.SUITES)
def test_suite_file_is_gx_suite_json(name):
    import great_expectations as gx

    text = (REPO / "expectations" / f"{name}.json").read_text(encoding="utf-8")
    data = json.loads(text)
    suite = gx.ExpectationSuite(**data)
    assert suite.name == name
    assert len(suite.expectations) == len(data["expectations"]) > 5
    assert "\n" in text  # human-readable, not one line
    # every column the suite names is produced by the frame builders
    cols = set(V.TASK_COLUMNS) | set(V.document_frame({}, [], document_version_id="x").columns)
    for e in data["expectations"]:
        for k in ("column", "column_A", "column_B"):
            if k in e["kwargs"]:
                assert e["kwargs"][k] in cols, e


# ------------------------------------------------------------------ gold passes
@pytest.mark.parametrize("seed", GOLD_SEEDS)
def test_gold_passes_both_suites(seed):
    document, tasks = load_gold(seed)
    outcome = run(document, tasks, dvid=f"gold-{seed}")
    assert outcome.success, outcome.reasons()
    assert [r.suite for r in outcome.results] == [DOC, TASKS]
    for r in outcome.results:
        assert r.success and r.failed == 0 and r.failures == [] and r.evaluated > 5
    assert outcome.reasons() == []
    assert outcome.gx_version == "1.24.1"


def test_gold_passes_without_declared_task_count_and_with_plan_year_key():
    document, tasks = load_gold("003")
    document.pop("task_count")
    document["plan_year"] = document.pop("year")
    assert run(document, tasks).success


# ------------------------------------------------------------------ seq
def test_duplicate_seq():
    document, tasks = load_gold("000")
    tasks[5]["seq"] = 5  # rows 5 and 6 both say 5
    o = run(document, tasks)
    assert not o.success and o.result(DOC).success
    f = failure(o, TASKS, "expect_column_values_to_be_unique", "seq")
    assert f["observed"]["unexpected_count"] == 2
    assert f["observed"]["seq"] == [5, 5]
    g = failure(o, TASKS, "expect_column_values_to_be_in_set", "seq_gap")
    assert g["observed"]["seq"] == [5] and g["observed"]["unexpected_values"] == [-1]


def test_gap_in_seq():
    document, tasks = load_gold("000")  # 33 tasks
    for t in tasks[10:]:
        t["seq"] += 1  # 1..11, 13..34: 12 is missing
    o = run(document, tasks)
    fails = failed_set(o)
    assert (TASKS, "expect_column_values_to_be_unique", "seq") not in fails
    f = failure(o, TASKS, "expect_column_max_to_be_between", "seq")
    assert f["observed"]["observed_value"] == 34
    assert f["kwargs"]["min_value"] == f["kwargs"]["max_value"] == 33  # the row count
    g = failure(o, TASKS, "expect_column_values_to_be_in_set", "seq_gap")
    assert g["observed"]["unexpected_count"] == 23 and g["observed"]["seq"][0] == 12
    assert any("expect_column_max_to_be_between(seq) failed: observed 34" in r for r in o.reasons())


def test_seq_not_starting_at_one():
    document, tasks = load_gold("000")
    for t in tasks:
        t["seq"] -= 1  # 0..32
    o = run(document, tasks)
    f = failure(o, TASKS, "expect_column_min_to_be_between", "seq")
    assert f["observed"]["observed_value"] == 0


# ------------------------------------------------------------------ content
def test_empty_task_content():
    document, tasks = load_gold("000")
    tasks[3]["task_content"] = ""
    tasks[8]["task_content"] = " \u3000\n"  # whitespace only (incl. ideographic space)
    tasks[20]["task_content"] = None
    o = run(document, tasks)
    f = failure(o, TASKS, "expect_column_values_to_not_be_null", "task_content_norm")
    assert f["observed"]["unexpected_count"] == 3
    assert f["observed"]["seq"] == [4, 9, 21]
    # three empty contents are not reported as duplicates of each other
    assert (TASKS, "expect_column_values_to_be_unique", "task_content_norm") not in failed_set(o)
    assert ("work_plan_tasks: expect_column_values_to_not_be_null(task_content_norm) failed: "
            "3 of 33 rows, e.g. seq 4, 9, 21") in o.reasons()


def test_empty_task_name():
    document, tasks = load_gold("001")
    tasks[0]["task_name"] = "  "
    o = run(document, tasks)
    f = failure(o, TASKS, "expect_column_values_to_not_be_null", "task_name_norm")
    assert f["observed"]["seq"] == [1]


def test_duplicated_task_content_within_document():
    document, tasks = load_gold("004")
    # same text, differing only by whitespace (PDF line breaks are not content)
    tasks[40]["task_content"] = " ".join(tasks[2]["task_content"][i:i + 7]
                                         for i in range(0, len(tasks[2]["task_content"]), 7))
    o = run(document, tasks)
    f = failure(o, TASKS, "expect_column_values_to_be_unique", "task_content_norm")
    assert f["observed"]["unexpected_count"] == 2
    assert f["observed"]["seq"] == [3, 41]


# ------------------------------------------------------------------ units
def test_units_may_be_empty_only_when_source_cell_was_empty():
    document, tasks = load_gold("004")
    tasks[0].update(responsible_raw="", lead_units=[], support_units=[])
    tasks[1].update(responsible_raw=None, lead_units=[], support_units=[])
    assert run(document, tasks).success
    tasks[2].update(lead_units=[], support_units=[])  # source had text, nothing parsed
    o = run(document, tasks)
    f = failure(o, TASKS, "expect_column_values_to_be_between", "unit_count")
    assert f["observed"]["seq"] == [3] and f["observed"]["unexpected_values"] == [0]
    assert f["kwargs"]["row_condition"]["column"]["name"] == "units_missing_in_source"


def test_support_units_alone_are_enough():
    document, tasks = load_gold("004")
    tasks[0].update(lead_units=[], support_units=["区政府办公室"])
    assert run(document, tasks).success


# ------------------------------------------------------------------ deadlines
def test_deadline_two_years_out():
    document, tasks = load_gold("003")  # plan year 2023; seq 70 is 次年1月 (2024) and passes
    tasks[6]["deadline_date"] = "2025-06-30"
    tasks[7]["deadline_date"] = dt.date(2022, 12, 31)  # before the plan year
    o = run(document, tasks)
    f = failure(o, TASKS, "expect_column_values_to_be_in_set", "deadline_year_offset")
    assert f["observed"]["seq"] == [7, 8]
    assert f["observed"]["unexpected_values"] == [2, -1]
    assert f["kwargs"]["value_set"] == [0, 1]


def test_deadline_not_iso():
    document, tasks = load_gold("000")
    tasks[0]["deadline_date"] = "2023年12月31日"
    o = run(document, tasks)
    f = failure(o, TASKS, "expect_column_values_to_match_regex", "deadline_date")
    assert f["observed"]["seq"] == [1]


def test_deadline_kind_outside_the_closed_set():
    document, tasks = load_gold("003")
    tasks[0]["deadline_kind"] = "full_year"
    tasks[1]["deadline_kind"] = "end_of_year"  # not a kind read_deadline returns
    o = run(document, tasks)
    f = failure(o, TASKS, "expect_column_values_to_be_in_set", "deadline_kind")
    assert f["observed"]["seq"] == [2]
    assert f["observed"]["unexpected_values"] == ["end_of_year"]


def test_deadline_kind_set_of_the_suite_is_the_parser_vocabulary():
    from extract.tasks.normalize import DEADLINE_KINDS

    suite = V.load_suite_json(TASKS)
    sets = [e["kwargs"]["value_set"] for e in suite["expectations"]
            if e["kwargs"].get("column") == "deadline_kind"]
    assert sets == [list(DEADLINE_KINDS)]


# ------------------------------------------------------------------ document suite
def test_zero_tasks():
    document, _ = load_gold("000")
    document["task_count"] = 0
    o = run(document, [])
    f = failure(o, DOC, "expect_column_values_to_be_between", "task_count")
    assert f["observed"]["unexpected_values"] == [0]
    t = failure(o, TASKS, "expect_table_row_count_to_be_between", None)
    assert t["observed"]["observed_value"] == 0


def test_zero_tasks_without_declared_count():
    document, _ = load_gold("000")
    document.pop("task_count")
    o = run(document, [])
    failure(o, DOC, "expect_column_values_to_be_between", "task_count")


def test_declared_task_count_differs_from_rows():
    document, tasks = load_gold("000")
    o = run(document, tasks[:-1])
    f = failure(o, DOC, "expect_column_pair_values_to_be_equal", "task_count,task_rows")
    assert f["observed"]["unexpected_values"] == [[33, 32]]


def test_implausible_jurisdiction():
    document, tasks = load_gold("004")
    document["jurisdiction"] = "北京市"
    o = run(document, tasks)
    assert o.result(TASKS).success and not o.success
    f = failure(o, DOC, "expect_column_values_to_be_in_set", "jurisdiction")
    assert f["observed"]["unexpected_values"] == ["北京市"]


def test_document_from_outside_shanghai_passes_with_null_jurisdiction_and_level():
    document, tasks = load_gold("002")
    document["jurisdiction"] = document["level"] = None
    assert run(document, tasks).result(DOC).success


def test_level_disagrees_with_jurisdiction():
    document, tasks = load_gold("002")  # 上海市 / city
    document["level"] = "district"
    o = run(document, tasks)
    f = failure(o, DOC, "expect_column_pair_values_to_be_in_set", "jurisdiction,level")
    assert f["observed"]["unexpected_values"] == [["上海市", "district"]]
    document["level"] = "province"
    failure(run(document, tasks), DOC, "expect_column_values_to_be_in_set", "level")


@pytest.mark.parametrize("year", [1999, dt.date.today().year + 2])
def test_implausible_year(year):
    document, tasks = load_gold("001")
    document["year"] = year
    o = run(document, tasks)
    f = failure(o, DOC, "expect_column_values_to_be_between", "plan_year")
    assert f["observed"]["unexpected_values"] == [year]
    assert f["kwargs"]["max_value"] == dt.date.today().year + 1


def test_next_year_plan_allowed():
    document, tasks = load_gold("001")
    document["year"] = dt.date.today().year + 1
    assert run(document, tasks).result(DOC).success


@pytest.mark.parametrize("field,value,expectation", [
    ("issuer", "  ", "expect_column_values_to_not_be_null"),
    ("layout", "list", "expect_column_values_to_be_in_set"),
    ("layout", None, "expect_column_values_to_not_be_null"),
    ("jurisdiction", None, "expect_column_pair_values_to_be_in_set"),  # a level without a jurisdiction
    ("year", None, "expect_column_values_to_not_be_null"),
    ("issued_on", "2023/04/26", "expect_column_values_to_match_regex"),
])
def test_document_field_rules(field, value, expectation):
    document, tasks = load_gold("002")
    document[field] = value
    column = {"issuer": "issuer_norm", "year": "plan_year", "jurisdiction": "jurisdiction,level"}.get(field, field)
    failure(run(document, tasks), DOC, expectation, column)


# ------------------------------------------------------------------ rows, reasons, serialisation
def _ddl_columns(table: str) -> list[str]:
    stmt = next(s for s in RAW_DDL if f"raw.{table} (" in s)
    body = stmt.split("(", 1)[1]
    return [m.group(1) for m in re.finditer(r"^\s*(\w+)\s+\w+", body, re.M)
            if m.group(1) not in ("primary", "unique")]


def test_results_to_rows_match_raw_validation_results():
    document, tasks = load_gold("000")
    tasks[3]["task_content"] = ""
    o = run(document, tasks, dvid="dv-rows")
    rows = V.results_to_rows(o, "dv-rows", "load-1")
    assert [r["suite"] for r in rows] == [DOC, TASKS]
    assert set(rows[0]) == set(_ddl_columns("validation_results"))
    ids = {r["validation_id"] for r in rows}
    assert ids == {V.validation_id("dv-rows", s) for s in V.SUITES}
    assert all(len(i) == 20 for i in ids)
    assert rows == V.results_to_rows(o, "dv-rows", "load-1")  # deterministic
    t = rows[1]
    assert t["success"] is False and t["failed"] == 1 and t["evaluated"] == 12
    failures = json.loads(t["failures"])
    assert failures[0]["expectation"] == "expect_column_values_to_not_be_null"
    assert failures[0]["column"] == "task_content_norm"
    assert failures[0]["observed"]["seq"] == [4]

    con = duckdb.connect()
    ensure_raw_schema(con)
    cols = list(rows[0])
    con.executemany(
        f"insert into raw.validation_results ({', '.join(cols)}) values ({', '.join('?' for _ in cols)})",
        [[r[c] for c in cols] for r in rows])
    got = con.execute("select suite, success, failed, failures->>'$[0].column' "
                      "from raw.validation_results order by suite").fetchall()
    assert got == [(DOC, True, 0, None), (TASKS, False, 1, "task_content_norm")]


def test_reasons_one_line_per_failed_expectation():
    document, tasks = load_gold("000")
    document["jurisdiction"] = "北京市"
    tasks[3]["task_content"] = ""
    tasks[10]["deadline_date"] = "2026-01-01"
    o = run(document, tasks)
    reasons = o.reasons()
    assert len(reasons) == sum(r.failed for r in o.results) == len(o.failed_expectations())
    assert all("\n" not in r for r in reasons)
    assert any(r.startswith("work_plan_documents: expect_column_values_to_be_in_set(jurisdiction) "
                            "failed: 1 of 1 rows") for r in reasons)
    assert ("work_plan_tasks: expect_column_values_to_be_in_set(deadline_year_offset) failed: "
            "1 of 33 rows, e.g. seq 11 (values: 3)") in reasons


def test_outcome_roundtrip(tmp_path):
    document, tasks = load_gold("001")
    tasks[0]["seq"] = 2
    o = run(document, tasks, dvid="dv-rt")
    path = V.save_outcome(o, tmp_path)
    back = V.ValidationOutcome.from_dict(json.loads(path.read_text(encoding="utf-8")))
    assert back.reasons() == o.reasons() and back.validated_at == o.validated_at
    assert back.results[1].raw["statistics"] == o.results[1].raw["statistics"]


def test_inputs_are_not_mutated():
    document, tasks = load_gold("003")
    before = copy.deepcopy((document, tasks))
    run(document, tasks)
    assert (document, tasks) == before


# ------------------------------------------------------------------ data docs
def test_data_docs_index_is_built(tmp_path):
    docs, gx_root, saved = tmp_path / "data_docs", tmp_path / "gx", tmp_path / "outcomes"
    good_doc, good_tasks = load_gold("004")
    bad_doc, bad_tasks = load_gold("000")
    bad_tasks[3]["task_content"] = ""
    good = run(good_doc, good_tasks, dvid="dvgood")
    bad = run(bad_doc, bad_tasks, dvid="dvbad")
    V.save_outcome(bad, saved)

    index = data_docs.build_data_docs([good], out_dir=docs, gx_root=gx_root)
    assert index == docs / "index.html" and index.is_file()
    index2 = data_docs.build_data_docs(saved, out_dir=docs, gx_root=gx_root)  # from saved JSON, other process
    assert index2 == index
    html = index.read_text(encoding="utf-8")
    for name in ("work_plan_documents", "work_plan_tasks", "dvgood", "dvbad"):
        assert name in html
    pages = {p.relative_to(docs).as_posix() for p in docs.rglob("*.html")}
    assert "expectations/work_plan_tasks.html" in pages
    assert sum(p.startswith("validations/work_plan_tasks/") for p in pages) == 2
    bad_page = next(docs.glob("validations/work_plan_tasks/*/*/dvbad.html"))
    assert "task_content_norm" in bad_page.read_text(encoding="utf-8")
    assert not list(tmp_path.glob("data_docs/**/local_site"))


# ------------------------------------------------------------------ timing
def test_warm_validation_time_per_document(capsys):
    timings = {}
    for seed in GOLD_SEEDS:
        document, tasks = load_gold(seed)
        run(document, tasks)  # warm the per-shape caches
        walls, cpus = [], []
        for _ in range(5):
            t0, c0 = time.perf_counter(), time.process_time()
            run(document, tasks)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        timings[seed] = (len(tasks), statistics.median(walls), statistics.median(cpus))
    with capsys.disabled():
        print("\nwarm validate_extraction per document (median of 5):")
        for seed, (n, s, c) in timings.items():
            print(f"  {seed}: {n:3d} tasks  wall {s * 1000:6.1f} ms  cpu {c * 1000:6.1f} ms")
    assert max(c for _, _, c in timings.values()) < 2.0
