"""The operator's recipe, executed: ``scripts/airflow.sh`` (docs/OPERATIONS.md) on loopback.

Started as a new user would (``.venv/bin`` NOT on PATH, no AIRFLOW_* variables), it must come up,
print the UI URL and login, and trigger a first crawl of every portal; through the REST API the
three crawl runs and the Asset-triggered ``warehouse`` run(s) must succeed; the published copy
holds the 233 tasks of the five sample documents; headless Chromium (logged in with the UI's JWT
cookie) shows the DAG page (owner, tags) and the plugin's report page inside the UI. Ctrl-C
(SIGINT to the command's process group) must stop everything; a second start triggers nothing
new and stops cleanly too. No process carrying this test's ``WP_VAR_DIR`` may survive, even when
the test fails (the finalizer kills them by pid). Prints its wall times.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

import duckdb
import psutil
import pytest

from extract.standalone import Api
from tests.deploy.cluster import wait_for

pytestmark = [pytest.mark.standalone, pytest.mark.timeout(2400)]

REPO = Path(__file__).resolve().parents[2]
CRAWL_DAGS = ["crawl_jiading", "crawl_pudong", "crawl_shsamr"]
SAMPLE_TASKS = 233           # the five sample documents (README: 5 documents, 233 tasks)
BOUND_UP_S = 420             # command start → banner (setup, standalone boot + sample build, parse)
BOUND_CRAWL_S = 600          # banner → the three first crawl runs finished
BOUND_WAREHOUSE_S = 480      # crawls finished → the warehouse run(s) finished
BOUND_STOP_S = 60            # Ctrl-C → command exited
BANNER = re.compile(r"Airflow UI: (http://\S+)\s+login: admin / (\S+)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ours(var: Path) -> list[psutil.Process]:
    """Every live process whose environment points at this test's WP_VAR_DIR."""
    found = []
    for p in psutil.process_iter():
        try:
            if p.pid != os.getpid() and p.environ().get("WP_VAR_DIR") == str(var) and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return found


class Command:
    """``scripts/airflow.sh`` in its own process group, output to a file."""

    def __init__(self, root: Path, var: Path, port: int, sample_port: int, name: str) -> None:
        self.out = root / f"{name}.log"
        venv_bin = str(REPO / ".venv" / "bin")
        path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != venv_bin)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WP_", "_AIRFLOW", "VIRTUAL_ENV"))}
        env.update(PATH=path, WP_VAR_DIR=str(var), WP_SAMPLE_PORT=str(sample_port),
                   NO_PROXY="127.0.0.1,localhost,127.0.0.0/8", no_proxy="127.0.0.1,localhost,127.0.0.0/8")
        with open(self.out, "wb") as fh:
            self.proc = subprocess.Popen([str(REPO / "scripts" / "airflow.sh"), "--port", str(port)], cwd=REPO,
                                         env=env, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)

    def text(self) -> str:
        return self.out.read_text(errors="replace")

    def banner(self, timeout: float) -> tuple[str, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = BANNER.search(self.text())
            if m:
                return m.group(1), m.group(2)
            assert self.proc.poll() is None, f"scripts/airflow.sh exited {self.proc.returncode}:\n{self.text()[-4000:]}"
            time.sleep(1)
        components = next(self.out.parent.glob("var/airflow/standalone.log"), None)
        raise TimeoutError(f"no UI banner after {timeout:.0f}s:\n{self.text()[-4000:]}\n--- standalone.log:\n"
                           + (components.read_text(errors="replace")[-4000:] if components else "(none)"))

    def ctrl_c(self, timeout: float = BOUND_STOP_S) -> Optional[int]:
        """SIGINT to the process group, as a terminal's Ctrl-C; the exit code, or None if still running."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None


def _kill_leftovers(var: Path) -> list[str]:
    left = _ours(var)
    desc = [f"{p.pid} {' '.join(p.cmdline()[:4])}" for p in left if p.is_running()]
    for p in left:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    return desc


def _runs(api: Api, dag_id: str) -> list[dict[str, Any]]:
    return api("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100})["dag_runs"]


@pytest.fixture
def standalone_root(tmp_path: Path):
    """The test's directory; on exit every process still carrying its WP_VAR_DIR is killed by pid."""
    yield tmp_path
    _kill_leftovers(tmp_path / "var")


def test_airflow_sh_runs_the_pipeline_live_and_stops_clean(standalone_root: Path) -> None:
    root, var = standalone_root, standalone_root / "var"
    from extract.runner import common_free_port

    port, sample_port = _free_port(), common_free_port(18831)
    t0 = time.monotonic()
    cmd = Command(root, var, port, sample_port, "first")
    try:
        url, password = cmd.banner(BOUND_UP_S)
        t_up = time.monotonic()
        print(f"\nscripts/airflow.sh: banner after {t_up - t0:.0f}s", flush=True)
        assert url == f"http://127.0.0.1:{port}"
        text = cmd.text()
        assert f"first crawl triggered for: {', '.join(CRAWL_DAGS)}" in text, text[-2000:]
        assert f"{url}/workplans/" in text
        api = Api(url, password)

        # The DAGs are unpaused, and their pages tell the story (doc_md, tags, owner link).
        dags = {d["dag_id"]: d for d in api("GET", "/dags", params={"limit": 100})["dags"]}
        assert set(dags) == {*CRAWL_DAGS, "warehouse"} and not any(d["is_paused"] for d in dags.values())
        assert {t["name"] for t in dags["crawl_jiading"]["tags"]} == {
            "crawl", "portal:jiading", "family:jiading", "jurisdiction:嘉定区"}
        details = api("GET", "/dags/crawl_jiading/details")
        assert details["owner_links"] == {"data-eng": "mailto:data-team@workplans.example"}
        for heading in ("Where the data lands", "How to trace a row", "When the run is red"):
            assert heading in details["doc_md"]
        assert "extract lineage <task_id> --verify" in details["doc_md"]
        assert "How to trace a row" in api("GET", "/dags/warehouse/details")["doc_md"]
        plugin = next(p for p in api("GET", "/plugins")["plugins"] if p["name"] == "workplans")
        assert {v["name"]: v["href"] for v in plugin["external_views"]} == {
            "Work-plan report": "/workplans/report", "Data Docs": "/workplans/data-docs/index.html",
            "Quarantine": "/workplans/quarantine", "Lineage": "/workplans/"}

        # One triggered run per crawl DAG, all green; then the Asset-triggered warehouse run(s).
        def crawls_done() -> Optional[dict[str, list[dict[str, Any]]]]:
            runs = {d: _runs(api, d) for d in CRAWL_DAGS}
            return runs if all(r and all(x["state"] in ("success", "failed") for x in r) for r in runs.values()) else None

        crawls = wait_for("the first crawl runs", crawls_done, BOUND_CRAWL_S, 3.0)
        t_crawl = time.monotonic()
        for dag_id, runs in crawls.items():
            assert [(r["run_type"], r["state"]) for r in runs] == [("manual", "success")], (dag_id, runs)

        def warehouse_done() -> Optional[list[dict[str, Any]]]:
            runs = _runs(api, "warehouse")
            queued = api("GET", "/dags/warehouse/assets/queuedEvents")["queued_events"]
            return runs if runs and not queued and all(r["state"] in ("success", "failed") for r in runs) else None

        wh = wait_for("the Asset-triggered warehouse run", warehouse_done, BOUND_WAREHOUSE_S, 3.0)
        t_wh = time.monotonic()
        assert {(r["run_type"], r["state"]) for r in wh} == {("asset_triggered", "success")}, wh
        print(f"crawls done {t_crawl - t_up:.0f}s after the banner, warehouse {t_wh - t_crawl:.0f}s later "
              f"({len(wh)} warehouse run(s))", flush=True)

        with duckdb.connect(str(var / "publish" / "workplans.duckdb"), read_only=True) as con:
            tasks, docs = con.execute("select count(*), count(distinct document_id) "
                                      "from marts.fct_work_plan_tasks").fetchone()
            task_id = con.execute("select min(task_id) from marts.fct_work_plan_tasks").fetchone()[0]
        assert (tasks, docs) == (SAMPLE_TASKS, 5)

        # What an operator sees in the browser.
        from tests.deploy.cdp import Browser

        with Browser(root / "chromium") as b:
            b.set_cookie(url, "_token", api.token())
            b.goto(f"{url}/dags/crawl_jiading")
            # (the React UI renders in steps: wait until the translated labels are in as well)
            b.wait_text("crawl_jiading", "Owner", "data-eng", "Tags", "portal:jiading", "jurisdiction:嘉定区",
                        "40 2 * * *", "Trigger", "Overview")
            b.goto(f"{url}/plugin/workplans-report")      # Browse → Work-plan report (iframe in the UI)
            report = b.wait_text("上海市市场监督管理局", "嘉定区", frame=True)
            assert "逐年对比" in report
            # (polled: the UI may swap the iframe for a fresh one right after its first paint)
            b.wait_value(
                "(() => { const f = document.querySelector('iframe'); const d = f && f.contentDocument;"
                " const rows = d ? [...d.querySelectorAll('tr.document[data-tasks]')] : [];"
                " return [rows.length, rows.reduce((s, r) => s + Number(r.dataset.tasks), 0),"
                " [...new Set(rows.map(r => r.dataset.validation))]]; })()", [5, SAMPLE_TASKS, ["passed"]])
            b.goto(f"{url}/workplans/lineage?task_id={task_id}")
            b.wait_text(f"lineage {task_id} --verify", "(exit 0)", "WARC", "sha256 MATCHES", timeout=90)
            b.goto(f"{url}/workplans/quarantine")
            b.wait_text("0 quarantined document(s)")
        t_ui = time.monotonic()
        print(f"browser checks {t_ui - t_wh:.0f}s", flush=True)
    finally:
        code = cmd.ctrl_c()
        left = _kill_leftovers(var)
    t_stop = time.monotonic()
    assert code == 0, f"scripts/airflow.sh did not exit 0 on Ctrl-C within {BOUND_STOP_S}s ({code}):\n{cmd.text()[-3000:]}"
    assert not left, f"processes left behind after Ctrl-C: {left}"
    assert "stopped airflow standalone" in cmd.text()
    print(f"stopped in {t_stop - t_ui:.0f}s; first start total {t_stop - t0:.0f}s", flush=True)

    # Second start on the same var/: same login, nothing re-triggered, clean stop again.
    cmd2 = Command(root, var, port, sample_port, "second")
    try:
        url2, password2 = cmd2.banner(BOUND_UP_S)
        assert (url2, password2) == (url, password)
        assert "first crawl triggered for: none (every crawl DAG has run before)" in cmd2.text()
        api2 = Api(url2, password2)
        assert {d: len(_runs(api2, d)) for d in CRAWL_DAGS} == {d: 1 for d in CRAWL_DAGS}
    finally:
        code2 = cmd2.ctrl_c()
        left2 = _kill_leftovers(var)
    assert code2 == 0 and not left2, (code2, left2, cmd2.text()[-3000:])
    print(f"second start + stop {time.monotonic() - t_stop:.0f}s; test total {time.monotonic() - t0:.0f}s", flush=True)


# A leader in its own session (as airflow standalone) whose child moves to a process group of its
# own (as Airflow 3's supervisor does for a task) and starts a grandchild (the task's dbt build);
# then the leader exits, orphaning the task group outside the leader's group.
_SESSION = """
import os, subprocess, sys, time
child = os.fork()
if child == 0:
    os.setpgid(0, 0)
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    time.sleep(600)
print(child, flush=True)
time.sleep(float(sys.argv[1]))
"""


@pytest.mark.parametrize("leader_lives", [True, False])
def test_stop_reaches_task_groups_of_the_session(leader_lives: bool) -> None:
    from extract.standalone import session_groups, stop_group

    leader = subprocess.Popen([sys.executable, "-c", _SESSION, "600" if leader_lives else "0.5"],
                              stdout=subprocess.PIPE, text=True, start_new_session=True)
    task = int(leader.stdout.readline())
    wait_for("the task's child", lambda: len(psutil.Process(task).children()) == 1, 10, interval=0.1)
    members = [task, psutil.Process(task).children()[0].pid]
    if not leader_lives:
        leader.wait(10)
    assert task in session_groups(leader.pid) and os.getpgid(members[1]) == task != leader.pid
    stop_group(leader, grace=5)
    assert session_groups(leader.pid) == set()
    assert not [p for p in members if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
