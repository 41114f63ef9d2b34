"""A REAL Airflow cluster on loopback (no Docker): PostgreSQL + Redis + CeleryExecutor with
api-server, scheduler, dag-processor, triggerer and one Celery worker as separate processes.

Through the REST API (/api/v2, JWT from /auth/token) it unpauses the warehouse DAG,
triggers crawl_jiading and unpauses it, then waits (bounded) for the crawl run and for
the Asset-triggered warehouse run, and checks the warehouse. Deadlines are set to 1 s
(``WP_DEADLINE_S``), so each of the two runs must produce exactly one ``dag_run_late``
alert through the real mechanism (scheduler marks the deadline missed, triggerer awaits
``extract.alerts.dag_run_deadline_missed``).

PostgreSQL/Redis come from Debian (installed with apt-get when missing). Prints its wall time.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from tests.deploy.cluster import Cluster, log, tail, wait_for

pytestmark = pytest.mark.cluster

CRAWL_DAG = "crawl_jiading"
EXPECTED_JIADING_TASKS = 91
BOUND_CRAWL_S = 420
BOUND_WAREHOUSE_S = 360


def _alerts(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def test_cluster_crawl_then_asset_triggered_warehouse() -> None:
    from extract.runner import common_free_port

    t_start = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="wp-cluster-"))
    c = Cluster(root)
    problems: list[str] = []
    ok = False
    try:
        try:
            pg = c.start_postgres()
            broker = c.start_redis()
        except RuntimeError as exc:
            if "cannot apt-get" in str(exc):
                pytest.skip(f"PostgreSQL/Redis unavailable: {exc}")
            raise
        sample_port = common_free_port()
        c.configure(pg, broker, sample_port, extra={"WP_DEADLINE_S": "1"})
        c.migrate_and_pools()
        c.start_sample_portals(sample_port)
        c.start_airflow()
        t_up = time.monotonic()
        log(f"cluster up in {t_up - t_start:.0f}s")

        def parsed() -> dict | None:
            # The dag-processor must have serialized our DAGs (3 crawl DAGs + warehouse).
            all_dags = {d["dag_id"]: d for d in c.api("GET", "/dags", params={"limit": 100})["dags"]}
            return all_dags if len(all_dags) >= 4 and {CRAWL_DAG, "warehouse"} <= set(all_dags) else None

        dags = wait_for("DAGs parsed by the dag-processor", parsed, 180, 2.0, c.check_alive)
        log(f"DAGs: {sorted(dags)} ({time.monotonic() - t_up:.0f}s after cluster up)")
        assert all(d["is_paused"] for d in dags.values()), "DAGs should start paused"

        pools = {p["name"]: p["slots"] for p in c.api("GET", "/pools")["pools"]}
        assert pools.get("duckdb_writer") == 1 and "host_127_0_0_13" in pools, pools

        # Warehouse first, so the Asset event of the crawl queues a warehouse run.
        c.api("PATCH", "/dags/warehouse", json={"is_paused": False})
        # Trigger the crawl while paused, at the logical date the scheduler would use for its
        # next cron run: unpausing then creates no extra scheduled run (it already exists).
        crawl = c.api("GET", f"/dags/{CRAWL_DAG}")
        run = c.api("POST", f"/dags/{CRAWL_DAG}/dagRuns",
                    json={"logical_date": crawl.get("next_dagrun_logical_date"), "conf": {},
                          "note": "cluster test"})
        run_id = run["dag_run_id"]
        c.api("PATCH", f"/dags/{CRAWL_DAG}", json={"is_paused": False})
        log(f"triggered {CRAWL_DAG} run {run_id} and unpaused it")

        crawl_run = c.wait_run(CRAWL_DAG, run_id, BOUND_CRAWL_S)
        t_crawl = time.monotonic()
        log(f"{CRAWL_DAG} {crawl_run['state']} ({t_crawl - t_up:.0f}s after cluster up)")
        crawl_runs = c.runs(CRAWL_DAG)
        assert [r["dag_run_id"] for r in crawl_runs] == [run_id], f"unexpected extra crawl runs: {crawl_runs}"
        if crawl_run["state"] != "success":
            problems.append(f"{CRAWL_DAG} run {run_id} {crawl_run['state']}:\n" + c.failed_task_logs(CRAWL_DAG, run_id))

        # publish_raw (trigger_rule all_done) updates the Asset even when documents fail:
        # the warehouse run is expected in either case.
        wh = wait_for("Asset-triggered warehouse run", lambda: c.runs("warehouse"), 120, 2.0, c.check_alive)
        assert len(wh) == 1, wh
        assert wh[0]["run_type"] == "asset_triggered", wh[0]
        wh_run = c.wait_run("warehouse", wh[0]["dag_run_id"], BOUND_WAREHOUSE_S)
        log(f"warehouse {wh_run['state']} ({time.monotonic() - t_crawl:.0f}s after the crawl)")
        if wh_run["state"] != "success":
            problems.append(f"warehouse run {wh_run['dag_run_id']} {wh_run['state']}:\n"
                            + c.failed_task_logs("warehouse", wh_run["dag_run_id"]))

        # Deadline alerts (1 s deadline): exactly one per run, through scheduler + triggerer.
        alert_log = c.var / "alerts.log"

        def late_for_both() -> list[dict]:
            late = [a for a in _alerts(alert_log) if a["kind"] == "dag_run_late"]
            return late if {a["dag_id"] for a in late} >= {CRAWL_DAG, "warehouse"} else []

        try:
            late = wait_for("deadline alerts", late_for_both, 60, 1.0)
        except TimeoutError:
            late = [a for a in _alerts(alert_log) if a["kind"] == "dag_run_late"]
        time.sleep(3)  # a duplicate would show up here
        late = [a for a in _alerts(alert_log) if a["kind"] == "dag_run_late"]
        log(f"alerts: {[(a['kind'], a['dag_id'], a.get('task_id')) for a in _alerts(alert_log)]}")
        by_run = {(a["dag_id"], a["run_id"]): a for a in late}
        assert len(late) == 2 and set(by_run) == {(CRAWL_DAG, run_id), ("warehouse", wh_run["dag_run_id"])}, late
        for a in late:
            assert a["log_url"].startswith(f"{c.api_url}/dags/{a['dag_id']}/runs/"), a
            assert a["interval_s"] == 1.0 and a["deadline_time"], a

        # Task-failure alerts: one per failed task instance, none for successes.
        failed_alerts = [a for a in _alerts(alert_log) if a["kind"] == "task_failed"]
        n_failed = sum(1 for d, r in ((CRAWL_DAG, run_id), ("warehouse", wh_run["dag_run_id"]))
                       for ti in c.task_instances(d, r) if ti["state"] == "failed")
        assert len(failed_alerts) == n_failed, (failed_alerts, n_failed)

        if wh_run["state"] == "success":
            import duckdb

            db = c.var / "warehouse" / "workplans.duckdb"
            with duckdb.connect(str(db), read_only=True) as con:
                n = con.execute("select count(*) from marts.fct_work_plan_tasks").fetchone()[0]
                per = con.execute("select portal_id, count(*) from raw.notices group by 1").fetchall()
            log(f"marts.fct_work_plan_tasks: {n} rows; raw.notices per portal: {per}")
            if n != EXPECTED_JIADING_TASKS:
                problems.append(f"marts.fct_work_plan_tasks has {n} rows, expected {EXPECTED_JIADING_TASKS}")
        assert not problems, "\n\n".join(problems)
        ok = True
    except BaseException:
        for p in c.procs:
            log(f"--- tail of {p.name} log ({p.log_path})\n{_tail_errors(p.log_path)}")
        raise
    finally:
        t_stop = time.monotonic()
        c.stop_all()
        log(f"stopped everything in {time.monotonic() - t_stop:.0f}s")
        print(f"\nCluster test wall time: {time.monotonic() - t_start:.1f}s", flush=True)
        if ok:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"cluster files kept for inspection: {root}", flush=True)


def _tail_errors(path: Path, lines: int = 25) -> str:
    text = tail(path, 400).splitlines()
    errs = [ln for ln in text if any(k in ln for k in ("ERROR", "Error", "Traceback", "error"))]
    return "\n".join((errs or text)[-lines:])
