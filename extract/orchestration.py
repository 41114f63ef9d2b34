"""Shared Airflow pieces: defaults, callbacks and the DAG factories.

DAG files in ``dags/`` are one call into this module. Nothing here touches the
network or the warehouse at import time; heavy imports live inside tasks.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Asset, Param, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from extract import settings
from extract.alerts import task_failure_alert
from extract.run_deadlines import dagrun_deadline
from extract.sources import Portal

log = logging.getLogger(__name__)

OWNER = "data-eng"
OWNER_LINKS = {OWNER: settings.OWNER_LINK}
QUARANTINE_COMMAND = ".venv/bin/python -m extract quarantine"
LINEAGE_COMMAND = ".venv/bin/python -m extract lineage <task_id> --verify"
RAW_ASSET = Asset(name="raw_work_plan_tables", uri=settings.RAW_ASSET_URI)

DEFAULT_ARGS: dict[str, Any] = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
    # Every task is bounded (settings.TASK_TIMEOUT_S); a hung parse or fetch fails its task, not the run.
    "execution_timeout": timedelta(seconds=settings.TASK_TIMEOUT_S),
    "on_failure_callback": task_failure_alert,
}


def ol_url(url: str) -> Any:
    """An OpenLineage dataset for a portal URL (Assets with http(s) URIs are dropped by the provider)."""
    from urllib.parse import urlsplit

    from openlineage.client.event_v2 import Dataset

    parts = urlsplit(url)
    return Dataset(namespace=f"{parts.scheme}://{parts.netloc}", name=parts.path or "/")


def ol_tables(*names: str) -> list[Any]:
    """OpenLineage datasets for tables of the DuckDB warehouse file."""
    from openlineage.client.event_v2 import Dataset

    return [Dataset(namespace=f"duckdb://{settings.warehouse_path()}", name=f"workplans.{n}") for n in names]


RAW_LOAD_TABLES = ("raw.document_versions", "raw.tasks", "raw.version_parts", "raw.validation_results",
                   "raw.quarantine", "raw.load_audit", "raw.crawl_requests")
MART_TABLES = ("marts.fct_documents", "marts.fct_work_plan_tasks", "marts.fct_task_responsibilities",
               "marts.fct_task_matches", "marts.fct_plan_yoy", "marts.fct_jurisdiction_year", "marts.dim_jurisdiction",
               "marts.dim_publisher", "marts.dim_department", "marts.dim_theme")


def _items(seq: Any) -> list[Any]:
    """Materialize a (lazy) XCom sequence by index: iterating probes one past the end, which the
    task SDK logs as an error."""
    return [seq[i] for i in range(len(seq))] if seq is not None else []


def host_pool(portal: Portal) -> str:
    """Name of the politeness pool shared by every portal on the same host."""
    return "host_" + "_".join(h.replace(".", "_").replace("-", "_") for h in portal.hosts)


def _run_info() -> Any:
    from extract.crawl.crawler import RunInfo

    ctx = get_current_context()
    return RunInfo(dag_id=ctx["dag"].dag_id, run_id=ctx["run_id"])


def _ui_links() -> str:
    """Markdown links to the pages the ``workplans`` plugin serves on the api-server."""
    u = settings.UI_PREFIX
    return (f"[HTML report]({u}/report) · [Data Docs]({u}/data-docs/index.html) · "
            f"[quarantine]({u}/quarantine) · lineage of a task row: `{u}/lineage/<task_id>`")


def _where_and_trace() -> str:
    """The 'where the data lands' and 'how to trace a row' sections shared by every DAG's doc_md."""
    return (
        "#### Where the data lands\n\n"
        f"- WARC archive of every response: `{settings.archive_dir()}/<portal>/<yyyymmdd>/`\n"
        f"- working warehouse (single writer): `{settings.warehouse_path()}` (`raw.*`, `marts.*`)\n"
        f"- published read-only copy for BI, Parquet, report: `{settings.publish_dir()}`\n"
        f"- Great Expectations Data Docs: `{settings.data_docs_dir()}/index.html`\n\n"
        "#### How to trace a row\n\n"
        f"`{LINEAGE_COMMAND}` prints task → document version → notice and attachment URL → HTTP "
        "status, sha256, WARC file and offset → DAG run and load id → parser → validation results "
        "(SQL: `marts.fct_task_lineage`).\n\n"
        f"Open pages: {_ui_links()}\n")


def crawl_doc_md(portal: Portal) -> str:
    """doc_md of ``crawl_<portal>``: what it does, where its data lands, how to trace a row, when it is red."""
    return (
        f"### Crawl {portal.name}\n\n"
        f"Portal `{portal.id}` (family `{portal.family}`, jurisdiction `{portal.jurisdiction}`, organ "
        f"`{portal.organ}`), schedule `{portal.schedule}`, start URLs {', '.join(portal.start_urls)}.\n\n"
        f"`plan → discover → record_discovery → fetch[notice] → extract → validate → load → publish_raw`: "
        f"finds the notices whose title contains {' / '.join(portal.keywords)} (robots.txt, politeness pool "
        f"`{host_pool(portal)}`, conditional GETs), archives every response to WARC, extracts the 任务分解表 "
        "rows, validates them with Great Expectations and loads `raw.*` in one transaction per document "
        "version. `publish_raw` updates the Asset `raw_work_plan_tables`, which triggers `warehouse`.\n\n"
        + _where_and_trace() +
        "\n#### When the run is red\n\n"
        "A document that cannot be read or fails validation is quarantined: its `load` task instance fails "
        "(no retry) and the leaf `check_loads` fails with the notice URL, stage and reasons of each one in "
        f"its log. List every open quarantine entry with `{QUARANTINE_COMMAND}` (reasons and archived bytes).\n")


def warehouse_doc_md() -> str:
    """doc_md of ``warehouse``."""
    return (
        "### Warehouse\n\n"
        "Scheduled on the Asset `raw_work_plan_tables` (updated by every crawl run). `dbt_build` runs "
        "`dbt build` (staging → intermediate → marts, with tests) on the DuckDB file in the single-writer "
        f"pool `{settings.WAREHOUSE_POOL}`; `publish` replaces the read-only copy atomically and writes the "
        "Parquet marts, the HTML report and the Data Docs.\n\n" + _where_and_trace())


def quarantine_summary(items: list[dict[str, Any]], results: list[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """Documents of a crawl run that were not loaded, with the stage and reasons known to the run.

    ``items`` are the outputs of ``validate`` (``{"doc": {...}, "error"?: {"stage", "reasons"},
    "validation"?: {"success", "reasons"}}``), ``results`` those of ``load`` (``None`` where the
    task instance failed). Matching is by ``notice_url`` (mapped results need not keep their order).
    Returns ``[{"notice_url", "stage", "reasons": [str]}]``, empty when every document loaded.
    """
    done = {r["notice_url"] for r in results if r}
    missing = []
    for item in items:
        doc = item.get("doc") or {}
        if doc.get("notice_url") in done:
            continue
        if "error" in item:
            stage, reasons = item["error"]["stage"], item["error"]["reasons"]
        elif item.get("validation") and not item["validation"]["success"]:
            stage, reasons = "validate", item["validation"]["reasons"]
        else:
            stage, reasons = "load", ["the load task instance failed: see its log"]
        missing.append({"notice_url": doc.get("notice_url"), "stage": stage, "reasons": list(reasons)})
    return missing


def format_quarantine_summary(missing: list[dict[str, Any]], n_docs: int) -> str:
    """The operator-facing text of ``quarantine_summary``: one block per document and the command to run."""
    lines = [f"{len(missing)} of {n_docs} document(s) quarantined or not loaded in this run:"]
    for m in missing:
        lines.append(f"  - {m['notice_url']} [{m['stage']}]")
        lines += [f"      {r}" for r in m["reasons"]]
    lines.append(f"Open quarantine entries with their reasons and archived bytes: {QUARANTINE_COMMAND}")
    return "\n".join(lines)


def build_crawl_dag(portal: Portal, *, start_date: datetime = datetime(2026, 1, 1)) -> DAG:
    """One crawl DAG per portal: discover → fetch (mapped) → extract → validate → load → Asset."""
    with DAG(
        dag_id=f"crawl_{portal.id}",
        schedule=portal.schedule,
        start_date=start_date,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        deadline=dagrun_deadline("crawl"),
        tags=["crawl", f"portal:{portal.id}", f"jurisdiction:{portal.jurisdiction}", f"family:{portal.family}"],
        owner_links=OWNER_LINKS,
        doc_md=crawl_doc_md(portal),
    ) as dag:
        pool = host_pool(portal)
        portal_inputs = [ol_url(u) for u in portal.start_urls]

        @task(pool=settings.WAREHOUSE_POOL)
        def plan() -> dict[str, Any]:
            from extract import pipeline
            return pipeline.plan(portal.id)

        @task(pool=pool, inlets=portal_inputs)
        def discover(crawl_plan: dict[str, Any]) -> dict[str, Any]:
            from extract import pipeline
            return pipeline.discover(portal.id, crawl_plan, _run_info())

        @task(pool=settings.WAREHOUSE_POOL, inlets=portal_inputs,
              outlets=ol_tables("raw.crawl_requests", "raw.crawl_state", "raw.notices"))
        def record_discovery(discovery: dict[str, Any], crawl_plan: dict[str, Any]) -> list[dict[str, Any]]:
            from extract import pipeline
            return pipeline.record_discovery(discovery, crawl_plan)

        @task(pool=pool, inlets=portal_inputs, map_index_template="{{ task.op_kwargs['notice']['title'] | default('') }}")
        def fetch(notice: dict[str, Any], crawl_plan: dict[str, Any]) -> dict[str, Any]:
            from extract import pipeline
            return pipeline.fetch(portal.id, notice, crawl_plan, _run_info())

        @task
        def extract(doc: dict[str, Any]) -> dict[str, Any]:
            from extract import pipeline
            return pipeline.extract(doc)

        @task
        def validate(item: dict[str, Any]) -> dict[str, Any]:
            from extract import pipeline
            return pipeline.validate(item)

        @task(pool=settings.WAREHOUSE_POOL, inlets=portal_inputs, outlets=ol_tables(*RAW_LOAD_TABLES))
        def load(item: dict[str, Any]) -> dict[str, Any]:
            from extract import pipeline
            try:
                return pipeline.load_or_quarantine(item, _run_info())
            except pipeline.DocumentQuarantined as exc:
                # Quarantine is recorded; fail this document's task instance, no retry.
                raise AirflowFailException(str(exc)) from exc

        @task(trigger_rule="all_done", outlets=[RAW_ASSET])
        def publish_raw(results: list[dict[str, Any]] | None = None) -> dict[str, Any]:
            ctx = get_current_context()
            loaded = [r for r in _items(results) if r and r.get("status") == "loaded"]
            ctx["outlet_events"][RAW_ASSET].extra = {"portal": portal.id, "loaded": len(loaded)}
            return {"portal": portal.id, "loaded": len(loaded)}

        @task(trigger_rule="all_done")
        def check_loads(items: list[dict[str, Any]] | None = None,
                        results: list[dict[str, Any]] | None = None) -> dict[str, Any]:
            """Leaf and run summary: red, with each quarantined document's URL, stage and reasons and the
            quarantine command in its log, when any document was not loaded."""
            docs, done = _items(items), _items(results)
            statuses: dict[str, int] = {}
            for r in done:
                if r:
                    statuses[r["status"]] = statuses.get(r["status"], 0) + 1
            log.info("%s: %d document(s) in this run: %s", portal.id, len(docs), statuses or "none")
            missing = quarantine_summary(docs, done)
            if missing:
                text = format_quarantine_summary(missing, len(docs))
                log.error("%s", text)
                raise AirflowFailException(text)
            return {"documents": len(docs), "statuses": statuses}

        p = plan()
        notices = record_discovery(discover(p), p)
        docs = fetch.partial(crawl_plan=p).expand(notice=notices)
        validated = validate.expand(item=extract.expand(doc=docs))
        loaded = load.expand(item=validated)
        publish_raw(loaded) >> check_loads(validated, loaded)
    return dag


def build_warehouse_dag() -> DAG:
    """dbt build when raw tables change, then publish the BI copy and report."""
    with DAG(
        dag_id="warehouse",
        schedule=[RAW_ASSET],
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        deadline=dagrun_deadline("warehouse"),
        tags=["warehouse", "dbt", "publish"],
        owner_links=OWNER_LINKS,
        doc_md=warehouse_doc_md(),
        # incremental models do not see seed or var changes (docs/ARCHITECTURE.md, "Incremental marts")
        params={"full_refresh": Param(False, type="boolean",
                                      description="dbt build --full-refresh: after a change of seeds or vars")},
    ) as dag:

        @task(pool=settings.WAREHOUSE_POOL, inlets=ol_tables("raw.document_versions", "raw.tasks"),
              outlets=ol_tables(*MART_TABLES))
        def dbt_build() -> dict[str, Any]:
            from extract import transform
            return transform.dbt_build(full_refresh=bool(get_current_context()["params"].get("full_refresh")))

        @task(pool=settings.WAREHOUSE_POOL)
        def publish(build: dict[str, Any]) -> dict[str, Any]:
            from extract import publish as publisher
            return publisher.publish()

        publish(dbt_build())
    return dag
