"""Data tests scoped to the rows a build rebuilt (dbt_project/macros/test_scope.sql;
docs/ARCHITECTURE.md, "Data tests scoped to the rebuilt rows").

One warehouse of the gold seeds, five commands in a row:
1. first build: whole tables (nothing recorded before it);
2. an older row made bad behind dbt's back (load_id null on the untouched SAMR 2019 plan),
   a new plan loaded: the build scopes its tests to the new plan's rows and passes;
3. (keys by subquery on the ledger, not literals) a second new plan with a task without load_id (staging does not test it), and an older row of
   int_tasks_deadlines_parsed given the task_id of one of its tasks: the scoped tests fail on exactly
   the rows this build wrote (one null; the duplicate of an older row through unique's lookup of the
   whole table); int_tasks_themed, whose contract makes load_id NOT NULL
   (macros/contract_constraints.sql), stops at the null instead;
4. the same build again: the build before failed, so every test reads whole tables (two nulls);
5. --full-refresh: whole tables, no keys recorded.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from dbt_runner import build, run_dbt
from match_eval import synthetic_plan
from raw_fixture import add_plan, synthetic_next_year_plan

NOT_NULL = "not_null_int_tasks_deadlines_parsed_load_id"
UNIQUE = "unique_int_tasks_deadlines_parsed_task_id"


def _failures(work: Path) -> dict[str, int]:
    """unique_id → failing rows of every data test that did not pass in the last command."""
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[2]: r["failures"]
            for r in results if r["unique_id"].startswith("test.") and r["status"] != "pass"}


def _model_errors(work: Path) -> dict[str, str]:
    """model name → message of every model that errored in the last command."""
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[2]: r["message"]
            for r in results if r["unique_id"].startswith("model.") and r["status"] == "error"}


def _last_build(path: Path) -> tuple[str, bool, bool, str, int]:
    """(command, full_refresh, scoped_tests, status, keys recorded) of the latest command."""
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select command, full_refresh, scoped_tests, status, "
            "(select count(*) from dbt_runs.rebuilt_keys where invocation_id = b.invocation_id) "
            "from dbt_runs.builds as b order by started_at desc limit 1").fetchone()


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict]:
    work = tmp_path_factory.mktemp("dbt_test_scope")
    wh = build(work).path
    out = {1: {"build": _last_build(wh)}}

    with duckdb.connect(str(wh)) as con:
        # a task of the 2019 plan whose row is not its version's first by rowid: changed_versions
        # (macros/incremental_versions.sql) reads that first row as the version's stored state, so
        # tampering it would make the build rebuild (and heal) the whole version
        old_task = con.execute(
            "select task_id from intermediate.int_tasks_deadlines_parsed t "
            "join raw.document_versions v using (document_version_id) where v.plan_year = 2019 "
            "and t.rowid > (select min(rowid) from intermediate.int_tasks_deadlines_parsed f "
            "where f.document_version_id = t.document_version_id) order by t.task_id limit 1").fetchone()[0]
        con.execute("update intermediate.int_tasks_deadlines_parsed set load_id = null where task_id = ?",
                    [old_task])
    add_plan(wh, "city-samr-2024-synthetic", synthetic_plan())
    proc = run_dbt(["build"], wh, work)
    out[2] = {"rc": proc.returncode, "build": _last_build(wh), "failures": _failures(work)}
    with duckdb.connect(str(wh), read_only=True) as con:
        out[2]["merged"] = con.execute(
            "select relation_name, count(key_value) from dbt_runs.rebuilt_keys group by all order by all").fetchall()

    plan_2025 = synthetic_next_year_plan(synthetic_plan(), year=2025, drop_seq=1, new_task=synthetic_plan()["tasks"][0])
    add_plan(wh, "city-samr-2025-synthetic", plan_2025, position=1)
    with duckdb.connect(str(wh)) as con:
        new_tasks = con.execute(
            "select task_id from raw.tasks join raw.document_versions using (document_version_id) "
            "where plan_year = 2025 order by seq").fetchall()
        # the loader never writes it (raw NOT NULL, extract/records.py): lifted here to let one through
        con.execute("alter table raw.tasks alter load_id drop not null")
        con.execute("update raw.tasks set load_id = null where task_id = ?", [new_tasks[0][0]])
        # the older row tampered above takes the id a task of the new plan will get
        con.execute("update intermediate.int_tasks_deadlines_parsed set task_id = ? where task_id = ?",
                    [new_tasks[1][0], old_task])
    # step 3 with the keys read from the ledger by subquery instead of literals (the form a build
    # that merged more than test_scope_max_literal_keys keys uses): the same failures
    for step, args in ((3, ["build", "--vars", "{test_scope_max_literal_keys: 0}"]), (4, ["build"]),
                       (5, ["build", "--full-refresh"])):
        proc = run_dbt(args, wh, work)
        out[step] = {"rc": proc.returncode, "build": _last_build(wh), "failures": _failures(work),
                     "errors": _model_errors(work)}
    return out


def test_first_build_reads_whole_tables(steps):
    assert steps[1]["build"] == ("build", False, False, "passed", 0)


def test_build_after_a_passed_build_reads_the_rebuilt_rows(steps):
    step = steps[2]
    assert step["rc"] == 0 and step["failures"] == {}
    assert step["build"][:4] == ("build", False, True, "passed")
    merged = dict(step["merged"])
    # the new plan's version in the version-keyed models; its 12 tasks' texts (none seen before) in
    # int_task_terms; the previous SAMR plan's version too in fct_work_plan_tasks (its next-plan
    # status changed)
    assert merged["intermediate.int_tasks_deadlines_parsed"] == merged["intermediate.int_task_texts"] == 1
    assert merged["intermediate.int_task_terms"] == 12
    assert merged["marts.fct_work_plan_tasks"] == 2


def test_bad_rows_written_by_a_scoped_build_fail_its_tests(steps):
    step = steps[3]
    assert step["rc"] != 0
    assert step["build"][:4] == ("build", False, True, "failed")
    # the new plan's task without load_id, not the older such row nobody rewrote
    assert step["failures"][NOT_NULL] == 1
    # the new plan's task_id is also held by an older row: found through the whole table
    assert step["failures"][UNIQUE] == 1
    # the contracted models refuse the null row on insert (no test node needed)
    assert sorted(step["errors"]) == ["int_task_texts", "int_tasks_themed"]
    for model in step["errors"]:
        assert f"NOT NULL constraint failed: {model}.load_id" in step["errors"][model]


def test_build_after_a_failed_build_reads_whole_tables(steps):
    step = steps[4]
    assert step["rc"] != 0
    assert step["build"][:4] == ("build", False, False, "failed")
    assert step["failures"][NOT_NULL] == 2  # the older row as well
    assert step["failures"][UNIQUE] == 1
    assert sorted(step["errors"]) == ["int_task_texts", "int_tasks_themed"]


def test_full_refresh_reads_whole_tables(steps):
    step = steps[5]
    assert step["build"] == ("build", True, False, "failed", 0)
    # rebuilt from raw: the older rows' tampering is gone, the raw task without load_id stays
    assert step["failures"][NOT_NULL] == 1 and UNIQUE not in step["failures"]
    # built under a temporary name, then renamed (dbt-duckdb's full refresh)
    assert "NOT NULL constraint failed: int_tasks_themed__dbt_tmp.load_id" in step["errors"]["int_tasks_themed"]
