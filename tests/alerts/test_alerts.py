"""Alerts: one record per failed task (through a real ``dag.test()`` run), one per late run,
webhook delivery to a loopback receiver, and the Deadline Alert wired on every DAG.

The Deadline *mechanism* (scheduler marks the deadline missed, triggerer awaits the
callback) needs a scheduler and a triggerer: it is exercised for real in
``tests/deploy/test_cluster.py``. Here the callback is tested directly and through
Airflow's own ``CallbackTrigger`` (the code the triggerer runs).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AIRFLOW = Path(sys.executable).with_name("airflow")
BASE_URL = "http://airflow.example.test:8080"

PROBE_DAG = r'''
import json
from datetime import datetime
from airflow.sdk import DAG, task
from extract.orchestration import DEFAULT_ARGS

with DAG("alert_probe", schedule=None, start_date=datetime(2026, 1, 1), catchup=False,
         default_args={**DEFAULT_ARGS, "retries": 0}, tags=["test"]) as dag:
    @task
    def ok():
        return 1

    @task
    def boom(x):
        raise RuntimeError("boom on purpose")

    @task
    def after(y):
        return y  # upstream_failed: no alert of its own

    after(boom(ok()))

if __name__ == "__main__":
    dr = dag.test()
    print("RESULT " + json.dumps({"state": str(getattr(dr.state, "value", dr.state)), "run_id": dr.run_id}))
'''


def _airflow_env(home: Path, alert_log: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WP_ALERT"))}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__API__BASE_URL": BASE_URL,
        "AIRFLOW__OPENLINEAGE__DISABLED": "True",
        "WP_ALERT_TARGET": "log",
        "WP_ALERT_LOG": str(alert_log),
        "WP_VAR_DIR": str(home / "var"),
        "PYTHONPATH": str(REPO),
        "NO_PROXY": "127.0.0.1,localhost",
    })
    return env


@pytest.fixture(scope="module")
def migrated_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("airflow_alerts")
    (home / "dags").mkdir()
    t0 = time.monotonic()
    proc = subprocess.run([str(AIRFLOW), "db", "migrate"], env=_airflow_env(home, home / "unused.log"),
                          capture_output=True, text=True, timeout=300, cwd=REPO, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    print(f"\nairflow db migrate (SQLite): {time.monotonic() - t0:.1f}s")
    return home


def _records(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def test_failing_task_in_a_real_dag_run_sends_exactly_one_alert(migrated_home: Path, tmp_path: Path) -> None:
    alert_log = tmp_path / "alerts.log"
    # dag.test() syncs the DAG bundle (the DAGs folder) to the DB first: the DAG must live there.
    script = migrated_home / "dags" / "alert_probe.py"
    script.write_text(PROBE_DAG, encoding="utf-8")
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, str(script)], env=_airflow_env(migrated_home, alert_log),
                          capture_output=True, text=True, timeout=300, cwd=REPO, check=False)
    print(f"\ndag.test() of the probe DAG: {time.monotonic() - t0:.1f}s")
    out = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and out, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out[-1].removeprefix("RESULT "))
    # dag.test() does not raise: the run's state says what happened.
    assert result["state"] == "failed"

    records = _records(alert_log)
    assert len(records) == 1, records
    rec = records[0]
    assert rec["kind"] == "task_failed"
    assert rec["dag_id"] == "alert_probe"
    assert rec["task_id"] == "boom"
    assert rec["run_id"] == result["run_id"]
    assert rec["error"] == "RuntimeError: boom on purpose"
    assert rec["log_url"].startswith(f"{BASE_URL}/dags/alert_probe/runs/")
    assert "/tasks/boom" in rec["log_url"]
    assert rec["run_url"].startswith(f"{BASE_URL}/dags/alert_probe/runs/")
    assert rec["sent_at"]


def _deadline_context() -> dict:
    return {
        "dag_run": {"dag_id": "crawl_jiading", "dag_run_id": "manual__2026-03-01T02:40:00+00:00",
                    "state": "running", "queued_at": "2026-03-01T02:40:00Z",
                    "start_date": "2026-03-01T02:40:01Z"},
        "deadline": {"id": "0196-abc", "deadline_time": "2026-03-01T04:40:00+00:00"},
    }


def test_deadline_callback_sends_exactly_one_late_run_alert(alert_log: Path, monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", BASE_URL)
    from extract.alerts import dag_run_deadline_missed

    body = asyncio.run(dag_run_deadline_missed(context=_deadline_context(), interval_s=7200.0,
                                               reference="dagrun_queued_at"))
    assert "crawl_jiading" in body
    records = _records(alert_log)
    assert len(records) == 1
    rec = records[0]
    assert rec["kind"] == "dag_run_late"
    assert rec["dag_id"] == "crawl_jiading"
    assert rec["run_id"] == "manual__2026-03-01T02:40:00+00:00"
    assert rec["interval_s"] == 7200.0
    assert rec["deadline_time"] == "2026-03-01T04:40:00+00:00"
    # run id is URL-quoted in the link
    assert rec["log_url"].startswith("http") and "/dags/crawl_jiading/runs/manual__2026-03-01T02%3A40" in rec["log_url"]


def test_deadline_callback_through_airflow_callback_trigger(alert_log: Path) -> None:
    """The triggerer's own CallbackTrigger imports our path and awaits it with the context."""
    from airflow.triggers.callback import CallbackTrigger

    trig = CallbackTrigger("extract.alerts.dag_run_deadline_missed",
                           {"interval_s": 60.0, "reference": "dagrun_queued_at", "context": _deadline_context()})

    async def collect() -> list:
        return [ev.payload async for ev in trig.run()]

    events = asyncio.run(collect())
    assert [str(getattr(e["state"], "value", e["state"])) for e in events] == ["running", "success"], events
    records = _records(alert_log)
    assert len(records) == 1 and records[0]["kind"] == "dag_run_late"
    assert records[0]["dag_id"] == "crawl_jiading"


def test_webhook_target_posts_each_alert_once(webhook) -> None:
    from extract.alerts import deadline_missed_alert, task_failure_alert

    class TI:
        dag_id, task_id, map_index, try_number = "crawl_pudong", "fetch", 3, 1
        log_url = "http://localhost:8080/dags/crawl_pudong/runs/r1/tasks/fetch/mapped/3?try_number=1"

    task_failure_alert({"ti": TI(), "run_id": "r1", "exception": ValueError("bad page")})
    deadline_missed_alert(_deadline_context(), interval_s=5.0)
    assert len(webhook.posts) == 2
    first, second = (p["json"] for p in webhook.posts)
    assert all(p["path"] == "/hooks/alerts" and p["content_type"] == "application/json" for p in webhook.posts)
    assert (first["kind"], first["dag_id"], first["task_id"], first["run_id"], first["map_index"]) == \
        ("task_failed", "crawl_pudong", "fetch", "r1", 3)
    assert first["log_url"] == TI.log_url and first["error"] == "ValueError: bad page"
    assert (second["kind"], second["dag_id"], second["run_id"]) == \
        ("dag_run_late", "crawl_jiading", "manual__2026-03-01T02:40:00+00:00")


def test_undeliverable_alert_is_logged_not_raised(monkeypatch, caplog) -> None:
    from extract.alerts import send_alert

    monkeypatch.setenv("WP_ALERT_TARGET", "webhook")
    monkeypatch.setenv("WP_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/nothing-listens-here")
    send_alert({"kind": "task_failed", "dag_id": "d", "task_id": "t"})  # must not raise
    assert "could not deliver alert" in caplog.text


def test_every_dag_has_a_run_deadline_alert_to_the_notifier(tmp_path, monkeypatch) -> None:
    """Every DAG in dags/ carries one DAGRUN_QUEUED_AT Deadline Alert with our async callback,
    and it survives DAG serialization (what the scheduler reads)."""
    from extract import airflow_env

    airflow_env.configure(tmp_path / "airflow_home")
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import AsyncCallback, DeadlineReference
    from airflow.serialization.serialized_objects import DagSerialization

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.dags and not bag.import_errors
    for dag_id, dag in bag.dags.items():
        assert len(dag.deadline or []) == 1, dag_id
        alert = dag.deadline[0]
        assert alert.reference == DeadlineReference.DAGRUN_QUEUED_AT
        assert isinstance(alert.callback, AsyncCallback)
        assert alert.callback.path == "extract.alerts.dag_run_deadline_missed"
        assert alert.interval.total_seconds() > 0
        ser = DagSerialization.to_dict(dag)
        assert "dag_run_deadline_missed" in json.dumps(ser, default=str), dag_id


def test_deadline_interval_env_overrides(monkeypatch) -> None:
    from extract.run_deadlines import DEFAULT_INTERVALS, dagrun_deadline, deadline_interval

    monkeypatch.delenv("WP_DEADLINE_S", raising=False)
    monkeypatch.delenv("WP_DEADLINE_CRAWL_S", raising=False)
    assert deadline_interval("crawl") == DEFAULT_INTERVALS["crawl"]
    monkeypatch.setenv("WP_DEADLINE_S", "90")
    assert deadline_interval("warehouse").total_seconds() == 90
    monkeypatch.setenv("WP_DEADLINE_CRAWL_S", "5")
    alert = dagrun_deadline("crawl")
    assert alert.interval.total_seconds() == 5 and alert.callback.kwargs["interval_s"] == 5.0
