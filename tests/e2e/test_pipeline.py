"""End to end: the main command runs the Airflow DAGs on the sample portals, twice.

Runs ``python -m extract run`` as a subprocess (its own AIRFLOW_HOME, var dir and
port), so this is exactly what the README's run command does after setup.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import gold_seeds, load_gold

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.11", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pipeline_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    var = tmp_path_factory.mktemp("e2e") / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WP_"))}
    env.update(WP_VAR_DIR=str(var), WP_SAMPLE_PORT=str(_free_port()))
    return env


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "extract", "run"], cwd=REPO, env=env, check=False, capture_output=True,
                          text=True, timeout=1500)
    print(proc.stdout[-6000:])
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc


def _per_document(db: Path) -> dict[tuple[str, str, int], int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {(j, i, y): n for j, i, y, n in con.execute(
            "select jurisdiction, issuer, plan_year, count(*) from marts.fct_work_plan_tasks group by all").fetchall()}


@pytest.fixture(scope="module")
def first_run(pipeline_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _run(pipeline_env)


def test_first_run_loads_every_gold_document_exactly(first_run, pipeline_env) -> None:
    db = Path(pipeline_env["WP_VAR_DIR"]) / "warehouse" / "workplans.duckdb"
    expected = {}
    for seed in gold_seeds():
        g = load_gold(seed)
        expected[(g["jurisdiction"], g["issuer"], g["year"])] = g["task_count"]
    assert _per_document(db) == expected
    assert sorted(expected.values()) == [16, 23, 33, 70, 91]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*), count(distinct task_id), count(distinct document_id) "
                           "from marts.fct_work_plan_tasks").fetchone() == (233, 233, 5)
        assert con.execute("select count(*) from raw.quarantine where resolved_at is null").fetchone() == (0,)
        assert con.execute("select count(*) from raw.validation_results where not success").fetchone() == (0,)
        assert con.execute("select count(*) from marts.dim_jurisdiction").fetchone()[0] >= 17
    assert "233 tasks in 5 documents" in first_run.stdout
    assert "DAG warehouse" in first_run.stdout


def test_published_copy_and_lineage_events(first_run, pipeline_env) -> None:
    var = Path(pipeline_env["WP_VAR_DIR"])
    pub = var / "publish" / "workplans.duckdb"
    with duckdb.connect(str(pub), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_work_plan_tasks").fetchone() == (233,)
    assert (var / "publish" / "parquet" / "fct_work_plan_tasks.parquet").exists()
    events = [json.loads(line) for line in (var / "openlineage" / "events.jsonl").read_text().splitlines() if line]
    complete = [e for e in events if e.get("eventType") == "COMPLETE"]
    by_job = {e["job"]["name"]: e for e in complete}
    load_jobs = [e for name, e in by_job.items() if name.endswith(".load")]
    assert load_jobs, sorted(by_job)
    ev = load_jobs[0]
    assert any(i["namespace"].startswith("http://127.0.0.1") for i in ev["inputs"])
    assert any(o["name"] == "workplans.raw.tasks" and o["namespace"].startswith("duckdb://") for o in ev["outputs"])
    dbt = [e for name, e in by_job.items() if name.endswith("dbt_build")]
    assert dbt and any(o["name"] == "workplans.marts.fct_work_plan_tasks" for o in dbt[0]["outputs"])


def test_second_run_adds_nothing(first_run, pipeline_env) -> None:
    db = Path(pipeline_env["WP_VAR_DIR"]) / "warehouse" / "workplans.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        before = con.execute("select (select count(*) from raw.tasks), (select count(*) from raw.document_versions), "
                             "(select count(*) from raw.crawl_requests where status = 200)").fetchone()
    _run(pipeline_env)
    with duckdb.connect(str(db), read_only=True) as con:
        after = con.execute("select (select count(*) from raw.tasks), (select count(*) from raw.document_versions), "
                            "(select count(*) from raw.crawl_requests where status = 200 and kind <> 'robots')"
                            ).fetchone()
        assert after[:2] == before[:2] == (233, 5)
        assert con.execute("select count(*) from marts.fct_work_plan_tasks").fetchone() == (233,)
        # The second run only revalidated: every list/detail/attachment GET answered 304. Pudong's list
        # API is a POST (never conditional): its first page answered the same bytes, so the walk stopped.
        second = con.execute("""select kind, status, url like '%#%' as api, count(*) from raw.crawl_requests
                                where run_id = (select max(run_id) from raw.crawl_requests where kind='list')
                                group by all""").fetchall()
        assert second and all(status in (304, None) or kind == "robots" or (api and status == 200)
                              for kind, status, api, _ in second), second
        assert con.execute("""select count(distinct sha256) from raw.crawl_requests
                              where url like '%/api/data/affair#%"pageNo":1%'""").fetchone() == (1,)


def test_lineage_command_traces_a_seed_task_to_its_archived_bytes(first_run, pipeline_env) -> None:
    var = Path(pipeline_env["WP_VAR_DIR"])
    with duckdb.connect(str(var / "publish" / "workplans.duckdb"), read_only=True) as con:
        task_id, notice_url = con.execute(
            """select t.task_id, d.notice_url from marts.fct_work_plan_tasks t
               join raw.documents d on d.document_key = t.document_id
               where t.jurisdiction = '嘉定区' and t.seq = 91""").fetchone()
        served = con.execute("select count(*) from marts.fct_task_lineage where task_id = ?", [task_id]).fetchone()
    assert served == (1,)  # the same chain is queryable in SQL
    proc = subprocess.run([sys.executable, "-m", "extract", "lineage", task_id, "--verify", "--json"], cwd=REPO,
                          env=pipeline_env, check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    t = json.loads(proc.stdout)
    assert t["notice_url"] == notice_url and t["notice_url"].startswith("http://127.0.0.13:")
    assert t["jurisdiction"] == "嘉定区" and t["seq"] == 91 and t["verified"] is True
    assert all(p["verified"] and p["http_status"] == 200 and p["warc_file"].endswith(".warc.gz") for p in t["parts"])
    assert t["load"]["dag_id"] == "crawl_jiading" and t["load"]["status"] == "loaded"
    assert {v["suite"] for v in t["validation"]} == {"work_plan_documents", "work_plan_tasks"}
    text = subprocess.run([sys.executable, "-m", "extract", "lineage", "no-such-task"], cwd=REPO, env=pipeline_env,
                          check=False, capture_output=True, text=True, timeout=120)
    assert text.returncode == 2 and text.stderr.strip().startswith("error: no task with task_id")
