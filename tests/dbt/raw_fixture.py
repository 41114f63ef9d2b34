"""Build a DuckDB warehouse whose ``raw`` schema holds the five gold seed documents.

The raw DDL comes from ``extract.warehouse.ensure_raw_schema`` (single source of
truth); rows are synthesized from ``tests/fixtures/gold/*.json`` with the
identities of docs/ARCHITECTURE.md (document_key, document_version_id, task_id).
Seed 004 gets two versions (an older 90-task one and the current 91-task gold)
to prove that marts read only the current version.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable

import duckdb

from extract.records import CrawlRequest, Document, DocumentVersion, LoadAudit, Notice, Rendition, TaskRow, ValidationResult, VersionPart
from extract.tasks.normalize import read_deadline
from extract.warehouse import ensure_raw_schema
from tests import gold

PORTALS = {
    "上海市市场监督管理局": ("shsamr", "https://scjgj.sh.gov.cn"),
    "浦东新区市场监督管理局": ("pudong", "https://www.pudong.gov.cn/scjgj"),
    "浦东新区人民政府办公室": ("pudong", "https://www.pudong.gov.cn"),
    "嘉定区人民政府": ("jiading", "https://www.jiading.gov.cn"),
}

BASE_TIME = datetime(2023, 6, 1, 8, 0, tzinfo=timezone.utc)

# Columns the fixture fills, per raw table: the records' columns (extract/records.py) but those
# added later, which stay null/default here.
_NOT_FILLED = {"source_request_id", "state", "missing_parts"}
COLUMNS = {r.TABLE.split(".")[1]: [c for c in r.names() if c not in _NOT_FILLED]
           for r in (CrawlRequest, Notice, Document, Rendition, VersionPart, DocumentVersion, TaskRow,
                     ValidationResult, LoadAudit)}


def _insert(con: duckdb.DuckDBPyConnection, table: str, row: tuple) -> None:
    cols = COLUMNS[table]
    assert len(cols) == len(row), (table, len(cols), len(row))
    con.execute(f"insert into raw.{table} ({', '.join(cols)}) values ({', '.join('?' * len(cols))})", list(row))


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def load_gold() -> list[dict]:
    """Every seed's gold file, in seed order."""
    return [gold.load_gold(seed) for seed in gold.gold_seeds()]


def _plan_rows(doc: dict, *, version: int, fetched_at: datetime, notice_slug: str) -> dict[str, list[tuple]]:
    # issuers without a sample portal (tests of publishers missing from the seeds)
    portal_id, host = PORTALS.get(doc["issuer"], ("other", f"https://other.example.gov.cn/{notice_slug}"))
    notice_url = f"{host}/zwgk/{notice_slug}.html"
    attachment_url = f"{host}/files/{notice_slug}.docx"
    document_key = _sha1(f"{portal_id}|{notice_url}")[:16]
    part_sha = _sha256(f"{notice_slug}|v{version}|{len(doc['tasks'])}")
    document_version_id = _sha256(part_sha)
    request_id = f"req-{notice_slug}-v{version}"
    load_id = f"load-{notice_slug}-v{version}"
    run_id = f"scheduled__{fetched_at:%Y-%m-%dT%H:%M:%S}"
    loaded_at = fetched_at + timedelta(minutes=5)

    rows: dict[str, list[tuple]] = {k: [] for k in (
        "crawl_requests", "notices", "documents", "renditions", "version_parts", "document_versions",
        "tasks", "validation_results", "load_audit")}
    rows["crawl_requests"].append((
        request_id, portal_id, attachment_url, attachment_url, "attachment", 200, None, fetched_at,
        None, None, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        1000 + version, part_sha, f"crawl-{fetched_at:%Y%m%d}.warc.gz", 4096 * version, 2048,
        "workplans_crawl", run_id))
    rows["notices"].append((
        notice_url, portal_id, f"{host}/zwgk/list.html", f"{doc['issuer']}{doc['year']}年政务公开工作要点",
        None, doc.get("doc_number"), doc.get("notice_publisher", doc["issuer"]), "政务公开", doc.get("issued_on"), request_id,
        fetched_at, fetched_at))
    rows["version_parts"].append((document_version_id, 0, "attachment:1", attachment_url, "docx", part_sha, request_id))
    rows["documents"].append((document_key, portal_id, notice_url, "notice", f"{doc['year']}年政务公开工作要点", fetched_at))
    rows["renditions"].append((document_key, attachment_url, "docx", part_sha, request_id, fetched_at))
    rows["document_versions"].append((
        document_version_id, document_key, attachment_url, "docx", request_id, fetched_at,
        f"{doc['year']}年政务公开工作要点", doc["jurisdiction"], doc["issuer"], doc["year"],
        doc.get("doc_number"), doc.get("issued_on"), doc.get("layout"), len(doc["tasks"]),
        "extract.tasks", "1.0.0", json.dumps([]), load_id, loaded_at))
    for t in doc["tasks"]:
        rows["tasks"].append((
            _sha256(f"{document_version_id}|{t['seq']}")[:20], document_version_id, t["seq"],
            t.get("task_name"), t.get("section"), t["task_content"], t.get("responsible_raw"),
            t.get("lead_units") or [], t.get("support_units") or [], bool(t.get("units_open_list")),
            t.get("deadline_raw"), t.get("deadline_date"), load_id, loaded_at,
            # gold has no kind: the loader stores the extractor's, i.e. read_deadline's
            t.get("deadline_kind") or read_deadline(t.get("deadline_raw"), doc["year"]).kind))
    rows["validation_results"].append((
        f"val-{notice_slug}-v{version}", document_version_id, "work_plan_tasks", True, 12, 0,
        json.dumps([]), "1.24.0", loaded_at, load_id))
    rows["load_audit"].append((
        load_id, "workplans_ingest", run_id, "load_document", document_version_id, loaded_at,
        loaded_at + timedelta(seconds=3), len(doc["tasks"]) + 1, "loaded"))
    return rows


def synthetic_next_year_plan(base: dict, *, year: int, drop_seq: int, new_task: dict) -> dict:
    """A copy of ``base`` for ``year`` without task ``drop_seq`` and with ``new_task`` appended."""
    doc = copy.deepcopy(base)
    doc["year"] = year
    doc["doc_number"] = None
    doc["issued_on"] = None
    tasks = [t for t in doc["tasks"] if t["seq"] != drop_seq]
    tasks.append(dict(new_task))
    for i, t in enumerate(tasks, start=1):
        t["seq"] = i
    doc["tasks"] = tasks
    doc["task_count"] = len(tasks)
    return doc


def add_plan(path: Path, notice_slug: str, doc: dict, *, position: int = 0) -> None:
    """Insert one more gold-shaped plan into the raw schema of an existing warehouse, with the
    rows ``build_raw_warehouse(extra_plans=[...])`` would give it at ``position``."""
    plan = _plan_rows(doc, version=1, fetched_at=BASE_TIME + timedelta(days=1, hours=position), notice_slug=notice_slug)
    with duckdb.connect(str(path)) as con:
        for table in COLUMNS:
            for row in plan[table]:
                _insert(con, table, row)


def build_raw_warehouse(path: Path, extra_plans: Iterable[tuple[str, dict]] = ()) -> None:
    """Create ``path`` with the raw schema and the gold documents (+ extra plans).

    ``extra_plans`` are ``(notice_slug, doc)`` with gold-shaped dicts.
    """
    golds = load_gold()
    plans: list[dict[str, list[tuple]]] = []
    for i, doc in enumerate(golds):
        slug = f"seed-{doc['seed']}"
        fetched = BASE_TIME + timedelta(hours=i)
        if doc["seed"] == "004":
            # an earlier version: last task missing, first task worded differently
            old = copy.deepcopy(doc)
            old["tasks"] = old["tasks"][:-1]
            old["tasks"][0]["task_content"] = old["tasks"][0]["task_content"] + "（征求意见稿）"
            plans.append(_plan_rows(old, version=1, fetched_at=fetched - timedelta(days=30), notice_slug=slug))
            plans.append(_plan_rows(doc, version=2, fetched_at=fetched, notice_slug=slug))
        else:
            plans.append(_plan_rows(doc, version=1, fetched_at=fetched, notice_slug=slug))
    for j, (slug, doc) in enumerate(extra_plans):
        plans.append(_plan_rows(doc, version=1, fetched_at=BASE_TIME + timedelta(days=1, hours=j), notice_slug=slug))

    con = duckdb.connect(str(path))
    try:
        ensure_raw_schema(con)
        seen: set[tuple[str, str]] = set()
        for table in COLUMNS:
            for plan in plans:
                for row in plan[table]:
                    if table in ("notices", "documents"):  # one row per notice / document
                        if (table, row[0]) in seen:
                            continue
                        seen.add((table, row[0]))
                    _insert(con, table, row)
        # one quarantined document that must never reach the marts
        con.execute(
            "insert into raw.quarantine (document_version_id, document_key, source_url, request_id, stage, "
            "reasons, quarantined_at, dag_id, run_id) values (?, ?, ?, ?, 'validate', ?, ?, ?, ?)",
            [_sha256("quarantined"), _sha1("quarantined")[:16], "https://example.gov.cn/bad.pdf",
             "req-bad", json.dumps([{"expectation": "expect_column_values_to_not_be_null", "column": "task_content"}]),
             BASE_TIME, "workplans_ingest", "manual__1"])
    finally:
        con.close()
