"""A real Airflow cluster on loopback, without Docker: PostgreSQL, Redis, api-server,
scheduler, dag-processor, triggerer and one Celery worker as separate processes.

Used by ``tests/deploy/test_cluster.py``; also runnable by hand to poke at a live
cluster: ``.venv/bin/python -m tests.deploy.cluster --keep`` (Ctrl-C stops it all).

Every process started here is recorded by pid and stopped by pid (its own process
group: SIGTERM, then SIGKILL after a bound). PostgreSQL is started and stopped with
``pg_ctl`` on its own temporary data directory. Nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import requests

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AIRFLOW = str(BIN / "airflow")


def log(msg: str) -> None:
    print(f"[cluster {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check: Callable[[], Any], timeout: float, interval: float = 1.0,
             alive: Optional[Callable[[], None]] = None) -> Any:
    """Poll ``check`` until it returns a truthy value; bounded by ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last_exc: Optional[BaseException] = None
    while time.monotonic() < deadline:
        if alive:
            alive()
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - keep polling, report the last error on timeout
            last_exc = exc
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}" + (f" (last error: {last_exc!r})" if last_exc else ""))


# --------------------------------------------------------------------------- OS packages
def _apt_install(*packages: str) -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError(f"{' '.join(packages)} missing and cannot apt-get install (not root or no apt)")
    log(f"apt-get install {' '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, capture_output=True, timeout=300)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env, check=True, capture_output=True,
                   timeout=600)


def postgres_bin_dir() -> Path:
    """Directory with initdb/pg_ctl/postgres: PATH, else Debian's /usr/lib/postgresql/<v>/bin, else apt."""
    for attempt in range(2):
        on_path = shutil.which("pg_ctl")
        if on_path and (Path(on_path).resolve().parent / "initdb").exists():
            return Path(on_path).resolve().parent  # e.g. /usr/local/bin/pg_ctl -> /usr/lib/postgresql/15/bin
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
        if found:
            return Path(found[-1]).parent
        if attempt == 0:
            _apt_install("postgresql")
    raise RuntimeError("PostgreSQL binaries not found after apt-get install postgresql")


def redis_server_bin() -> str:
    if not shutil.which("redis-server"):
        _apt_install("redis-server")
    path = shutil.which("redis-server")
    if not path:
        raise RuntimeError("redis-server not found after apt-get install redis-server")
    return path


# --------------------------------------------------------------------------- processes
@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log_path: Path


@dataclass
class Cluster:
    root: Path                                   # everything lives under here (removed by the caller)
    portal_hosts: tuple[str, ...] = ("127.0.0.11", "127.0.0.12", "127.0.0.13")
    procs: list[Proc] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    pg_bin: Optional[Path] = None
    pg_data: Optional[Path] = None
    pg_started: bool = False
    api_url: str = ""
    admin_password: str = ""
    _token: Optional[str] = None

    @property
    def home(self) -> Path:
        return self.root / "airflow_home"

    @property
    def var(self) -> Path:
        return self.root / "var"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    # ------------------------------------------------------------------ low level
    def _as_pg(self, cmd: list[str]) -> list[str]:
        return [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd

    def start(self, name: str, cmd: list[str]) -> Proc:
        """Start a long-running process in its own process group, output to logs/<name>.log."""
        self.logs.mkdir(parents=True, exist_ok=True)
        path = self.logs / f"{name}.log"
        fh = open(path, "ab")  # noqa: SIM115 - inherited by the child, closed below
        popen = subprocess.Popen(cmd, env=self.env or None, cwd=REPO, stdout=fh, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        fh.close()
        proc = Proc(name, popen, path)
        self.procs.append(proc)
        log(f"started {name} pid={popen.pid}")
        return proc

    def check_alive(self) -> None:
        for p in self.procs:
            if p.popen.poll() is not None:
                raise RuntimeError(f"{p.name} (pid {p.popen.pid}) exited with {p.popen.returncode}:\n"
                                   + tail(p.log_path, 60))

    def run(self, cmd: list[str], timeout: float = 300, what: str = "") -> subprocess.CompletedProcess:
        t0 = time.monotonic()
        proc = subprocess.run(cmd, env=self.env or None, cwd=REPO if "runuser" not in cmd[0] else "/", check=False,
                              capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"{what or cmd} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        log(f"{what or ' '.join(cmd[:3])}: ok in {time.monotonic() - t0:.1f}s")
        return proc

    def stop_all(self, grace: float = 20.0) -> None:
        """SIGTERM every started process group (newest first), SIGKILL what is left after ``grace``."""
        for p in reversed(self.procs):
            if p.popen.poll() is None:
                try:
                    os.killpg(p.popen.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for p in reversed(self.procs):
            try:
                p.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            # The group may hold children (celery pool, uvicorn workers, task processes).
            try:
                os.killpg(p.popen.pid, signal.SIGKILL)
                log(f"SIGKILL group of {p.name} pid={p.popen.pid}")
            except (ProcessLookupError, PermissionError):
                pass
            try:
                p.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                log(f"WARNING: {p.name} pid={p.popen.pid} did not exit")
        self.procs.clear()
        self.stop_postgres()

    # ------------------------------------------------------------------ services
    def start_postgres(self) -> str:
        """initdb + pg_ctl start on 127.0.0.1:<free port>; returns the SQLAlchemy URL (password auth)."""
        self.pg_bin = postgres_bin_dir()
        pg_root = Path(tempfile.mkdtemp(prefix="wp-pg-", dir=self.root))
        self.pg_data = pg_root / "data"
        password = secrets.token_urlsafe(18)
        pwfile = pg_root / "pw"
        pwfile.write_text(password + "\n")
        if os.geteuid() == 0:
            os.chmod(self.root, 0o755)
            shutil.chown(pg_root, "postgres")
            shutil.chown(pwfile, "postgres")
        port = free_port()
        self.run(self._as_pg([str(self.pg_bin / "initdb"), "-D", str(self.pg_data), "-U", "airflow",
                              "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--no-locale"]),
                 what="initdb")
        opts = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={pg_root} "
                "-c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self.run(self._as_pg([str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_data), "-l", str(pg_root / "pg.log"),
                              "-o", opts, "-w", "-t", "60", "start"]), timeout=90, what="pg_ctl start")
        self.pg_started = True
        env = {**(self.env or os.environ), "PGPASSWORD": password}
        subprocess.run([str(self.pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "airflow",
                        "airflow"], env=env, check=True, capture_output=True, timeout=60)
        log(f"postgres {self.pg_bin.parent.name} on 127.0.0.1:{port}")
        return f"airflow:{password}@127.0.0.1:{port}/airflow"

    def stop_postgres(self) -> None:
        if self.pg_started and self.pg_bin and self.pg_data:
            subprocess.run(self._as_pg([str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_data), "-m", "fast",
                                        "-w", "-t", "30", "stop"]), check=False, capture_output=True, timeout=60, cwd="/")
            pidfile = self.pg_data / "postmaster.pid"
            if pidfile.exists():  # still up: kill the postmaster we started (pid from its own pid file)
                try:
                    os.kill(int(pidfile.read_text().split()[0]), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            self.pg_started = False

    def start_redis(self) -> str:
        port = free_port()
        (self.root / "redis").mkdir(exist_ok=True)
        self.start("redis", [redis_server_bin(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(self.root / "redis"), "--protected-mode", "yes"])

        def ping() -> bool:
            import redis

            return bool(redis.Redis(host="127.0.0.1", port=port, socket_timeout=2).ping())

        wait_for("redis", ping, 30, 0.3, self.check_alive)
        log(f"redis on 127.0.0.1:{port}")
        return f"redis://127.0.0.1:{port}/0"

    def configure(self, pg: str, broker: str, sample_port: int, extra: Optional[dict[str, str]] = None) -> None:
        api_port = free_port()
        self.api_url = f"http://127.0.0.1:{api_port}"
        self.admin_password = secrets.token_urlsafe(16)
        self.home.mkdir(parents=True, exist_ok=True)
        self.var.mkdir(parents=True, exist_ok=True)
        pw_file = self.home / "simple_auth_manager_passwords.json"
        pw_file.write_text(json.dumps({"admin": self.admin_password}))
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "WP_", "_AIRFLOW"))}
        self.env = {
            **base,
            "PYTHONPATH": str(REPO),
            "PATH": f"{BIN}:{base.get('PATH', '')}",
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__FERNET_KEY": _fernet_key(),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(pw_file),
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "60",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{pg}",
            "AIRFLOW__CELERY__BROKER_URL": broker,
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://{pg}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "4",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__BASE_URL": self.api_url,
            "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
            "AIRFLOW__API__WORKERS": "2",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
            "AIRFLOW__OPENLINEAGE__NAMESPACE": "workplans",
            "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps({"type": "file", "append": True,
                                                            "log_file_path": str(self.var / "openlineage" / "events.jsonl")}),
            "WP_VAR_DIR": str(self.var),
            "WP_SAMPLE_PORT": str(sample_port),
            "WP_ALERT_TARGET": "log",
            "WP_ALERT_LOG": str(self.var / "alerts.log"),
            "GX_ANALYTICS_ENABLED": "False",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "NO_PROXY": "127.0.0.1,localhost,127.0.0.0/8",
            "no_proxy": "127.0.0.1,localhost,127.0.0.0/8",
            **(extra or {}),
        }
        (self.var / "openlineage").mkdir(parents=True, exist_ok=True)

    def migrate_and_pools(self) -> None:
        self.run([AIRFLOW, "db", "migrate"], timeout=600, what="airflow db migrate (postgres)")
        out = self.run([sys.executable, "-c", "from extract.airflow_env import ensure_pools; print(','.join(ensure_pools()))"],
                       timeout=120, what="ensure_pools")
        log(f"pools: {out.stdout.strip().splitlines()[-1]}")

    def start_sample_portals(self, port: int) -> None:
        self.start("sample_portals", [sys.executable, "-m", "sample_portals.server",
                                      "--build-dir", str(self.var / "sample_portals"), "--port", str(port)])

        def listed() -> bool:
            return all(requests.get(f"http://{h}:{port}/robots.txt", timeout=3).status_code in (200, 404)
                       for h in self.portal_hosts)

        wait_for("sample portals", listed, 240, 1.0, self.check_alive)
        log(f"sample portals on {', '.join(self.portal_hosts)} port {port}")

    def start_airflow(self) -> None:
        self.start("api-server", [AIRFLOW, "api-server", "--host", "127.0.0.1", "--port", self.env["AIRFLOW__API__PORT"],
                                  "--workers", "2"])
        self.start("scheduler", [AIRFLOW, "scheduler"])
        self.start("dag-processor", [AIRFLOW, "dag-processor"])
        self.start("triggerer", [AIRFLOW, "triggerer"])
        self.start("celery-worker", [AIRFLOW, "celery", "worker", "--concurrency", "4",
                                     "--celery-hostname", f"cluster-test-{os.getpid()}@%h"])
        wait_for("api-server health", lambda: requests.get(f"{self.api_url}/api/v2/monitor/health", timeout=5).ok,
                 180, 1.0, self.check_alive)
        log(f"api-server up at {self.api_url}")

    # ------------------------------------------------------------------ REST API
    def token(self) -> str:
        if not self._token:
            r = requests.post(f"{self.api_url}/auth/token", json={"username": "admin", "password": self.admin_password},
                              timeout=10)
            r.raise_for_status()
            self._token = r.json()["access_token"]
        return self._token

    def api(self, method: str, path: str, **kw: Any) -> Any:
        r = requests.request(method, f"{self.api_url}/api/v2{path}", timeout=30,
                             headers={"Authorization": f"Bearer {self.token()}"}, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path} → {r.status_code}: {r.text[:500]}")
        return r.json() if r.content else None

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return self.api("GET", f"/dags/{dag_id}/dagRuns", params={"order_by": "run_after", "limit": 100})["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        from urllib.parse import quote

        return self.api("GET", f"/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances",
                        params={"limit": 1000})["task_instances"]

    def wait_run(self, dag_id: str, run_id: str, timeout: float) -> dict[str, Any]:
        """Wait (bounded) for a run to reach success/failed; returns the run."""
        t0 = time.monotonic()
        last = [""]

        def done() -> Optional[dict[str, Any]]:
            run = next(r for r in self.runs(dag_id) if r["dag_run_id"] == run_id)
            tis = self.task_instances(dag_id, run_id)
            summary = ",".join(sorted(f"{k}={v}" for k, v in _count(t["state"] for t in tis).items()))
            if summary != last[0]:
                log(f"{dag_id} {run['state']} after {time.monotonic() - t0:.0f}s: {summary}")
                last[0] = summary
            return run if run["state"] in ("success", "failed") else None

        return wait_for(f"{dag_id} run {run_id}", done, timeout, 3.0, self.check_alive)

    def failed_task_logs(self, dag_id: str, run_id: str, lines: int = 40) -> str:
        """Tails of the local log files of every failed/upstream_failed task instance of a run."""
        out = []
        for ti in self.task_instances(dag_id, run_id):
            if ti["state"] not in ("failed", "up_for_retry"):
                continue
            mi = ti.get("map_index", -1)
            pattern = str(self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={ti['task_id']}"
                          / (f"map_index={mi}" if mi is not None and mi >= 0 else "") / "attempt=*.log")
            files = sorted(glob.glob(pattern.replace("//", "/")))
            out.append(f"--- {dag_id}.{ti['task_id']}[{mi}] {ti['state']} ({files[-1] if files else 'no log file'})")
            if files:
                out.append(_log_excerpt(Path(files[-1]), lines))
        return "\n".join(out)


def _count(items: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for i in items:
        counts[str(i)] = counts.get(str(i), 0) + 1
    return counts


def _fernet_key() -> str:
    import base64

    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"<{exc}>"


def _log_excerpt(path: Path, lines: int) -> str:
    """Task logs are JSON lines in Airflow 3: keep event/level/error text, last ``lines``."""
    rows = []
    for ln in path.read_text(errors="replace").splitlines():
        try:
            rec = json.loads(ln)
        except ValueError:
            rows.append(ln)
            continue
        msg = rec.get("event", "")
        if rec.get("error_detail"):
            det = rec["error_detail"]
            if isinstance(det, list) and det:
                d = det[-1]
                msg += f" | {d.get('exc_type')}: {d.get('exc_value')}"
                frames = d.get("frames") or []
                msg += "".join(f"\n      at {f.get('filename')}:{f.get('lineno')} {f.get('name')}" for f in frames[-4:])
        rows.append(f"{rec.get('level', '')[:5]:5} {msg}")
    return "\n".join(rows[-lines:])


def main() -> int:
    """Start the cluster by hand (``--keep`` holds it until Ctrl-C)."""
    import argparse

    from extract.runner import common_free_port

    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", action="store_true", help="leave the cluster running until Ctrl-C")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="wp-cluster-"))
    c = Cluster(root)
    try:
        pg = c.start_postgres()
        broker = c.start_redis()
        sample_port = common_free_port()
        c.configure(pg, broker, sample_port)
        c.migrate_and_pools()
        c.start_sample_portals(sample_port)
        c.start_airflow()
        print(f"UI: {c.api_url}  user admin  password {c.admin_password}\nroot: {root}", flush=True)
        if args.keep:
            while True:
                time.sleep(5)
                c.check_alive()
    except KeyboardInterrupt:
        pass
    finally:
        c.stop_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
