"""The pipeline's stages as plain functions with JSON-able inputs and outputs.

DAG tasks are one-line calls into this module, so every stage runs and is
tested without Airflow. Stages that touch the DuckDB file are marked
"writer" and run in the ``duckdb_writer`` pool.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone
from typing import Any

from extract.crawl.crawler import FORMAT_RANK, RunInfo

log = logging.getLogger(__name__)


class DocumentQuarantined(Exception):
    """Raised after a document was quarantined, so its task instance shows red."""


def plan(portal_id: str) -> dict[str, Any]:
    """Writer. Crawl state (validators, archive pointers) and known versions."""
    from extract import load, warehouse

    with warehouse.connect() as con:
        return {"portal_id": portal_id, "state": load.state_snapshot(con, portal_id),
                "known": load.known_versions(con), "notices": load.known_notices(con, portal_id)}


def discover(portal_id: str, crawl_plan: dict[str, Any], run: RunInfo) -> dict[str, Any]:
    """Fetch list pages; the work-plan notices found (no DuckDB access)."""
    from extract.crawl import crawler
    from extract.sources import get_portal

    result = crawler.discover(get_portal(portal_id), crawl_plan["state"], run)
    log.info("portal %s: %d work-plan notices, %d list requests, errors=%s", portal_id,
             len(result["notices"]), len(result["requests"]), result["errors"])
    if result.get("degraded"):
        alert_challenged(portal_id, result["challenges"], run)
    return result


def alert_challenged(portal_id: str, challenges: list[str], run: RunInfo) -> bool:
    """Alert once per (portal, run) that the portal answered with challenges: the run is degraded.

    Mapped fetch tasks and discovery may all meet challenges; a marker file under
    ``var/alerts/`` created exclusively makes the first one alert. Returns True when it alerted.
    """
    from extract import settings
    from extract.alerts import send_alert

    marker = settings.var_dir() / "alerts" / f"challenged-{portal_id}-{hashlib.sha1(run.run_id.encode()).hexdigest()[:16]}"
    marker.parent.mkdir(parents=True, exist_ok=True)
    try:
        marker.open("x").close()
    except FileExistsError:
        return False
    log.warning("portal %s degraded: challenged (%s)", portal_id, "; ".join(challenges[:3]))
    send_alert({"kind": "portal_challenged", "portal_id": portal_id, "dag_id": run.dag_id, "run_id": run.run_id,
                "state": "degraded", "challenges": challenges[:20],
                "advice": "not solved or circumvented: see README 'When a portal challenges'"})
    return True


def notices_to_fetch(discovered: list[dict[str, Any]], known: list[dict[str, Any]], revalidate_days: float,
                     now: datetime | None = None) -> list[dict[str, Any]]:
    """New notices, plus known ones never loaded or not checked for ``revalidate_days``."""
    now = now or datetime.now(timezone.utc)
    by_url = {k["notice_url"]: k for k in known}

    def due(k: dict[str, Any]) -> bool:
        if not k["loaded"] or not k["checked_at"] or revalidate_days <= 0:
            return True
        return (now - datetime.fromisoformat(k["checked_at"])).total_seconds() > revalidate_days * 86400

    out = {n["notice_url"]: n for n in discovered if n["notice_url"] not in by_url or due(by_url[n["notice_url"]])}
    for k in known:
        if k["notice_url"] not in out and due(k):
            out[k["notice_url"]] = {"notice_url": k["notice_url"], "title": k["title"], "list_url": k["list_url"]}
    return list(out.values())


def record_discovery(discovery: dict[str, Any], crawl_plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Writer. Persist list-page requests and notices; return the notices to fetch this run."""
    from extract import load, warehouse
    from extract.sources import get_portal

    with warehouse.connect() as con:
        con.begin()
        load.record_requests(con, discovery["requests"])
        load.record_notices(con, discovery["portal_id"], discovery["notices"])
        con.commit()
    portal = get_portal(discovery["portal_id"])
    todo = notices_to_fetch(discovery["notices"], crawl_plan.get("notices", []), portal.revalidate_days)
    log.info("portal %s: %d notices on changed list pages, %d to fetch or revalidate", portal.id,
             len(discovery["notices"]), len(todo))
    return todo


def fetch(portal_id: str, notice: dict[str, Any], crawl_plan: dict[str, Any], run: RunInfo) -> dict[str, Any]:
    """Fetch one notice and its attachments; decide whether its version needs processing."""
    from extract.crawl import crawler
    from extract.sources import get_portal
    from extract.tasks import PARSER_VERSION

    doc = crawler.fetch_notice(get_portal(portal_id), notice, crawl_plan["state"], run)
    vid = doc["document_version_id"]
    known = crawl_plan["known"]
    if doc.get("challenged"):
        doc["action"] = "skip-challenged"  # nothing parsed; requests recorded, the run alerts once
        alert_challenged(portal_id, doc.get("challenges") or [doc["challenged"]], run)
    elif vid and known["loaded"].get(vid) == PARSER_VERSION:
        doc["action"] = "skip"
    elif vid and known["quarantined"].get(vid) == PARSER_VERSION:
        doc["action"] = "skip-quarantined"
    elif vid and doc.get("missing") and doc["document_key"] in known.get("complete", []):
        # A partial version (a rendition failed or was dropped) never replaces a complete one;
        # the missing part is requested again next run.
        doc["action"] = "skip-partial"
    else:
        doc["action"] = "process"
    log.info("notice %s: version %s → %s (errors=%s, missing=%s)", doc["notice_url"], vid, doc["action"],
             doc["errors"], doc.get("missing"))
    return doc


def parse_part_bytes(data: bytes, *, role: str, url: str, family: str, content_type: str | None = None):  # -> Document
    """Parse one part from its bytes; a notice page (``role == "body"``) is first cut down to its body by
    the portal family's adapter. Raises ``ParseError`` on unreadable bytes, ``PageShapeError`` on an
    unexpected notice page."""
    from extract.crawl.portals import get_adapter
    from extract.parse import parse_bytes
    from extract.parse.encoding import decode_bytes

    if role != "body":
        return parse_bytes(data, content_type=content_type)
    html, _ = decode_bytes(data, content_type)
    detail = get_adapter(family).parse_detail(html, url)
    document = parse_bytes(detail.body_html.encode("utf-8"), content_type="text/html; charset=utf-8")
    document.meta.update({k: v for k, v in detail.meta.items() if v})
    document.meta["title"] = detail.title
    return document


def parse_archived_part(part: dict[str, Any], portal_family: str):  # -> Document
    """Parse one fetched part from the archive: its bytes re-read from the WARC record the crawl wrote,
    then ``parse_part_bytes``."""
    from extract.crawl.archive import read_record

    req = part["request"]
    data = read_record(req["warc_file"], int(req["warc_offset"]))
    return parse_part_bytes(data, role=part["role"], url=part["url"], family=portal_family,
                         content_type=req.get("content_type"))


def drop_duplicate_tables(parts: list[dict[str, Any]], documents: list[Any]) -> tuple[list[Any], int]:
    """Same task table in two parts (inline HTML and a download): keep the more structured.

    Returns the documents to read and the index of the part the tasks come from.
    """
    from extract.tasks.table import read_task_tables

    # Only the table rows matter here: no metadata, prose or normalization per part.
    counts = {i: len(read_task_tables([d]).rows) for i, d in enumerate(documents) if d.tables}
    with_tables = list(counts)
    table_parts = [i for i in with_tables if counts[i] > 0]
    if len(table_parts) <= 1:
        return documents, (table_parts[0] if table_parts else 0)
    best = min(table_parts, key=lambda i: FORMAT_RANK.get(parts[i]["format"], 99))
    keep = list(documents)
    for i in table_parts:
        if i != best and counts[i] == counts[best]:
            d = documents[i]
            keep[i] = type(d)(source_format=d.source_format, meta=d.meta, warnings=d.warnings,
                              blocks=[b for b in d.blocks if b.kind != "table"])
    return keep, best


def extract(doc: dict[str, Any]) -> dict[str, Any]:
    """Parse the document's archived parts and read its tasks (no DuckDB access)."""
    from extract.parse.limits import require_tasks
    from extract.parse.model import ParseError
    from extract.sources import get_portal
    from extract.tasks import PARSER_VERSION, extract_tasks

    out: dict[str, Any] = {"doc": doc}
    if doc["action"] != "process":
        return out
    if doc["errors"] or not doc["parts"]:
        out["error"] = {"stage": "fetch", "reasons": doc["errors"] or ["notice has no readable parts"]}
        return out
    family = get_portal(doc["portal_id"]).family
    try:
        documents = [parse_archived_part(p, family) for p in doc["parts"]]
        documents, primary = drop_duplicate_tables(doc["parts"], documents)
        ex = extract_tasks(documents)
        require_tasks(ex, source=doc["notice_url"])  # zero tasks is an error, with the extractor's hints
    except ParseError as exc:
        out["error"] = {"stage": "parse", "reasons": [f"parse error: {exc}"]}
        return out
    except Exception as exc:  # any extractor bug quarantines this document only (logged)
        log.exception("extraction failed for %s", doc["notice_url"])
        out["error"] = {"stage": "parse", "reasons": [f"extractor error: {type(exc).__name__}: {exc}"]}
        return out
    part = doc["parts"][primary]
    out["extraction"] = {
        "document": ex.document, "tasks": ex.tasks,
        "warnings": [f"partial: {m}" for m in doc.get("missing", [])] + doc.get("notes", []) + ex.warnings,
        "parser_name": f"extract.{part['format']}", "parser_version": PARSER_VERSION,
        "primary_part": {"url": part["url"], "format": part["format"], "request": part["request"]},
    }
    for w in ex.warnings:
        log.warning("%s: %s", doc["notice_url"], w)
    return out


def validate(item: dict[str, Any]) -> dict[str, Any]:
    """Run the GX suites on an extraction (no DuckDB access)."""
    from extract import settings
    from extract.validate import results_to_rows, save_outcome, validate_extraction

    if "extraction" not in item:
        return item
    ex = item["extraction"]
    outcome = validate_extraction(ex["document"], ex["tasks"], document_version_id=item["doc"]["document_version_id"])
    save_outcome(outcome, settings.var_dir() / "validations")  # Data Docs are built from these at publish
    item["validation"] = {"success": outcome.success, "reasons": outcome.reasons(),
                          "rows": results_to_rows(outcome, item["doc"]["document_version_id"], None)}
    if not outcome.success:
        log.error("validation failed for %s: %s", item["doc"]["notice_url"], outcome.reasons())
    return item


def load_or_quarantine(item: dict[str, Any], run: RunInfo) -> dict[str, Any]:
    """Writer (the DAG's ``load`` task). Load a clean version, record a skip, or quarantine (then raise
    ``DocumentQuarantined``)."""
    from extract import load as loader
    from extract import warehouse
    from extract.tasks import PARSER_VERSION

    doc = item["doc"]
    with warehouse.connect() as con:
        if doc["action"] != "process":
            res = loader.record_skip(con, doc, run)
        elif "error" in item:
            res = loader.quarantine_document(con, doc, stage=item["error"]["stage"], reasons=item["error"]["reasons"],
                                             parser_version=PARSER_VERSION, run=run)
        elif not item["validation"]["success"]:
            res = loader.quarantine_document(con, doc, stage="validate", reasons=item["validation"]["reasons"],
                                             parser_version=PARSER_VERSION,
                                             validation_rows=item["validation"]["rows"], run=run)
        else:
            res = loader.load_document(con, doc, item["extraction"], item["validation"]["rows"], run)
    summary = {"notice_url": doc["notice_url"], "document_key": doc["document_key"], "status": res.status,
               "rows": res.rows, "document_version_id": res.document_version_id, "load_id": res.load_id}
    if res.status == "quarantined":
        reasons = item.get("error", {}).get("reasons") or item.get("validation", {}).get("reasons")
        raise DocumentQuarantined(f"{doc['notice_url']} quarantined: {'; '.join(reasons or [])}")
    return summary


def run_portal(portal_id: str, run: RunInfo) -> list[dict[str, Any]]:
    """All crawl stages for one portal in this process (CLI and tests; the DAG maps them)."""
    p = plan(portal_id)
    notices = record_discovery(discover(portal_id, p, run), p)
    results = []
    for n in notices:
        item = validate(extract(fetch(portal_id, n, p, run)))
        try:
            results.append(load_or_quarantine(item, run))
        except DocumentQuarantined as exc:
            results.append({"notice_url": n["notice_url"], "status": "quarantined", "reason": str(exc)})
    return results
