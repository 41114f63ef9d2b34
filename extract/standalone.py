"""The operator's way in: a live ``airflow standalone`` with our DAGs, on loopback (``scripts/airflow.sh``).

Steps: ``AIRFLOW_HOME`` prepared (persistent secrets and admin password), ``airflow standalone``
started in its own session with ``.venv/bin`` first on PATH (it spawns ``airflow`` from PATH; it
runs the idempotent database migration itself before its components), the sample portals (sample
profile) built and served in this process meanwhile, the pools created once the api-server
answers, our DAGs unpaused and a first crawl of every portal triggered (only when the DAG never ran, so a
second start triggers nothing), then the UI URL and login are printed. Ctrl-C (SIGINT),
SIGTERM or SIGHUP stop everything: every process group of the session ``airflow standalone`` leads
(its components and each task's group, with the task's ``dbt build``) gets SIGTERM, SIGKILL after
``STOP_GRACE_S``; the portals stop with this process.

Airflow connections: none are needed (portals are config, the warehouse is a file); alerts
use environment variables (docs/OPERATIONS.md).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

import requests

from extract import airflow_env, settings

BIN = Path(sys.executable).parent
STOP_GRACE_S = 30.0       # SIGTERM → SIGKILL for the standalone process group
UP_TIMEOUT_S = 240.0      # api-server health + DAGs parsed, each
HTTP_TIMEOUT_S = 10.0     # every REST call
ADMIN = "admin"


def say(msg: str) -> None:
    """One progress line on stdout (flushed: the test and the operator read it live)."""
    print(f"[airflow.sh {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _persistent(home: Path) -> dict[str, str]:
    """Secrets and the admin password, generated once into ``$AIRFLOW_HOME/workplans_secrets.json``
    (mode 600) and reused on every later start, so sessions, Fernet-encrypted values and the
    login survive a restart."""
    path = home / "workplans_secrets.json"
    data: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    wanted = {"fernet_key": lambda: base64.urlsafe_b64encode(os.urandom(32)).decode(),
              "api_secret_key": lambda: secrets.token_hex(16), "jwt_secret": lambda: secrets.token_hex(32),
              "admin_password": lambda: secrets.token_urlsafe(12)}
    changed = False
    for key, make in wanted.items():
        if not data.get(key):
            data[key], changed = make(), True
    if changed:
        path.write_text(json.dumps(data, indent=1))
        path.chmod(0o600)
    return data


def environment(home: Path, port: int, host: str) -> dict[str, str]:
    """AIRFLOW_* settings for the standalone components (set in ``os.environ`` by ``main``)."""
    s = _persistent(home)
    pw_file = home / "simple_auth_manager_passwords.json"
    pw_file.write_text(json.dumps({ADMIN: s["admin_password"]}))
    pw_file.chmod(0o600)
    url = f"http://{host}:{port}"
    return {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",   # standalone spawns `airflow` from PATH
        "PYTHONPATH": os.pathsep.join(p for p in (str(settings.REPO_ROOT), os.environ.get("PYTHONPATH")) if p),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(settings.REPO_ROOT / "plugins"),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",      # we unpause after triggering the first runs
        "AIRFLOW__CORE__FERNET_KEY": s["fernet_key"],
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(pw_file),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{url}/execution/",
        "AIRFLOW__CORE__PARALLELISM": os.environ.get("AIRFLOW__CORE__PARALLELISM", "8"),
        "AIRFLOW__API__HOST": host,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": url,
        "AIRFLOW__API__WORKERS": os.environ.get("AIRFLOW__API__WORKERS", "1"),
        "AIRFLOW__API__SECRET_KEY": s["api_secret_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": s["jwt_secret"],
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        "no_proxy": "127.0.0.1,localhost,127.0.0.0/8",
    }


class Api:
    """Minimal bounded client of the Airflow REST API (``/api/v2``, JWT from ``/auth/token``)."""

    def __init__(self, url: str, password: str) -> None:
        self.url, self.password, self._token = url, password, ""

    def token(self) -> str:
        if not self._token:
            r = requests.post(f"{self.url}/auth/token", json={"username": ADMIN, "password": self.password},
                              timeout=HTTP_TIMEOUT_S)
            r.raise_for_status()
            self._token = r.json()["access_token"]
        return self._token

    def __call__(self, method: str, path: str, **kw: Any) -> Any:
        r = requests.request(method, f"{self.url}/api/v2{path}", timeout=HTTP_TIMEOUT_S,
                             headers={"Authorization": f"Bearer {self.token()}"}, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path} → {r.status_code}: {r.text[:300]}")
        return r.json() if r.content else None


def wait_for(what: str, check: Callable[[], Any], timeout: float, alive: Callable[[], None],
             interval: float = 1.0) -> Any:
    """Poll ``check`` (exceptions count as 'not yet') until truthy; TimeoutError after ``timeout`` s."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        alive()
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - keep polling; reported on timeout
            last = exc
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}" + (f" (last error: {last!r})" if last else ""))


def first_runs(api: Api, crawl_ids: list[str]) -> list[str]:
    """Unpause ``warehouse``; trigger every crawl DAG that never ran (at the logical date the scheduler
    would use next, so unpausing adds no second run), then unpause it. Returns the DAGs triggered."""
    api("PATCH", "/dags/warehouse", json={"is_paused": False})
    triggered = []
    for dag_id in crawl_ids:
        runs = api("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 1})["total_entries"]
        if not runs:
            nxt = api("GET", f"/dags/{dag_id}").get("next_dagrun_logical_date")
            api("POST", f"/dags/{dag_id}/dagRuns",
                json={"logical_date": nxt, "conf": {}, "note": "first crawl (scripts/airflow.sh)"})
            triggered.append(dag_id)
        api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
    return triggered


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


def session_groups(sid: int) -> set[int]:
    """Process groups with a live (not zombie) member in session ``sid`` (Linux ``/proc/<pid>/stat``).

    ``airflow standalone`` leads its own session (started with ``start_new_session``); Airflow 3's
    supervisor runs each task in a process group of its own within that session, and a task's
    children (a ``dbt build``, its forked workers) stay in the task's group. So the session, not the
    standalone's group, holds everything to stop, even a task group whose supervisor already died."""
    groups = set()
    # /proc read directly: psutil exposes no session id
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):  # gone meanwhile
                stat = Path(f"/proc/{entry}/stat").read_text()
                # pid (comm) state ppid pgrp session … (proc(5)); comm may hold spaces or parens
                state, _ppid, group, session = stat[stat.rindex(")") + 2:].split()[:4]
                if int(session) == sid and state != "Z":  # a zombie is dead, only not yet reaped
                    groups.add(int(group))
    return groups


def stop_group(proc: subprocess.Popen, grace: float = STOP_GRACE_S) -> None:
    """SIGTERM every process group of the session led by ``proc`` (standalone, every component,
    every task's group with its ``dbt build``: ``session_groups``), then SIGKILL whatever is left
    after ``grace`` seconds. The groups are looked up again at each step and while waiting, so a
    group a task made during the grace period is reached too."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        signalled: set[int] = set()
        deadline = time.monotonic() + wait
        while True:
            proc.poll()
            groups = session_groups(proc.pid)
            if not groups:
                return
            for group in groups - signalled:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(group, sig)
            signalled |= groups
            if time.monotonic() >= deadline:
                break
            time.sleep(0.3)


def _interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of ``scripts/airflow.sh``; returns the exit code (0 after Ctrl-C)."""
    ap = argparse.ArgumentParser(prog="scripts/airflow.sh", description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=int(os.environ.get("WP_AIRFLOW_PORT", "8080")),
                    help="api-server/UI port (env WP_AIRFLOW_PORT, default 8080)")
    ap.add_argument("--host", default="127.0.0.1", help="address the UI listens on (default loopback only)")
    ap.add_argument("--no-trigger", action="store_true", help="do not trigger first crawls or unpause the DAGs")
    args = ap.parse_args(argv)
    # SIGINT too, explicitly: a process started with SIGINT ignored (a background job of a
    # non-interactive shell, some CI runners) gets no KeyboardInterrupt from Python by default.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)

    if _port_in_use(args.host, args.port):
        say(f"error: {args.host}:{args.port} is already in use (another Airflow?); choose --port N")
        return 2
    home = airflow_env.configure()
    os.environ.update(environment(home, args.port, args.host))
    password = _persistent(home)["admin_password"]
    say(f"AIRFLOW_HOME={home}")
    url = os.environ["AIRFLOW__API__BASE_URL"]
    log_path = home / "standalone.log"
    proc: Optional[subprocess.Popen] = None
    from extract.runner import sample_port, sample_portals

    sample = settings.sources_profile() == "sample"
    if sample:  # the port is part of the start URLs the DAGs are parsed with: fix it before Airflow starts
        os.environ["WP_SAMPLE_PORT"] = str(sample_port())
    try:
        with open(log_path, "ab") as fh:
            proc = subprocess.Popen([str(BIN / "airflow"), "standalone"], stdout=fh, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True, cwd=settings.REPO_ROOT)
        say(f"airflow standalone pid {proc.pid} (scheduler, dag-processor, triggerer, api-server); log {log_path}")
        # Build and serve the sample sites while Airflow boots (no crawl is triggered before both are up).
        with (sample_portals() if sample else contextlib.nullcontext()):
            if sample:
                say(f"sample portals on 127.0.0.11-13 port {os.environ['WP_SAMPLE_PORT']}")

            def alive() -> None:
                if proc.poll() is not None:
                    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
                    raise RuntimeError(f"airflow standalone exited with {proc.returncode}:\n{tail}")

            wait_for("the api-server", lambda: requests.get(f"{url}/api/v2/monitor/health", timeout=5).ok,
                     UP_TIMEOUT_S, alive)
            # `airflow standalone` migrated the database before starting the api-server; the pools must
            # exist before the first task is queued (DAGs are still paused).
            say(f"pools: {', '.join(airflow_env.ensure_pools())}")
            api = Api(url, password)
            from extract.sources import load_portals

            crawl_ids = sorted(f"crawl_{p.id}" for p in load_portals())

            def parsed() -> bool:
                dags = {d["dag_id"] for d in api("GET", "/dags", params={"limit": 100})["dags"]}
                return set(crawl_ids) | {"warehouse"} <= dags

            wait_for(f"the dag-processor to parse {', '.join(crawl_ids)}, warehouse", parsed, UP_TIMEOUT_S, alive, 2.0)
            if not args.no_trigger:
                triggered = first_runs(api, crawl_ids)
                say(f"unpaused warehouse and {', '.join(crawl_ids)}; first crawl triggered for: "
                    f"{', '.join(triggered) or 'none (every crawl DAG has run before)'}")
            say("")
            say(f"Airflow UI: {url}   login: {ADMIN} / {password}")
            say(f"Report, Data Docs, quarantine and lineage: {url}{settings.UI_PREFIX}/ (also under Browse)")
            say("Ctrl-C stops everything.")
            while True:
                alive()
                time.sleep(2)
    except KeyboardInterrupt:
        say("stopping")
        return 0
    except (RuntimeError, TimeoutError) as exc:
        say(f"error: {exc}")
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # a second Ctrl-C must not cut the cleanup short
        if proc is not None:
            stop_group(proc)
            say(f"stopped airflow standalone (process group {proc.pid})")


if __name__ == "__main__":
    sys.exit(main())
