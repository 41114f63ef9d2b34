"""Column checks as enforced model contracts (dbt_project/macros/contract_constraints.sql;
docs/ARCHITECTURE.md, "Column checks as constraints").

The SQL table and incremental models check not_null and fixed accepted values as NOT NULL / CHECK
constraints, which DuckDB enforces on every insert: a bad value stops the model's build, with the
column named, whether the table is created (first build, --full-refresh) or merged into
(delete+insert of an incremental build). One warehouse of the gold seeds, in a row:
1. a raw task without load_id before the first build: int_tasks_themed and int_task_texts (created)
   fail on load_id;
2. repaired, built with --full-refresh (passes; int_tasks_deadlines_parsed, no contract, kept the
   null row and tests it);
3. a new plan whose first task has no load_id: int_tasks_themed's and int_task_texts' merges fail on load_id;
4. repaired, built with --full-refresh (passes);
5. one plan pair's matches deleted from fct_task_matches and its comparison_type in
   int_task_pairs_matched made 'sideways': the pair's merge into fct_task_matches fails the CHECK;
6. the same with --full-refresh of fct_task_matches (create table): fails the CHECK;
7. fct_task_lineage recreated without its constraints (as a table built before the contract): the
   on-run-start hook stops the build, naming it; --full-refresh of it passes and restores them.
Apart: a raw column a staging view's `not_null_in_raw` relies on, without its NOT NULL, stops the build;
so does a raw key a view's `unique_in_raw` relies on, without its PRIMARY KEY.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from dbt_runner import run_dbt
from match_eval import synthetic_plan
from raw_fixture import add_plan, build_raw_warehouse


def _outcome(proc, work: Path) -> dict:
    """rc, {model name: message} of the models that errored, and the command's stdout."""
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    errors = {r["unique_id"].split(".")[-1]: r["message"] for r in results
              if r["unique_id"].startswith("model.") and r["status"] == "error"}
    return {"rc": proc.returncode, "errors": errors, "stdout": proc.stdout}


def _set_load_id(path: Path, task_id: str, load_id: str | None) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("update raw.tasks set load_id = ? where task_id = ?", [load_id, task_id])


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict]:
    work = tmp_path_factory.mktemp("dbt_contracts")
    wh = work / "warehouse.duckdb"
    build_raw_warehouse(wh)
    with duckdb.connect(str(wh)) as con:
        # the loader never writes it (raw NOT NULL, extract/records.py): lifted here to let one through
        con.execute("alter table raw.tasks alter load_id drop not null")
        task, load_id = con.execute("select task_id, load_id from raw.tasks order by task_id limit 1").fetchone()
    _set_load_id(wh, task, None)
    out = {1: _outcome(run_dbt(["build"], wh, work), work)}
    _set_load_id(wh, task, load_id)
    out[2] = _outcome(run_dbt(["build", "--full-refresh"], wh, work), work)

    add_plan(wh, "city-samr-2024-synthetic", synthetic_plan())
    with duckdb.connect(str(wh)) as con:
        new_task, new_load_id = con.execute(
            "select t.task_id, t.load_id from raw.tasks as t join raw.document_versions as v using (document_version_id) "
            "order by v.fetched_at desc, t.seq limit 1").fetchone()  # the plan just added
    _set_load_id(wh, new_task, None)
    out[3] = _outcome(run_dbt(["build"], wh, work), work)
    _set_load_id(wh, new_task, new_load_id)
    out[4] = _outcome(run_dbt(["build", "--full-refresh"], wh, work), work)

    with duckdb.connect(str(wh)) as con:
        pair = con.execute("select plan_pair_id from marts.fct_task_matches order by plan_pair_id limit 1").fetchone()[0]
        con.execute("delete from marts.fct_task_matches where plan_pair_id = ?", [pair])
        con.execute("update intermediate.int_task_pairs_matched set comparison_type = 'sideways' where plan_pair_id = ?",
                    [pair])
    out[5] = _outcome(run_dbt(["build", "--select", "fct_task_matches"], wh, work), work)
    out[6] = _outcome(run_dbt(["build", "--full-refresh", "--select", "fct_task_matches"], wh, work), work)

    with duckdb.connect(str(wh)) as con:
        con.execute("create table marts.lineage_copy as select * from marts.fct_task_lineage")
        con.execute("drop table marts.fct_task_lineage")
        con.execute("alter table marts.lineage_copy rename to fct_task_lineage")
    proc = run_dbt(["build", "--select", "fct_task_lineage"], wh, work)
    out[7] = {"rc": proc.returncode, "stdout": proc.stdout}
    out[8] = _outcome(run_dbt(["build", "--full-refresh", "--select", "fct_task_lineage"], wh, work), work)
    with duckdb.connect(str(wh), read_only=True) as con:
        out[8]["constraints"] = con.execute(
            "select constraint_type, constraint_column_names[1] from duckdb_constraints() "
            "where schema_name = 'marts' and table_name = 'fct_task_lineage' order by all").fetchall()
    return out


def test_null_stops_the_first_build_of_a_contracted_model(steps):
    step = steps[1]
    assert step["rc"] != 0
    for model in ("int_tasks_themed", "int_task_texts"):
        assert f"NOT NULL constraint failed: {model}.load_id" in step["errors"][model]


def test_repaired_build_passes(steps):
    assert steps[2]["rc"] == 0 and steps[2]["errors"] == {}
    assert steps[4]["rc"] == 0 and steps[4]["errors"] == {}


def test_null_stops_the_incremental_merge(steps):
    step = steps[3]
    assert step["rc"] != 0
    for model in ("int_tasks_themed", "int_task_texts"):
        assert f"NOT NULL constraint failed: {model}.load_id" in step["errors"][model]


def test_value_out_of_set_stops_the_incremental_merge_and_the_full_refresh(steps):
    for step in (steps[5], steps[6]):
        assert step["rc"] != 0
        assert list(step["errors"]) == ["fct_task_matches"]
        message = step["errors"]["fct_task_matches"]
        assert 'CHECK constraint failed on table "fct_task_matches' in message  # (__dbt_tmp: full refresh)
        assert "comparison_type IN ('year_over_year', 'district_city')" in message


def test_table_built_before_its_contract_stops_the_build(steps):
    assert steps[7]["rc"] != 0
    assert "lack constraints their model contract declares" in steps[7]["stdout"]
    assert "dbt build --full-refresh --select fct_task_lineage" in steps[7]["stdout"]
    step = steps[8]
    assert step["rc"] == 0 and step["errors"] == {}
    assert step["constraints"] == [("NOT NULL", "document_version_id"), ("NOT NULL", "task_id")]


def test_raw_column_without_its_not_null_stops_the_build(tmp_path: Path) -> None:
    # stg_work_plans__tasks.seq has no not_null test: it relies on raw.tasks.seq being NOT NULL
    wh = tmp_path / "warehouse.duckdb"
    build_raw_warehouse(wh)
    with duckdb.connect(str(wh)) as con:
        con.execute("alter table raw.tasks alter seq drop not null")
    proc = run_dbt(["build", "--select", "stg_work_plans__tasks"], wh, tmp_path)
    assert proc.returncode != 0
    assert "lack a NOT NULL or UNIQUE constraint that a staging view's not_null_in_raw or unique_in_raw" in proc.stdout
    assert "raw.tasks (NOT NULL seq)" in proc.stdout and "raw.documents" not in proc.stdout


def test_raw_key_without_its_primary_key_stops_the_build(tmp_path: Path) -> None:
    # stg_work_plans__load_audit.load_id has no unique test: it relies on raw.load_audit's PRIMARY KEY
    wh = tmp_path / "warehouse.duckdb"
    build_raw_warehouse(wh)
    with duckdb.connect(str(wh)) as con:
        ddl = con.execute("select sql from duckdb_tables() where schema_name = 'raw' and table_name = 'load_audit'"
                          ).fetchone()[0]
        # the same table without its key (DuckDB writes it inline or as a table constraint)
        unkeyed = re.sub(r"load_id VARCHAR( PRIMARY KEY)?", "load_id VARCHAR NOT NULL",
                         re.sub(r",\s*PRIMARY KEY\s*\(load_id\)", "", ddl))
        assert "PRIMARY KEY" in ddl and "PRIMARY KEY" not in unkeyed
        con.execute("create table raw.load_audit_rows as select * from raw.load_audit; drop table raw.load_audit")
        con.execute(unkeyed)
        con.execute("insert into raw.load_audit select * from raw.load_audit_rows; drop table raw.load_audit_rows")
    proc = run_dbt(["build", "--select", "stg_work_plans__load_audit"], wh, tmp_path)
    assert proc.returncode != 0
    assert "lack a NOT NULL or UNIQUE constraint that a staging view's not_null_in_raw or unique_in_raw" in proc.stdout
    assert "raw.load_audit (UNIQUE load_id)" in proc.stdout and "raw.tasks" not in proc.stdout
