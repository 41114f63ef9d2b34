"""Alerts for failed tasks and late DAG runs, sent to a notifier chosen by environment.

``WP_ALERT_TARGET``: ``log`` (default: JSON lines in ``var/alerts.log``, or
``WP_ALERT_LOG``), ``webhook`` (POST JSON to ``WP_ALERT_WEBHOOK_URL``) or ``smtp``
(``WP_ALERT_SMTP_HOST``/``_PORT``, ``WP_ALERT_EMAIL_FROM``/``_TO``).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

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
    except Exception:  # noqa: BLE001 - an alert must never break the task that failed
        log.exception("could not deliver alert %s", alert)


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
        "error": f"{type(exc).__name__}: {exc}" if exc else None,
    })
