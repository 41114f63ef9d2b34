"""docker-compose.yml, Dockerfile and .env.example, checked statically (no Docker engine here),
plus the compose sample-portals launcher run for real on loopback.

``docker compose config`` runs when the compose CLI plugin is installed; otherwise that
one test is skipped with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                    "airflow-worker")
SECRET_KEY_RE = re.compile(r"PASSWORD|SECRET|FERNET|JWT|TOKEN|_KEY$|REQUIREPASS|REDISCLI_AUTH")
REQUIRED_REF_RE = re.compile(r"^\$\{[A-Z0-9_]+:\?[^}]*\}$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    out = {}
    for ln in (REPO / ".env.example").read_text(encoding="utf-8").splitlines():
        if ln.strip() and not ln.lstrip().startswith("#"):
            k, _, v = ln.partition("=")
            out[k.strip()] = v.strip()
    return out


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    return {k: str(v) for k, v in env.items()}


def test_services_present(compose) -> None:
    services = set(compose["services"])
    assert {"postgres", "redis", "airflow-init", "sample-portals", *AIRFLOW_SERVICES} <= services


def test_workers_are_scalable(compose) -> None:
    worker = compose["services"]["airflow-worker"]
    assert "container_name" not in worker, "container_name would make --scale airflow-worker=N fail"
    assert "ports" not in worker, "published ports would collide between replicas"
    assert worker["command"][:3] == ["airflow", "celery", "worker"]
    for name, svc in compose["services"].items():
        assert "container_name" not in svc, f"{name}: no fixed container names"


def test_every_secret_comes_from_env_file(compose, env_example) -> None:
    """No literal password/key anywhere: every secret-like value is a required ${VAR:?} reference,
    and credentials inside URLs too."""
    text = "\n".join(ln for ln in COMPOSE.read_text(encoding="utf-8").splitlines()
                     if not ln.lstrip().startswith("#"))
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", text))
    for name, svc in compose["services"].items():
        for key, value in _env(svc).items():
            if SECRET_KEY_RE.search(key) and not key.endswith("_FILE"):
                assert REQUIRED_REF_RE.match(value), f"{name}.{key} must be a required ${{VAR:?}} reference: {value}"
            for m in re.finditer(r"://([^@/\s]*)@", value):  # user:password@host
                creds = m.group(1)
                password = creds.split(":", 1)[1] if ":" in creds else ""
                assert REQUIRED_REF_RE.match(password), f"{name}.{key}: password in URL must come from .env"
    # the required variables are documented in .env.example, secrets with a placeholder only
    assert required <= set(env_example), required - set(env_example)
    for k in required:
        if SECRET_KEY_RE.search(k):
            assert env_example[k] == "CHANGE_ME", f".env.example must not carry a real {k}"
    assert {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_API_SECRET_KEY",
            "AIRFLOW_JWT_SECRET", "AIRFLOW_ADMIN_PASSWORD"} <= required


def test_env_file_is_never_committed_nor_sent_to_docker() -> None:
    assert ".env" in (REPO / ".gitignore").read_text().split()
    dockerignore = (REPO / ".dockerignore").read_text().split()
    assert ".env" in dockerignore and "var" in dockerignore and ".venv" in dockerignore
    tracked = subprocess.run(["git", "ls-files", ".env"], cwd=REPO, capture_output=True, text=True, check=True, timeout=30).stdout
    assert tracked.strip() == ""


def test_airflow_services_share_config_volumes_and_wait_for_init(compose) -> None:
    from extract import settings

    for name in AIRFLOW_SERVICES:
        svc = compose["services"][name]
        env = _env(svc)
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
        assert env["WP_VAR_DIR"] == "/opt/airflow/var"
        mounts = {v.split(":")[1]: v.split(":")[0] for v in svc["volumes"]}
        var = env["WP_VAR_DIR"]
        # the volumes sit where extract.settings puts warehouse, archive and publish under WP_VAR_DIR
        for sub, vol in (("warehouse", "warehouse"), ("archive", "archive"), ("publish", "publish")):
            assert mounts.get(f"{var}/{sub}") == vol, (name, sub)
        assert mounts.get(var) == "var" and mounts.get("/opt/airflow/logs") == "airflow-logs"
        assert svc["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
        assert svc["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "healthcheck" in svc, name
    assert settings.warehouse_path().relative_to(settings.var_dir()) == Path("warehouse/workplans.duckdb")
    assert set(compose["volumes"]) >= {"warehouse", "archive", "publish", "airflow-logs", "postgres-data", "var"}


def test_init_migrates_and_creates_pools(compose) -> None:
    init = compose["services"]["airflow-init"]
    script = "\n".join(init["command"])
    assert "airflow db migrate" in script and "ensure_pools()" in script
    assert init["restart"] == "no"
    assert "airflow-init" not in init.get("depends_on", {})


def test_dockerfile_builds_from_the_lock_file() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    assert "antiword" in text and "libreoffice-writer-nogui" in text
    assert "uv pip sync --system" in text and "requirements.lock" in text
    assert re.search(r"pip install .*-e \.", text)
    assert re.search(r"^USER 50000", text, re.M), "runs as a non-root user"
    assert "COPY . " not in text, "copy only what the image needs"


def test_compose_sources_profile_matches_sample_and_the_portal_service(compose, monkeypatch) -> None:
    """config/sources.compose.yml = the sample profile with compose addresses; each host is a DNS
    alias of the sample-portals service, each port one it serves."""
    sample = yaml.safe_load((REPO / "config/sources.sample.yml").read_text(encoding="utf-8"))
    comp = yaml.safe_load((REPO / "config/sources.compose.yml").read_text(encoding="utf-8"))
    assert sample["defaults"] == comp["defaults"]
    strip = lambda p: {k: v for k, v in p.items() if k not in ("start_urls", "allowed_hosts")}  # noqa: E731
    assert [strip(p) for p in sample["portals"]] == [strip(p) for p in comp["portals"]]

    svc = compose["services"]["sample-portals"]
    aliases = set(svc["networks"]["default"]["aliases"])
    ports = dict(p.split("=") for p in _env(svc)["WP_PORTALS_PORTS"].split(","))
    for p in comp["portals"]:
        u = urlsplit(p["start_urls"][0])
        assert u.hostname in aliases and p["allowed_hosts"] == [u.hostname]
        assert ports[p["id"]] == str(u.port)
        # same page paths as the sample profile
        sp = next(s for s in sample["portals"] if s["id"] == p["id"])
        assert urlsplit(sp["start_urls"][0]).path == u.path

    monkeypatch.setenv("WP_SOURCES_PROFILE", "compose")
    from extract.orchestration import host_pool
    from extract.sources import load_portals

    assert sorted(host_pool(p) for p in load_portals()) == [
        "host_jiading_portals_test", "host_pudong_portals_test", "host_shsamr_portals_test"]


def test_compose_sample_portals_launcher_serves_every_portal(compose, tmp_path) -> None:
    """Run the sample-portals service command for real (bound to 127.0.0.1, free ports)."""
    from tests.deploy.cluster import free_port

    svc = compose["services"]["sample-portals"]
    assert svc["command"][:2] == ["python", "-c"]
    comp = yaml.safe_load((REPO / "config/sources.compose.yml").read_text(encoding="utf-8"))
    ports = {p["id"]: free_port() for p in comp["portals"]}
    env = {**os.environ, **_env(svc), "WP_PORTALS_BIND": "127.0.0.1",
           "WP_PORTALS_PORTS": ",".join(f"{k}={v}" for k, v in ports.items()),
           "WP_SAMPLE_BUILD_DIR": str(tmp_path / "sample"), "PYTHONPATH": str(REPO),
           "NO_PROXY": "127.0.0.1,localhost"}
    log = open(tmp_path / "launcher.log", "wb")  # noqa: SIM115 - the launcher's stdout, closed below
    proc = subprocess.Popen([sys.executable, *svc["command"][1:]], env=env, cwd=REPO, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        from extract.crawl.portals import get_adapter

        # the first list request each portal's crawl makes (a GET of a page, or a POST to a list API)
        pending = {}
        for p in comp["portals"]:
            url = f"http://127.0.0.1:{ports[p['id']]}{urlsplit(p['start_urls'][0]).path}"
            pending[p["id"]] = get_adapter(p["platform"]).list_request(
                url, 1, p.get("list_params"))
        while pending and time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "launcher.log").read_text()[-3000:]
            for pid, req in list(pending.items()):
                try:
                    r = (requests.get(req.url, timeout=5) if req.json_body is None
                         else requests.post(req.url, json=req.json_body, timeout=5))
                except requests.ConnectionError:
                    continue
                body_ok = "<html" in r.text.lower() if req.json_body is None else isinstance(r.json(), dict)
                assert r.status_code == 200 and body_ok, (req.url, r.status_code)
                del pending[pid]
            time.sleep(0.5)
        assert not pending, f"not served within the bound: {pending}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
    assert proc.returncode == 0, (tmp_path / "launcher.log").read_text()[-3000:]


def test_docker_compose_config_validates(tmp_path) -> None:
    docker = shutil.which("docker")
    if not docker:
        pytest.skip("docker CLI not installed")
    if subprocess.run([docker, "compose", "version"], check=False, capture_output=True, timeout=30).returncode != 0:
        pytest.skip("docker CLI present but the compose plugin is not installed (`docker compose` unknown)")
    env_file = tmp_path / ".env"
    env_file.write_text((REPO / ".env.example").read_text().replace("CHANGE_ME", "test-only-value"))
    proc = subprocess.run([docker, "compose", "-f", str(COMPOSE), "--env-file", str(env_file), "config", "--quiet"],
                          check=False, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    # and it refuses to render without the secrets
    bare = subprocess.run([docker, "compose", "-f", str(COMPOSE), "--env-file", os.devnull, "config", "--quiet"],
                          check=False, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert bare.returncode != 0 and "POSTGRES_PASSWORD" in bare.stderr + bare.stdout
