"""Alerts for failed tasks and late DAG runs, sent to a notifier chosen by environment.

``WP_ALERT_TARGET``: ``log`` (default: JSON lines in ``var/alerts.log``, or
``WP_ALERT_LOG``), ``webhook`` (POST JSON to ``WP_ALERT_WEBHOOK_URL``) or ``smtp``
(``WP_ALERT_SMTP_HOST``/``_PORT``, ``WP_ALERT_EMAIL_FROM``/``_TO``).

Two kinds of alert, one record each:

* ``task_failed`` — ``task_failure_alert``, the ``on_failure_callback`` of every task
  (``DEFAULT_ARGS``); it runs once per task instance that fails for good (not on retries).
* ``dag_run_late`` — ``dag_run_deadline_missed``, the callback of the DAG run Deadline
  Alert (``extract/run_deadlines.py``). The scheduler marks the deadline missed and the
  triggerer awaits the callback with the run's context.

Nothing here imports Airflow at module level: the module is imported by DAG files.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from extract import settings

log = logging.getLogger(__name__)


def alert_log_path() -> Path:
    return Path(os.environ.get("WP_ALERT_LOG") or settings.var_dir() / "alerts.log")


def send_alert(alert: dict[str, Any]) -> None:
    """Deliver one alert to the configured target; delivery problems are logged, not raised."""
    alert = {"sent_at": datetime.now(timezone.utc).isoformat(), **alert}
    target = os.environ.get("WP_ALERT_TARGET", "log")
    try:
        if target == "webhook":
            import requests

            requests.post(os.environ["WP_ALERT_WEBHOOK_URL"], json=alert, timeout=10).raise_for_status()
        elif target == "smtp":
            import smtplib
            from email.message import EmailMessage

            msg = EmailMessage()
            msg["Subject"] = f"[workplans] {alert['kind']}: {alert.get('dag_id')} {alert.get('task_id') or ''}"
            msg["From"] = os.environ.get("WP_ALERT_EMAIL_FROM", "workplans@localhost")
            msg["To"] = os.environ["WP_ALERT_EMAIL_TO"]
            msg.set_content(json.dumps(alert, ensure_ascii=False, indent=2))
            with smtplib.SMTP(os.environ.get("WP_ALERT_SMTP_HOST", "localhost"),
                              int(os.environ.get("WP_ALERT_SMTP_PORT", "25")), timeout=10) as smtp:
                smtp.send_message(msg)
        else:
            path = alert_log_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(alert, ensure_ascii=False, default=str) + "\n")
    except Exception:  # an alert must never break the task that failed (logged)
        log.exception("could not deliver alert %s", alert)


def api_base_url() -> str:
    """The Airflow UI/API base URL used in links (``[api] base_url``)."""
    try:
        from airflow.configuration import conf

        return str(conf.get("api", "base_url", fallback="http://localhost:8080/"))
    except Exception:  # noqa: BLE001 - links are best effort
        return os.environ.get("AIRFLOW__API__BASE_URL", "http://localhost:8080/")


def dag_run_url(dag_id: str | None, run_id: str | None) -> str | None:
    """UI page of one DAG run (its task logs are one click away)."""
    if not dag_id or not run_id:
        return None
    return f"{api_base_url().rstrip('/')}/dags/{dag_id}/runs/{quote(run_id, safe='')}"


def task_failure_alert(context: dict[str, Any]) -> None:
    """on_failure_callback: one alert per failed task instance, with its log URL."""
    ti = context.get("task_instance") or context.get("ti")
    exc = context.get("exception")
    send_alert({
        "kind": "task_failed",
        "dag_id": getattr(ti, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "map_index": getattr(ti, "map_index", None),
        "run_id": context.get("run_id"),
        "try_number": getattr(ti, "try_number", None),
        "log_url": getattr(ti, "log_url", None),
        "run_url": dag_run_url(getattr(ti, "dag_id", None), context.get("run_id")),
        "error": f"{type(exc).__name__}: {exc}" if exc else None,
    })


def deadline_missed_alert(context: dict[str, Any] | None = None, *, interval_s: float | None = None,
                          reference: str | None = None) -> dict[str, Any]:
    """Build and send the ``dag_run_late`` alert from a Deadline callback context.

    The context the scheduler passes is ``{"dag_run": <DAGRunResponse as JSON>,
    "deadline": {"id", "deadline_time"}}``.
    """
    ctx = context or {}
    dr = ctx.get("dag_run") or {}
    dl = ctx.get("deadline") or {}
    dag_id = dr.get("dag_id")
    run_id = dr.get("dag_run_id") or dr.get("run_id")
    url = dag_run_url(dag_id, run_id)
    alert = {
        "kind": "dag_run_late",
        "dag_id": dag_id,
        "task_id": None,
        "run_id": run_id,
        "run_state": dr.get("state"),
        "queued_at": dr.get("queued_at"),
        "start_date": dr.get("start_date"),
        "deadline_time": str(dl["deadline_time"]) if dl.get("deadline_time") is not None else None,
        "deadline_id": dl.get("id"),
        "reference": reference,
        "interval_s": interval_s,
        "log_url": url,
        "run_url": url,
    }
    send_alert(alert)
    return alert


async def dag_run_deadline_missed(context: dict[str, Any] | None = None, **kwargs: Any) -> str:
    """AsyncCallback of the DAG run Deadline Alert (awaited in the triggerer).

    Delivery is blocking I/O (file, HTTP, SMTP), so it runs in a worker thread and never
    stalls the triggerer's event loop.
    """
    import asyncio

    alert = await asyncio.to_thread(deadline_missed_alert, context, **kwargs)
    return f"dag_run_late alert sent for {alert['dag_id']} {alert['run_id']}"
