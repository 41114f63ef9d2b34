"""Write crawl records, clean document versions and quarantine into ``raw``.

One transaction per document version: either the version, its parts, tasks and
validation results are all there, or none are (a killed process leaves only a
``running`` row in ``raw.load_audit``, and the next run loads the version).
Writes are upserts keyed on natural keys, so re-running anything adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Optional, Sequence

import duckdb

from extract.crawl.crawler import RunInfo
from extract.records import (
    CrawlRequest,
    CrawlState,
    Document,
    DocumentVersion,
    LoadAudit,
    Notice,
    Quarantine,
    Record,
    Rendition,
    TaskRow,
    ValidationResult,
    VersionPart,
)
from extract.warehouse import fetch_row


def _now() -> datetime:
    return datetime.now(timezone.utc)


def task_id(document_version_id: str, seq: int) -> str:
    """Stable id of one task row of one version."""
    return hashlib.sha256(f"{document_version_id}|{seq}".encode()).hexdigest()[:20]


def _insert(con: duckdb.DuckDBPyConnection, rows: Sequence[Record], *, verb: str = "insert",
            conflict: str = "") -> None:
    """Write ``rows`` (records of one table) with one set-based statement, whatever their number.

    The columns are the record's (``extract/records.py``); their values travel as one list
    parameter per column, unnested and cast to the column's DuckDB type: one statement per
    table and document, no per-row statements (``executemany`` is row-at-a-time and
    registering a pandas frame costs ~20 ms of scan setup per call). ``verb``: ``insert``,
    ``insert or ignore`` or ``insert or replace``; ``conflict``: an ``on conflict …`` clause.
    """
    if not rows:
        return
    cols = type(rows[0]).columns()
    values = list(zip(*(r.row() for r in rows)))
    select = ", ".join(f"unnest(${i + 1})::{c.type} as {c.name}" for i, c in enumerate(cols))
    con.execute(f"{verb} into {type(rows[0]).TABLE} ({', '.join(c.name for c in cols)}) select {select} {conflict}",
                [list(v) for v in values])


def _update(key: str, columns: Iterable[str]) -> str:
    """``on conflict (key) do update set`` each of ``columns`` to the incoming value."""
    return f"on conflict ({key}) do update set " + ", ".join(f"{c} = excluded.{c}" for c in columns)


# -- reads used to plan a crawl ---------------------------------------------
def state_snapshot(con: duckdb.DuckDBPyConnection, portal_id: str) -> dict[str, dict[str, Any]]:
    """Validators and archive pointer of every URL of a portal (for conditional GET)."""
    rows = con.execute(
        """select s.url, s.etag, s.last_modified, s.sha256, r.warc_file, r.warc_offset, r.warc_length,
                  r.content_type, s.last_request_id
           from raw.crawl_state s left join raw.crawl_requests r on r.request_id = s.last_request_id
           where s.portal_id = ?""", [portal_id]).fetchall()
    keys = ["url", "etag", "last_modified", "sha256", "warc_file", "warc_offset", "warc_length", "content_type",
            "request_id"]
    return {r[0]: dict(zip(keys, r)) for r in rows if r[4]}


def known_notices(con: duckdb.DuckDBPyConnection, portal_id: str) -> list[dict[str, Any]]:
    """Notices seen before, when their detail page was last checked, and whether a complete version
    is loaded (a partial one does not count: the notice is fetched again next run)."""
    rows = con.execute(
        """select n.notice_url, n.title, n.list_url, s.updated_at,
                  exists (select 1 from raw.documents d join raw.document_versions v using (document_key)
                          where d.notice_url = n.notice_url
                            and coalesce(json_array_length(v.missing_parts), 0) = 0) as loaded
           from raw.notices n left join raw.crawl_state s on s.url = n.notice_url
           where n.portal_id = ?""", [portal_id]).fetchall()
    return [{"notice_url": r[0], "title": r[1], "list_url": r[2],
             "checked_at": r[3].isoformat() if r[3] else None, "loaded": bool(r[4])} for r in rows]


def known_versions(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Versions already loaded or quarantined, with the parser version that read them, and the
    documents that have a complete version (``complete``: document keys)."""
    loaded = dict(con.execute("select document_version_id, parser_version from raw.document_versions").fetchall())
    complete = [k for (k,) in con.execute(
        "select distinct document_key from raw.document_versions "
        "where coalesce(json_array_length(missing_parts), 0) = 0 order by 1").fetchall()]
    quarantined = dict(con.execute(
        "select document_version_id, coalesce(json_extract_string(reasons, '$.parser_version'), '') "
        "from raw.quarantine where resolved_at is null").fetchall())
    return {"loaded": loaded, "quarantined": quarantined, "complete": complete}


# -- crawl records ----------------------------------------------------------
def record_requests(con: duckdb.DuckDBPyConnection, requests: Iterable[dict[str, Any]], *, fresh: bool = False) -> int:
    """Insert request records (idempotent by request_id; ``fresh``: the caller knows none is
    recorded yet, so no conflict check) and advance crawl_state."""
    rows = list(requests)
    if not rows:
        return 0
    _insert(con, [CrawlRequest.from_dict(r) for r in rows], verb="insert" if fresh else "insert or ignore")
    # Latest validators per URL, one batched upsert (a URL may appear twice in one run's records).
    latest: dict[str, CrawlState] = {}
    for r in rows:
        if r.get("status") == 200 and r.get("warc_file") and not r.get("no_state"):
            latest[r["url"]] = CrawlState.from_dict(r, last_request_id=r["request_id"], last_status=200,
                                                    updated_at=r["fetched_at"])
    _insert(con, list(latest.values()), conflict=_update("url", [c for c in CrawlState.names() if c != "url"]))
    revalidated = [[r["fetched_at"], r["url"]] for r in rows
                   if r.get("status") == 304 and not r.get("no_state") and r["url"] not in latest]
    if revalidated:
        fetched, urls = zip(*revalidated)
        con.execute("update raw.crawl_state s set last_status = 304, updated_at = v.fetched_at "
                    "from (select unnest($1)::timestamptz as fetched_at, unnest($2) as url) v where s.url = v.url",
                    [list(fetched), list(urls)])
    return len(rows)


def record_notices(con: duckdb.DuckDBPyConnection, portal_id: str, notices: Iterable[dict[str, Any]]) -> int:
    """Upsert notices seen on list pages (first_seen_at kept, last_seen_at advanced)."""
    now = _now()
    seen = list(notices)
    rows = {x["notice_url"]: Notice(notice_url=x["notice_url"], portal_id=portal_id, list_url=x.get("list_url"),
                                    title=x["title"], first_seen_at=now, last_seen_at=now) for x in seen}
    _insert(con, list(rows.values()), conflict=_update("notice_url", ["title", "list_url", "last_seen_at"]))
    return len(seen)


def _notice_detail(doc: dict[str, Any], now: datetime) -> Notice:
    """The notice row of a fetched document, with the labels its detail page carries."""
    meta = doc.get("meta") or {}
    body = next((p for p in doc.get("parts", []) if p["role"] == "body"), None)
    published = (meta.get("发布时间") or meta.get("发布日期") or meta.get("成文日期") or "")[:10] or None
    try:
        published = datetime.strptime(published.replace("/", "-").replace(".", "-"), "%Y-%m-%d").date() if published else None
    except ValueError:
        published = None
    return Notice(notice_url=doc["notice_url"], portal_id=doc["portal_id"], list_url=doc.get("list_url"),
                  title=doc.get("title") or "", index_no=meta.get("索引号"),
                  doc_no=meta.get("文件编号") or meta.get("发文字号"), publisher_org=meta.get("发布机构"),
                  category=meta.get("公开类别") or meta.get("主题分类"), published_on=published,
                  detail_request_id=body["request"]["request_id"] if body else None,
                  first_seen_at=now, last_seen_at=now)


_NOTICE_DETAIL_UPDATE = _update("notice_url", ["title", "index_no", "doc_no", "publisher_org", "category",
                                               "published_on", "detail_request_id", "last_seen_at"])


# -- audit ------------------------------------------------------------------
def start_audit(con: duckdb.DuckDBPyConnection, run: RunInfo, task: str, document_version_id: Optional[str]) -> str:
    """Open a load_audit row (committed on its own) and return the load id."""
    load_id = uuid.uuid4().hex
    _insert(con, [LoadAudit(load_id=load_id, dag_id=run.dag_id, run_id=run.run_id, task_id=task,
                            document_version_id=document_version_id, started_at=_now(), status="running")])
    return load_id


def _finish_audit(con: duckdb.DuckDBPyConnection, load_id: str, status: str, rows: int) -> None:
    con.execute("update raw.load_audit set ended_at = ?, status = ?, rows_loaded = ? where load_id = ?",
                [_now(), status, rows, load_id])


@dataclass
class LoadResult:
    load_id: str
    status: str             # loaded | skipped | quarantined
    rows: int
    document_version_id: Optional[str]


# -- documents --------------------------------------------------------------
def _write_crawl_and_document(con: duckdb.DuckDBPyConnection, doc: dict[str, Any], now: datetime,
                              seen: Optional[dict[str, int]] = None) -> None:
    """The document's crawl records, notice (when its page was read), document and renditions.
    ``seen`` (from ``_already_written``) lets rows nobody wrote before go in without conflict checks."""
    record_requests(con, doc.get("requests", []), fresh=seen is not None and not seen["requests"])
    if doc.get("parts"):
        _insert(con, [_notice_detail(doc, now)], conflict=_NOTICE_DETAIL_UPDATE)
    _insert(con, [Document(document_key=doc["document_key"], portal_id=doc["portal_id"], notice_url=doc["notice_url"],
                           role="notice", title=doc.get("title"), first_seen_at=now)],
            conflict=_update("document_key", ["title"]))
    _insert(con, [Rendition.from_dict(r, document_key=doc["document_key"], seen_at=now)
                  for r in doc.get("renditions", []) if r.get("sha256")],
            verb="insert" if seen and not seen["renditions"] else "insert or ignore")


def _already_written(con: duckdb.DuckDBPyConnection, doc: dict[str, Any]) -> dict[str, int]:
    """How many rows of this document version exist already, per kind, in one query: a first load
    (the common case) then inserts without conflict checks, which cost DuckDB 2-3x a plain insert."""
    row = fetch_row(
        con,
        """select (select count(*) from raw.document_versions where document_version_id = $vid),
                  (select count(*) from raw.validation_results where document_version_id = $vid),
                  (select count(*) from raw.quarantine where document_key = $key and resolved_at is null),
                  (select count(*) from raw.crawl_requests where request_id in (select unnest($requests))),
                  (select count(*) from raw.renditions where document_key = $key)""",
        {"vid": doc["document_version_id"], "key": doc["document_key"],
         "requests": [r["request_id"] for r in doc.get("requests", [])] or [""]})
    return dict(zip(["version", "validation", "open_quarantine", "requests", "renditions"], row))


def load_document(con: duckdb.DuckDBPyConnection, doc: dict[str, Any], extraction: dict[str, Any],
                  validation_rows: list[dict[str, Any]], run: RunInfo, *, task: str = "load") -> LoadResult:
    """Load one clean document version (its tasks, parts, validation) in one transaction.

    Statements per document: the audit row (committed alone, so a killed load leaves ``running``),
    then in one transaction one set-based statement per table written. A version loaded before
    (a newer parser) is replaced whole: its parts, tasks and version row are deleted first.
    """
    vid = doc["document_version_id"]
    primary = extraction.get("primary_part") or (doc["parts"][-1] if doc["parts"] else None)
    if primary is None:
        raise ValueError(f"document version {vid} ({doc['document_key']}) has no parts: nothing to load")
    load_id = start_audit(con, run, task, vid)
    d = extraction["document"]
    tasks = extraction["tasks"]
    now = _now()
    con.begin()
    try:
        seen = _already_written(con, doc)
        _write_crawl_and_document(con, doc, now, seen)
        replaced: list[type[Record]] = [VersionPart, TaskRow, DocumentVersion] if seen["version"] else []
        for table in replaced + ([ValidationResult] if seen["validation"] else []):
            con.execute(f"delete from {table.TABLE} where document_version_id = ?", [vid])
        _insert(con, [VersionPart(document_version_id=vid, part_no=i, role=p["role"], url=p["url"], format=p["format"],
                                  sha256=p["request"]["sha256"], request_id=p["request"]["request_id"])
                      for i, p in enumerate(doc["parts"])])
        _insert(con, [DocumentVersion(
            document_version_id=vid, document_key=doc["document_key"], source_url=primary["url"],
            source_format=primary["format"], request_id=primary["request"]["request_id"],
            fetched_at=primary["request"]["fetched_at"], title=d.get("title") or doc.get("title"),
            jurisdiction=d.get("jurisdiction"), issuer=d.get("issuer"), plan_year=d.get("year"),
            doc_number=d.get("doc_number"), issued_on=d.get("issued_on"), layout=d.get("layout"), task_count=len(tasks),
            parser_name=extraction.get("parser_name", "extract"), parser_version=extraction.get("parser_version", "?"),
            warnings=json.dumps(extraction.get("warnings", []), ensure_ascii=False), load_id=load_id, loaded_at=now,
            missing_parts=json.dumps(doc["missing"], ensure_ascii=False) if doc.get("missing") else None)])
        _insert(con, [TaskRow.from_dict(t, task_id=task_id(vid, t["seq"]), document_version_id=vid,
                                        lead_units=t.get("lead_units") or [], support_units=t.get("support_units") or [],
                                        units_open_list=bool(t.get("units_open_list")), load_id=load_id, loaded_at=now)
                      for t in tasks])
        _write_validation(con, validation_rows, load_id)
        if seen["open_quarantine"]:
            # A clean version of the document supersedes every open quarantine entry of that document.
            con.execute("update raw.quarantine set resolved_at = ? where document_key = ? and resolved_at is null",
                        [now, doc["document_key"]])
        _finish_audit(con, load_id, "loaded", len(tasks))
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return LoadResult(load_id, "loaded", len(tasks), vid)


def _write_validation(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], load_id: str) -> None:
    """Validation rows of one document in one statement (the caller deleted the version's earlier rows)."""
    _insert(con, [ValidationResult.from_dict(r, load_id=load_id, failures=r.get("failures") if isinstance(
        r.get("failures"), str) else json.dumps(r.get("failures") or [], ensure_ascii=False, default=str))
        for r in rows])


def quarantine_key(doc: dict[str, Any]) -> str:
    """The version id, or for a document whose bytes could not all be fetched a key of its failure."""
    return doc.get("document_version_id") or "fetch-" + hashlib.sha256(
        (doc["document_key"] + "|" + "|".join(sorted(doc.get("errors", [])))).encode()).hexdigest()[:40]


def quarantine_document(con: duckdb.DuckDBPyConnection, doc: dict[str, Any], *, stage: str, reasons: list[str],
                        parser_version: str, validation_rows: Optional[list[dict[str, Any]]] = None,
                        run: RunInfo, task: str = "load") -> LoadResult:
    """Record a document that may not enter the clean tables, with reasons and a link to its bytes."""
    key = quarantine_key(doc)
    load_id = start_audit(con, run, task, key)
    primary = next((p for p in reversed(doc.get("parts", []))), None)
    req = primary["request"] if primary else next(iter(doc.get("requests", [])), {})
    now = _now()
    con.begin()
    try:
        _write_crawl_and_document(con, doc, now)
        payload = json.dumps({"reasons": reasons, "parser_version": parser_version,
                              "errors": doc.get("errors", [])}, ensure_ascii=False)
        _insert(con, [Quarantine(document_version_id=key, document_key=doc["document_key"],
                                 source_url=(primary or {}).get("url") or doc["notice_url"],
                                 request_id=req.get("request_id"), stage=stage, reasons=payload,
                                 warc_file=req.get("warc_file"), warc_offset=req.get("warc_offset"),
                                 quarantined_at=now, attempts=1, dag_id=run.dag_id, run_id=run.run_id)],
                conflict=_update("document_version_id", ["reasons", "stage", "quarantined_at", "resolved_at", "dag_id",
                                                         "run_id"]) + ", attempts = raw.quarantine.attempts + 1")
        con.execute(f"delete from {ValidationResult.TABLE} where document_version_id = ?", [key])
        _write_validation(con, validation_rows or [], load_id)
        _finish_audit(con, load_id, "quarantined", 0)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return LoadResult(load_id, "quarantined", 0, key)


def record_skip(con: duckdb.DuckDBPyConnection, doc: dict[str, Any], run: RunInfo) -> LoadResult:
    """A version not loaded again: only the crawl records of this run are written. When the
    version fetched is one already loaded (action ``skip``), the document is healthy again, so
    its open quarantine entries are resolved (a 404 last run, the same bytes as the loaded
    version now)."""
    con.begin()
    try:
        record_requests(con, doc.get("requests", []))
        if doc.get("action") == "skip":
            con.execute("update raw.quarantine set resolved_at = ? where document_key = ? and resolved_at is null",
                        [_now(), doc["document_key"]])
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return LoadResult("", "skipped", 0, doc.get("document_version_id"))
