"""The main job on one machine: sample portals on loopback, Airflow DAG runs, dbt, summary.

Airflow runs each crawl DAG and then the warehouse DAG in this process with
``dag.test()`` (which ignores pools and does not trigger Asset consumers, so the
warehouse DAG is run explicitly after the crawls). Every run's final state is
checked: a failed run makes the job exit non-zero after the summary.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any, Iterator, Optional

from extract import airflow_env, settings

log = logging.getLogger(__name__)


SAMPLE_HOSTS = ("127.0.0.11", "127.0.0.12", "127.0.0.13")


def _port_free(port: int) -> bool:
    for host in SAMPLE_HOSTS:
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                return False
    return True


def common_free_port(preferred: int = settings.SAMPLE_PORT) -> int:
    """A port free on every sample-portal address (config uses one port for all three)."""
    if _port_free(preferred):
        return preferred
    for _ in range(200):
        with socket.socket() as s:
            s.bind((SAMPLE_HOSTS[0], 0))
            port = s.getsockname()[1]
        if _port_free(port):
            return port
    raise RuntimeError("no port free on all sample-portal addresses")


def sample_port() -> int:
    """The port the sample portals serve on, the same from run to run where possible.

    The port is part of every saved crawl-state URL: a second run on another port would revisit
    the first run's URLs, find nothing listening and (RFC 9309: robots.txt unreachable → disallow)
    quarantine every document. So the preference is ``WP_SAMPLE_PORT``, else the port the last run
    used (``var/sample_portals.port``), else ``settings.SAMPLE_PORT``; when it is taken a free one
    is picked with a warning. The chosen port is saved for the next run.
    """
    saved = settings.var_dir() / "sample_portals.port"
    preferred = os.environ.get("WP_SAMPLE_PORT") or (saved.read_text().strip() if saved.is_file() else "")
    wanted = int(preferred) if preferred.isdigit() else settings.SAMPLE_PORT
    port = common_free_port(wanted)
    if port != wanted:
        log.warning("sample-portal port %d is taken; serving on %d: URLs saved by earlier runs on port %d "
                    "will not answer (set WP_SAMPLE_PORT to a free port and keep it)", wanted, port, wanted)
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(f"{port}\n")
    return port


@contextlib.contextmanager
def sample_portals(build_dir: Optional[Path] = None) -> Iterator[Any]:
    """Build the sample sites (reproducibly) and serve them on loopback for the block."""
    from sample_portals.build import build
    from sample_portals.server import start_sample_portals

    build_dir = Path(build_dir or settings.sample_build_dir())
    build(build_dir)
    port = sample_port()
    with start_sample_portals(build_dir, port=port) as handle:
        os.environ["WP_SAMPLE_PORT"] = str(port)
        yield handle


def test_in_process(dag: Any) -> Any:
    """``dag.test()`` without the DAG's Deadline alerts.

    In Airflow 3.3.2 ``dag.test()`` crashes when a DAG with a deadline succeeds (it hands the
    serialized alerts to a lookup that expects alert ids). Deadlines need the scheduler and
    triggerer anyway; they are exercised for real by tests/deploy/test_cluster.py.
    """
    dag.deadline = None
    return dag.test()


def run_dags(portal_ids: Optional[list[str]] = None) -> dict[str, str]:
    """Run every crawl DAG, then the warehouse DAG; return dag_id → final state."""
    airflow_env.configure()
    airflow_env.migrate()
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(settings.REPO_ROOT / "dags"))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    crawl_ids = sorted(d for d in bag.dags if d.startswith("crawl_")
                       and (portal_ids is None or d.removeprefix("crawl_") in portal_ids))
    states: dict[str, str] = {}
    for dag_id in crawl_ids + ["warehouse"]:
        t0 = time.monotonic()
        dr = test_in_process(bag.dags[dag_id])
        states[dag_id] = str(getattr(dr.state, "value", dr.state))
        log.info("DAG %s finished %s in %.1fs", dag_id, states[dag_id], time.monotonic() - t0)
        print(f"[run] {dag_id}: {states[dag_id]} ({time.monotonic() - t0:.1f}s)", flush=True)
    return states


def summary(states: dict[str, str]) -> str:
    """What happened, from the warehouse: per portal, per document, and a query to paste.

    Which version of a document is current is decided in dbt (``marts.fct_documents``, from
    ``int_document_versions_ranked``: the newest version not in open quarantine), never here.
    The summary is printed after the warehouse DAG (``scripts/run.sh``); when that DAG failed
    before the marts existed, the per-document part says so instead of guessing from raw.
    """
    from extract import warehouse
    from extract.publish import published_db_path

    lines = ["", "=" * 72, "Work-plan pipeline summary", "=" * 72]
    for dag_id, state in states.items():
        lines.append(f"  DAG {dag_id:<28} {state}")
    with warehouse.connect() as con:
        has_marts = warehouse.fetch_row(con, "select count(*) from information_schema.tables where table_schema = 'marts' "
                                   "and table_name = 'fct_documents'")[0]
        lines.append("")
        lines.append("Per portal (work-plan notices found / documents with a current version / quarantined):")
        loaded = ("select portal_id, count(*) as n from marts.fct_documents group by 1" if has_marts
                  else "select null::varchar as portal_id, null::bigint as n where false")
        for row in con.execute(f"""
            with loaded as ({loaded})
            select n.portal_id, count(distinct n.notice_url), any_value(loaded.n),
                   count(distinct q.document_key)
            from raw.notices n
            left join raw.documents d on d.notice_url = n.notice_url
            left join raw.quarantine q on q.document_key = d.document_key and q.resolved_at is null
            left join loaded on loaded.portal_id = n.portal_id
            group by 1 order by 1""").fetchall():
            current = f"{row[2] or 0:>3}" if has_marts else "  ?"
            lines.append(f"  {row[0]:<12} found {row[1]:>3}   loaded {current}   quarantined {row[3]:>3}")
        lines.append("")
        if has_marts:
            lines.append("Per document (current version, marts.fct_documents):")
            for row in con.execute("""
                select jurisdiction, issuer, plan_year, layout, source_format, task_count, is_validation_success,
                       left(document_version_id, 12), version_number, version_count, quarantined_versions
                from marts.fct_documents order by jurisdiction, issuer, plan_year, document_id""").fetchall():
                held = f", {row[10]} quarantined" if row[10] else ""
                lines.append(f"  {row[0]} {row[1]} {row[2]} [{row[3]}, {row[4]}]: {row[5]} tasks, "
                             f"validation {'passed' if row[6] else 'FAILED'}, "
                             f"version {row[8]}/{row[9]} {row[7]}{held}")
        else:
            lines.append("Per document: marts.fct_documents not built (the warehouse DAG did not run dbt to the "
                         "end); see the DAG states above")
        v = warehouse.fetch_row(con, "select count(distinct document_version_id), count(*), count(*) filter (where success) "
                           "from raw.validation_results")
        lines.append(f"Validation: {v[1]} suite results on {v[0]} document versions, {v[2]} passed, "
                     f"{v[1] - v[2]} failed (Data Docs: {settings.data_docs_dir() / 'index.html'})")
        q = con.execute("select document_key, stage, source_url, reasons from raw.quarantine "
                        "where resolved_at is null").fetchall()
        lines.append(f"Quarantined documents: {len(q)}")
        for r in q:
            lines.append(f"  {r[2]} ({r[1]}): {r[3]}")
        if has_marts:
            n = warehouse.fetch_row(con, "select count(*), count(distinct document_id) from marts.fct_work_plan_tasks")
            lines.append(f"marts.fct_work_plan_tasks: {n[0]} tasks in {n[1]} documents")
    lines += ["", f"Warehouse (working file): {settings.warehouse_path()}",
              f"Published read-only copy:  {published_db_path()}",
              "Try:", f"  duckdb -readonly {published_db_path()} \\",
              "    \"select jurisdiction, issuer, plan_year, count(*) as tasks from marts.fct_work_plan_tasks "
              "group by all order by all\"", "=" * 72]
    return "\n".join(lines)


def main(portal_ids: Optional[list[str]] = None) -> int:
    """Entry point of ``python -m extract run``."""
    # Quiet by default: progress lines and the summary; WP_LOG_LEVEL=INFO shows every task's log.
    level = os.environ.get("WP_LOG_LEVEL", "WARNING").upper()
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", level)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    t0 = time.monotonic()
    profile = settings.sources_profile()
    with (sample_portals() if profile == "sample" else contextlib.nullcontext()):
        states = run_dags(portal_ids)
    print(summary(states))
    print(f"Total wall time: {time.monotonic() - t0:.1f}s")
    return 0 if all(s == "success" for s in states.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
