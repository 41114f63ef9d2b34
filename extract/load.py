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
from typing import Any, Iterable, Optional

import duckdb

from extract.crawl.crawler import RunInfo

_REQUEST_COLS = ["request_id", "portal_id", "url", "final_url", "kind", "status", "error", "fetched_at", "etag",
                 "last_modified", "content_type", "content_length", "sha256", "warc_file", "warc_offset",
                 "warc_length", "source_request_id", "dag_id", "run_id", "state"]


# raw.tasks columns in the order the loader writes them (lists travel as JSON text).
_TASK_COLS = ["task_id", "document_version_id", "seq", "task_name", "section", "task_content", "responsible_raw",
              "lead_units", "support_units", "units_open_list", "deadline_raw", "deadline_date", "load_id",
              "loaded_at"]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def task_id(document_version_id: str, seq: int) -> str:
    """Stable id of one task row of one version."""
    return hashlib.sha256(f"{document_version_id}|{seq}".encode()).hexdigest()[:20]


def _bulk(con: duckdb.DuckDBPyConnection, sql: str, cols: list[str], rows: list[list[Any]]) -> None:
    """Run one set-based statement over ``rows`` exposed as the relation ``_rows``.

    The rows travel as one list parameter per column, unnested in a CTE: a batch
    costs one statement (~0.5 ms idle), where DuckDB's executemany is row-at-a-time
    and registering a pandas frame costs ~20 ms of scan setup per call. Column types
    are DuckDB's inference from the Python values, so ``sql`` casts (``::date``,
    ``::timestamptz``) where a column may hold only None or text.
    """
    columns = list(zip(*rows)) if rows else [() for _ in cols]
    select = ", ".join(f"unnest(${i + 1}) as {c}" for i, c in enumerate(cols))
    con.execute(f"with _rows as (select {select}) {sql}", [list(c) for c in columns])


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
def record_requests(con: duckdb.DuckDBPyConnection, requests: Iterable[dict[str, Any]]) -> int:
    """Insert request records (idempotent by request_id) and advance crawl_state."""
    rows = list(requests)
    if not rows:
        return 0
    _bulk(con, f"insert or ignore into raw.crawl_requests ({', '.join(_REQUEST_COLS)}) select * from _rows",
          _REQUEST_COLS, [[r.get(c) for c in _REQUEST_COLS] for r in rows])
    # Latest validators per URL, one batched upsert (a URL may appear twice in one run's records).
    fresh: dict[str, list[Any]] = {}
    for r in rows:
        if r.get("status") == 200 and r.get("warc_file") and not r.get("no_state"):
            fresh[r["url"]] = [r["url"], r["portal_id"], r.get("etag"), r.get("last_modified"), r.get("sha256"),
                               r["request_id"], 200, r["fetched_at"]]
    if fresh:
        _bulk(
            con,
            """insert into raw.crawl_state (url, portal_id, etag, last_modified, sha256, last_request_id,
                                            last_status, updated_at)
               select * from _rows
               on conflict (url) do update set etag = excluded.etag, last_modified = excluded.last_modified,
                 sha256 = excluded.sha256, last_request_id = excluded.last_request_id,
                 last_status = excluded.last_status, updated_at = excluded.updated_at""",
            ["url", "portal_id", "etag", "last_modified", "sha256", "last_request_id", "last_status", "updated_at"],
            list(fresh.values()))
    revalidated = [[r["fetched_at"], r["url"]] for r in rows
                   if r.get("status") == 304 and not r.get("no_state") and r["url"] not in fresh]
    if revalidated:
        _bulk(con, "update raw.crawl_state s set last_status = 304, updated_at = _rows.fetched_at::timestamptz "
                   "from _rows where s.url = _rows.url", ["fetched_at", "url"], revalidated)
    return len(rows)


def record_notices(con: duckdb.DuckDBPyConnection, portal_id: str, notices: Iterable[dict[str, Any]]) -> int:
    """Upsert notices seen on list pages (first_seen_at kept, last_seen_at advanced)."""
    n = 0
    now = _now()
    for x in notices:
        con.execute(
            """insert into raw.notices (notice_url, portal_id, list_url, title, first_seen_at, last_seen_at)
               values (?, ?, ?, ?, ?, ?)
               on conflict (notice_url) do update set title = excluded.title, list_url = excluded.list_url,
                 last_seen_at = excluded.last_seen_at""",
            [x["notice_url"], portal_id, x.get("list_url"), x["title"], now, now])
        n += 1
    return n


def _record_notice_detail(con: duckdb.DuckDBPyConnection, doc: dict[str, Any]) -> None:
    meta = doc.get("meta") or {}
    body = next((p for p in doc.get("parts", []) if p["role"] == "body"), None)
    published = (meta.get("发布时间") or meta.get("发布日期") or meta.get("成文日期") or "")[:10] or None
    try:
        published = datetime.strptime(published.replace("/", "-").replace(".", "-"), "%Y-%m-%d").date() if published else None
    except ValueError:
        published = None
    now = _now()
    con.execute(
        """insert into raw.notices (notice_url, portal_id, list_url, title, index_no, doc_no, publisher_org,
                                    category, published_on, detail_request_id, first_seen_at, last_seen_at)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           on conflict (notice_url) do update set title = excluded.title, index_no = excluded.index_no,
             doc_no = excluded.doc_no, publisher_org = excluded.publisher_org, category = excluded.category,
             published_on = excluded.published_on, detail_request_id = excluded.detail_request_id,
             last_seen_at = excluded.last_seen_at""",
        [doc["notice_url"], doc["portal_id"], doc.get("list_url"), doc.get("title") or "",
         meta.get("索引号"), meta.get("文件编号") or meta.get("发文字号"), meta.get("发布机构"),
         meta.get("公开类别") or meta.get("主题分类"), published,
         body["request"]["request_id"] if body else None, now, now])


# -- audit ------------------------------------------------------------------
def start_audit(con: duckdb.DuckDBPyConnection, run: RunInfo, task: str, document_version_id: Optional[str]) -> str:
    """Open a load_audit row (committed on its own) and return the load id."""
    load_id = uuid.uuid4().hex
    con.execute("insert into raw.load_audit (load_id, dag_id, run_id, task_id, document_version_id, started_at, status)"
                " values (?, ?, ?, ?, ?, ?, 'running')", [load_id, run.dag_id, run.run_id, task, document_version_id, _now()])
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
def _upsert_document(con: duckdb.DuckDBPyConnection, doc: dict[str, Any]) -> None:
    now = _now()
    con.execute(
        """insert into raw.documents (document_key, portal_id, notice_url, role, title, first_seen_at)
           values (?, ?, ?, 'notice', ?, ?)
           on conflict (document_key) do update set title = excluded.title""",
        [doc["document_key"], doc["portal_id"], doc["notice_url"], doc.get("title"), now])
    for r in doc.get("renditions", []):
        if r.get("sha256"):
            con.execute("insert or ignore into raw.renditions (document_key, url, format, sha256, request_id, seen_at)"
                        " values (?, ?, ?, ?, ?, ?)",
                        [doc["document_key"], r["url"], r["format"], r["sha256"], r["request_id"], now])


def load_document(con: duckdb.DuckDBPyConnection, doc: dict[str, Any], extraction: dict[str, Any],
                  validation_rows: list[dict[str, Any]], run: RunInfo, *, task: str = "load") -> LoadResult:
    """Load one clean document version (its tasks, parts, validation) in one transaction."""
    vid = doc["document_version_id"]
    load_id = start_audit(con, run, task, vid)
    d = extraction["document"]
    tasks = extraction["tasks"]
    primary = extraction.get("primary_part") or (doc["parts"][-1] if doc["parts"] else None)
    now = _now()
    con.begin()
    try:
        if primary is None:
            raise ValueError(f"{doc['document_key']}: a version without parts cannot be loaded")
        record_requests(con, doc.get("requests", []))
        _record_notice_detail(con, doc)
        _upsert_document(con, doc)
        for i, p in enumerate(doc["parts"]):
            con.execute("insert or replace into raw.version_parts values (?, ?, ?, ?, ?, ?, ?)",
                        [vid, i, p["role"], p["url"], p["format"], p["request"]["sha256"], p["request"]["request_id"]])
        con.execute(
            """insert or replace into raw.document_versions (document_version_id, document_key, source_url,
                 source_format, request_id, fetched_at, title, jurisdiction, issuer, plan_year, doc_number,
                 issued_on, layout, task_count, parser_name, parser_version, warnings, load_id, loaded_at,
                 missing_parts)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [vid, doc["document_key"], primary["url"], primary["format"], primary["request"]["request_id"],
             primary["request"]["fetched_at"], d.get("title") or doc.get("title"), d.get("jurisdiction"),
             d.get("issuer"), d.get("year"), d.get("doc_number"), d.get("issued_on"), d.get("layout"), len(tasks),
             extraction.get("parser_name", "extract"), extraction.get("parser_version", "?"),
             json.dumps(extraction.get("warnings", []), ensure_ascii=False), load_id, now,
             json.dumps(doc["missing"], ensure_ascii=False) if doc.get("missing") else None])
        _bulk(con,
              """insert into raw.tasks (task_id, document_version_id, seq, task_name, section, task_content,
                   responsible_raw, lead_units, support_units, units_open_list, deadline_raw, deadline_date,
                   load_id, loaded_at)
                 select task_id, document_version_id, seq::integer, task_name, section, task_content,
                   responsible_raw, from_json(lead_units, '["VARCHAR"]'), from_json(support_units, '["VARCHAR"]'),
                   units_open_list::boolean, deadline_raw, deadline_date::date, load_id, loaded_at::timestamptz
                 from _rows
                 on conflict (document_version_id, seq) do update set task_name = excluded.task_name,
                   section = excluded.section, task_content = excluded.task_content,
                   responsible_raw = excluded.responsible_raw, lead_units = excluded.lead_units,
                   support_units = excluded.support_units, units_open_list = excluded.units_open_list,
                   deadline_raw = excluded.deadline_raw, deadline_date = excluded.deadline_date,
                   load_id = excluded.load_id, loaded_at = excluded.loaded_at""",
              _TASK_COLS,
              [[task_id(vid, t["seq"]), vid, t["seq"], t.get("task_name"), t.get("section"), t["task_content"],
                t.get("responsible_raw"), json.dumps(t.get("lead_units") or [], ensure_ascii=False),
                json.dumps(t.get("support_units") or [], ensure_ascii=False), bool(t.get("units_open_list")),
                t.get("deadline_raw"), t.get("deadline_date"), load_id, now]
               for t in tasks])
        # rows of an earlier load of this version that the new reading no longer has (seq may skip numbers)
        con.execute("delete from raw.tasks where document_version_id = ? and not list_contains(?, seq)",
                    [vid, [int(t["seq"]) for t in tasks]])
        _write_validation(con, validation_rows, load_id)
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
    cols = ["validation_id", "document_version_id", "suite", "success", "evaluated", "failed", "failures",
            "gx_version", "validated_at", "load_id"]
    for r in rows:
        vals = {**r, "load_id": load_id}
        if not isinstance(vals.get("failures"), str):
            vals["failures"] = json.dumps(vals.get("failures") or [], ensure_ascii=False, default=str)
        con.execute(f"insert or replace into raw.validation_results ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
                    [vals.get(c) for c in cols])


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
        record_requests(con, doc.get("requests", []))
        _record_notice_detail(con, doc) if doc.get("parts") else None
        _upsert_document(con, doc)
        payload = json.dumps({"reasons": reasons, "parser_version": parser_version,
                              "errors": doc.get("errors", [])}, ensure_ascii=False)
        con.execute(
            """insert into raw.quarantine (document_version_id, document_key, source_url, request_id, stage, reasons,
                 warc_file, warc_offset, quarantined_at, attempts, resolved_at, dag_id, run_id)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, null, ?, ?)
               on conflict (document_version_id) do update set reasons = excluded.reasons, stage = excluded.stage,
                 quarantined_at = excluded.quarantined_at, attempts = raw.quarantine.attempts + 1,
                 resolved_at = null, dag_id = excluded.dag_id, run_id = excluded.run_id""",
            [key, doc["document_key"], (primary or {}).get("url") or doc["notice_url"], req.get("request_id"),
             stage, payload, req.get("warc_file"), req.get("warc_offset"), now, run.dag_id, run.run_id])
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
