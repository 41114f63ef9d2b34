"""The DAG folder imports cleanly, fast, and every DAG carries tags, an owner and retries."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory):
    from extract import airflow_env

    airflow_env.configure(tmp_path_factory.mktemp("airflow_home"))
    from airflow.dag_processing.dagbag import DagBag

    t0 = time.monotonic()
    bag = DagBag(dag_folder=str(REPO / "dags"))
    print(f"\nDagBag of {len(bag.dags)} DAGs filled in {time.monotonic() - t0:.2f}s "
          f"(per file: {bag.dagbag_stats and [(s.file, s.duration) for s in bag.dagbag_stats]})")
    return bag


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}


def test_one_crawl_dag_per_configured_portal_and_a_warehouse_dag(dagbag) -> None:
    from extract.sources import load_portals

    expected = {f"crawl_{p.id}" for p in load_portals()} | {"warehouse"}
    assert set(dagbag.dags) == expected


def test_every_dag_has_tags_owner_retries_and_docs(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        assert dag.doc_md, f"{dag_id} has no doc_md"
        for t in dag.tasks:
            assert t.owner and t.owner != "airflow", f"{dag_id}.{t.task_id} has no owner"
            assert t.retries >= 2, f"{dag_id}.{t.task_id} retries={t.retries}"
            assert t.on_failure_callback, f"{dag_id}.{t.task_id} has no failure callback"


def test_every_task_has_an_execution_timeout(dagbag) -> None:
    from datetime import timedelta

    from extract import settings

    tasks = [(dag_id, t) for dag_id, dag in dagbag.dags.items() for t in dag.tasks]
    assert tasks
    for dag_id, t in tasks:
        assert t.execution_timeout == timedelta(seconds=settings.TASK_TIMEOUT_S), f"{dag_id}.{t.task_id}"


def test_schedules_are_staggered_and_warehouse_is_asset_triggered(dagbag) -> None:
    crawl = [d for i, d in dagbag.dags.items() if i.startswith("crawl_")]
    schedules = [d.schedule for d in crawl]
    assert all(isinstance(s, str) for s in schedules) and len(set(schedules)) == len(crawl)
    wh = dagbag.dags["warehouse"]
    assert [a.name for a in wh.schedule] == ["raw_work_plan_tables"]


def test_writers_share_the_single_slot_pool(dagbag) -> None:
    from extract import settings

    writers = {(d, t.task_id) for d, dag in dagbag.dags.items() for t in dag.tasks
               if t.pool == settings.WAREHOUSE_POOL}
    for d in dagbag.dags:
        if d.startswith("crawl_"):
            assert {(d, "plan"), (d, "record_discovery"), (d, "load")} <= writers
    assert {("warehouse", "dbt_build"), ("warehouse", "publish")} <= writers


def test_dag_files_import_fast_without_heavy_modules() -> None:
    """Each DAG file imports in under 2 s and pulls in no duckdb/GX/dbt/pandas at top level."""
    code = ("import sys, time, runpy; t=time.monotonic(); "
            "[runpy.run_path(f) for f in sys.argv[1:]]; dt=time.monotonic()-t; "
            "heavy=[m for m in ('duckdb','great_expectations','dbt','pandas','pdfplumber','docx') if m in sys.modules]; "
            "print(f'{dt:.3f}', ','.join(heavy))")
    files = sorted(str(p) for p in (REPO / "dags").glob("*.py"))
    # Warm the airflow import first so only our files' cost is measured.
    out = subprocess.run([sys.executable, "-c", "import airflow.sdk;" + code, *files], capture_output=True,
                         text=True, cwd=REPO, check=True).stdout.strip().splitlines()[-1]
    seconds, heavy = out.split(" ") if " " in out else (out, "")
    print(f"\nDAG files import time (airflow.sdk already imported): {float(seconds):.3f}s")
    assert float(seconds) < 2.0
    assert heavy == "", f"heavy modules imported at DAG parse time: {heavy}"
