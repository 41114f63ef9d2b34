"""Airflow 3 UI plugin ``workplans``: the published report, Data Docs, quarantine list and lineage
reachable from the Airflow UI (menu "Browse"), served by the api-server under ``settings.UI_PREFIX``.

Every page requires an Airflow login (the UI's JWT cookie or a Bearer token, Airflow's own
``get_user`` dependency). Quarantine and lineage pages run the same CLI commands an operator
would (``python -m extract quarantine`` / ``lineage <task_id> --verify``) in a subprocess with a
timeout, so the api-server never holds the DuckDB file open. Files are read from the paths in
``extract.settings`` (``WP_PUBLISH_DIR``, ``WP_DATA_DOCS_DIR``) at request time.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

from airflow.api_fastapi.core_api.security import GetUserDep
from airflow.plugins_manager import AirflowPlugin
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

from extract import settings

COMMAND_TIMEOUT_S = 60
TASK_ID = re.compile(r"^[0-9a-f]{20}$")   # task_id = sha256(document_version_id | seq)[:20] (docs/ARCHITECTURE.md)
P = settings.UI_PREFIX

app = FastAPI(title="workplans", docs_url=None, redoc_url=None, openapi_url=None)


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
                        "<style>body{font-family:sans-serif;margin:1.5em}pre{white-space:pre-wrap}</style></head>"
                        f"<body><h2>{html.escape(title)}</h2>{body}</body></html>")


def _file(base: Path, rel: str, what: str, how: str) -> FileResponse:
    """A file below ``base`` (no escaping it); 404 saying what is missing and how to produce it."""
    path = (base / rel).resolve()
    if not path.is_relative_to(base.resolve()):
        raise HTTPException(404, f"{rel}: outside {what}")
    if not path.is_file():
        raise HTTPException(404, f"{what} not found at {path}: {how}")
    return FileResponse(path)


def _command(*args: str) -> tuple[int, str]:
    """Run ``python -m extract ARGS`` (bounded); exit code and combined output."""
    try:
        proc = subprocess.run([sys.executable, "-m", "extract", *args], check=False, capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT_S, cwd=settings.REPO_ROOT)
    except subprocess.TimeoutExpired:
        return 124, f"timed out after {COMMAND_TIMEOUT_S}s"
    return proc.returncode, proc.stdout + proc.stderr


@app.get("/", response_class=HTMLResponse)
def index(_user: GetUserDep) -> HTMLResponse:
    return _page("Work plans", (
        f"<ul><li><a href='{P}/report'>HTML report</a> (published copy)</li>"
        f"<li><a href='{P}/data-docs/index.html'>Great Expectations Data Docs</a></li>"
        f"<li><a href='{P}/quarantine'>Quarantined documents</a></li>"
        f"<li><form action='{P}/lineage' method='get'>Lineage of task_id <input name='task_id' size='24'> "
        "<button>trace</button></form></li></ul>"
        f"<p>Published copy for BI: <code>{html.escape(str(settings.publish_dir()))}</code></p>"))


@app.get("/report")
def report(_user: GetUserDep) -> FileResponse:
    return _file(settings.publish_dir(), "report.html", "the HTML report",
                 "it is written by the warehouse DAG's publish task")


@app.get("/data-docs/{rel:path}")
def data_docs(rel: str, _user: GetUserDep) -> FileResponse:
    return _file(settings.data_docs_dir(), rel or "index.html", "Data Docs",
                 "they are built by the warehouse DAG's publish task")


@app.get("/quarantine", response_class=HTMLResponse)
def quarantine(_user: GetUserDep) -> HTMLResponse:
    code, out = _command("quarantine")
    return _page("Quarantined documents", f"<p><code>python -m extract quarantine</code> (exit {code})</p>"
                 f"<pre>{html.escape(out)}</pre>")


@app.get("/lineage", response_class=HTMLResponse)
def lineage(task_id: str, _user: GetUserDep) -> HTMLResponse:
    if not TASK_ID.match(task_id):
        raise HTTPException(400, "task_id must be 20 hex digits (marts.fct_work_plan_tasks.task_id)")
    code, out = _command("lineage", task_id, "--verify")
    return _page(f"Lineage of task {task_id}", f"<p><code>python -m extract lineage {task_id} --verify</code> "
                 f"(exit {code})</p><pre>{html.escape(out)}</pre>")


def _view(name: str, href: str, route: str) -> dict[str, str]:
    return {"name": name, "href": href, "url_route": route, "destination": "nav", "category": "browse"}


class WorkplansPlugin(AirflowPlugin):
    """Registers the app under ``/workplans`` and its pages as Browse menu entries (shown in the UI in an iframe)."""

    name = "workplans"
    fastapi_apps = [{"app": app, "url_prefix": P, "name": "workplans"}]  # noqa: RUF012 - AirflowPlugin API
    external_views = [  # noqa: RUF012 - AirflowPlugin API
        _view("Work-plan report", f"{P}/report", "workplans-report"),
        _view("Data Docs", f"{P}/data-docs/index.html", "workplans-data-docs"),
        _view("Quarantine", f"{P}/quarantine", "workplans-quarantine"),
        _view("Lineage", f"{P}/", "workplans-lineage"),
    ]
