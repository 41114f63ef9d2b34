"""Deadline Alerts on DAG run time: a run still going ``interval`` after it was queued
sends one ``dag_run_late`` alert through ``extract.alerts`` (same notifier as task failures).

The scheduler evaluates deadlines and marks a missed one; the callback is an
``AsyncCallback`` that the triggerer awaits, so the alert fires while the run is
still stuck (it does not wait for the run to end). A run that ends before its
deadline has the deadline pruned: no alert.

Intervals: ``WP_DEADLINE_<KIND>_S`` (e.g. ``WP_DEADLINE_CRAWL_S``) or
``WP_DEADLINE_S`` for every kind, in seconds, read when the DAG file is parsed;
defaults below.
"""

from __future__ import annotations

import os
from datetime import timedelta

from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

from extract.alerts import dag_run_deadline_missed

DEFAULT_INTERVALS: dict[str, timedelta] = {
    "crawl": timedelta(hours=2),      # a portal crawl normally takes minutes (politeness delays included)
    "warehouse": timedelta(hours=1),  # dbt build + publish
}


def deadline_interval(kind: str) -> timedelta:
    """The allowed queued-to-done time for a DAG run of ``kind`` (env overrides, in seconds)."""
    raw = os.environ.get(f"WP_DEADLINE_{kind.upper()}_S") or os.environ.get("WP_DEADLINE_S")
    if raw:
        return timedelta(seconds=float(raw))
    return DEFAULT_INTERVALS.get(kind, timedelta(hours=2))


def dagrun_deadline(kind: str) -> DeadlineAlert:
    """Deadline Alert for a DAG: ``interval`` after the run was queued → ``dag_run_late`` alert."""
    interval = deadline_interval(kind)
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=interval,
        callback=AsyncCallback(dag_run_deadline_missed,
                               kwargs={"interval_s": interval.total_seconds(), "reference": "dagrun_queued_at"}),
        name=f"{kind}_run_late",
    )
