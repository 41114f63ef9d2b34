"""Shared Airflow pieces: defaults, callbacks and the DAG factories.

DAG files in ``dags/`` are one call into this module. Nothing here touches the
network or the warehouse at import time; heavy imports live inside tasks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Asset, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from extract import settings
from extract.alerts import task_failure_alert
from extract.deadlines import dagrun_deadline
from extract.sources import Portal

OWNER = "data-eng"
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
MART_TABLES = ("marts.fct_work_plan_tasks", "marts.fct_task_responsibilities", "marts.fct_task_matches",
               "marts.fct_plan_yoy", "marts.fct_jurisdiction_year", "marts.dim_jurisdiction",
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
        tags=["crawl", portal.family, portal.jurisdiction],
        doc_md=(f"### Crawl {portal.name}\n\nPortal `{portal.id}` (family `{portal.family}`), start URLs "
                f"{', '.join(portal.start_urls)}. Finds notices whose title contains "
                f"{' / '.join(portal.keywords)}, archives every response to WARC, extracts task rows, "
                "validates them with Great Expectations and loads `raw.*` (or quarantines). Updates the "
                "`raw_work_plan_tables` Asset, which triggers the warehouse DAG."),
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
                return pipeline.load(item, _run_info())
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
                        results: list[dict[str, Any]] | None = None) -> dict[str, int]:
            """Leaf: the run is red when any document was quarantined (its load task failed)."""
            n_docs = len(items) if items is not None else 0
            n_done = len([r for r in _items(results) if r])
            if n_done < n_docs:
                raise AirflowFailException(f"{n_docs - n_done} of {n_docs} document(s) quarantined or not loaded: "
                                           "see the failed load task instances and raw.quarantine")
            return {"documents": n_docs}

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
        tags=["warehouse", "dbt"],
        doc_md=("### Warehouse\n\nRuns `dbt build` (staging → intermediate → marts, with tests) on the DuckDB "
                "file in the single-writer pool, then publishes a read-only copy, Parquet marts and the HTML "
                "report for BI tools."),
    ) as dag:

        @task(pool=settings.WAREHOUSE_POOL, inlets=ol_tables("raw.document_versions", "raw.tasks"),
              outlets=ol_tables(*MART_TABLES))
        def dbt_build() -> dict[str, Any]:
            from extract import transform
            return transform.dbt_build()

        @task(pool=settings.WAREHOUSE_POOL)
        def publish(build: dict[str, Any]) -> dict[str, Any]:
            from extract import publish as publisher
            return publisher.publish()

        publish(dbt_build())
    return dag
