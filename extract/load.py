"""Write crawl records, clean document versions and quarantine into ``raw``.

One transaction per document version (``load_document``) or per batch of versions
(``load_documents``, which retries each version alone when the batch fails): either a
version, its parts, tasks and validation results are all there, or none are (a killed
process leaves only ``running`` rows in ``raw.load_audit``, and the next run loads the
version). Writes are keyed on natural keys (one pre-check query says what exists), so
re-running anything adds nothing. Rows are built in Python first (``_Rows``) and each
table gets one set-based statement per transaction (docs/BENCHMARKS.md §4, "Loader").
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import uuid
from dataclasses import dataclass, field
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

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def task_id(document_version_id: str, seq: int) -> str:
    """Stable id of one task row of one version."""
    return hashlib.sha256(f"{document_version_id}|{seq}".encode()).hexdigest()[:20]


# Above this many rows a pandas frame (object columns) is cheaper than list parameters: 10,073 task rows
# cost 0.10 s CPU as a frame vs 0.32-0.41 s as unnested lists; 170 rows 0.007 s vs 0.004 s (frame scan setup).
FRAME_ROWS = 500


def _insert(con: duckdb.DuckDBPyConnection, rows: Sequence[Record], *, verb: str = "insert",
            conflict: str = "") -> None:
    """Write ``rows`` (records of one table) with one set-based statement, whatever their number.

    The columns are the record's (``extract/records.py``), each cast to the column's DuckDB type;
    their values travel as one list parameter per column (unnested), or from ``FRAME_ROWS`` rows on
    as a registered pandas frame of object columns (DuckDB reads it without copying; mixed Python
    types in a column arrive as text and are cast). No per-row statements (``executemany`` is
    row-at-a-time: 500 task rows cost 1.1 s CPU). ``verb``: ``insert``, ``insert or ignore`` or
    ``insert or replace``; ``conflict``: an ``on conflict …`` clause.
    """
    if rows:
        _insert_columns(con, type(rows[0]), list(zip(*(r.row() for r in rows))), verb=verb, conflict=conflict)


def _insert_columns(con: duckdb.DuckDBPyConnection, record: type[Record], values: Sequence[Sequence[Any]], *,
                    verb: str = "insert", conflict: str = "") -> None:
    """``_insert`` for rows given as one list per column of ``record``, in its column order
    (``Record.columns_of``)."""
    if not values or not values[0]:
        return
    cols = record.columns()
    target = f"{verb} into {record.TABLE} ({', '.join(c.name for c in cols)})"
    if len(values[0]) < FRAME_ROWS:
        select = ", ".join(f"unnest(${i + 1})::{c.type} as {c.name}" for i, c in enumerate(cols))
        con.execute(f"{target} select {select} {conflict}", [list(v) for v in values])
        return
    import pandas as pd  # only here: a plain load of one document does not pay pandas' import

    name = f"_rows_{uuid.uuid4().hex}"
    con.register(name, pd.DataFrame({c.name: pd.Series(v, dtype=object) for c, v in zip(cols, values)}))
    try:
        select = ", ".join(f"{c.name}::{c.type}" for c in cols)
        con.execute(f"{target} select {select} from {name} {conflict}")
    finally:
        con.unregister(name)


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
    recorded yet, so no conflict check) and advance crawl_state (``_Rows.add_requests``)."""
    records = list(requests)
    rows = _Rows()
    rows.add_requests(records)
    if records:
        _write_crawl(con, rows, _Seen.nothing() if fresh else None)
    return len(records)


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
    _start_audits(con, run, task, [(load_id, document_version_id)])
    return load_id


def _start_audits(con: duckdb.DuckDBPyConnection, run: RunInfo, task: str,
                  loads: Sequence[tuple[str, Optional[str]]]) -> None:
    """``running`` audit rows for (load_id, document_version_id) pairs, in one statement committed on its own."""
    started = _now()
    _insert(con, [LoadAudit(load_id=load_id, dag_id=run.dag_id, run_id=run.run_id, task_id=task,
                            document_version_id=vid, started_at=started, status="running") for load_id, vid in loads])


def _finish_audits(con: duckdb.DuckDBPyConnection, loads: Sequence[tuple[str, int]], status: str) -> None:
    """End the audit rows of (load_id, rows loaded) pairs with ``status``, in one statement."""
    if loads:
        ids, counts = zip(*loads)
        con.execute("update raw.load_audit a set ended_at = $1, status = $2, rows_loaded = v.n "
                    "from (select unnest($3) as load_id, unnest($4)::integer as n) v where a.load_id = v.load_id",
                    [_now(), status, list(ids), list(counts)])


@dataclass
class LoadResult:
    load_id: str
    status: str             # loaded | skipped | quarantined | failed (load_documents only)
    rows: int
    document_version_id: Optional[str]
    error: Optional[str] = None  # why a load_documents item failed


# -- documents --------------------------------------------------------------
@dataclass
class _Rows:
    """The raw rows of one or more documents, merged the way loading them one after another leaves
    the tables: rows an existing row wins over (requests, renditions: ``insert or ignore``) keep
    their first occurrence; upserted rows (crawl state, notice, document) their last; a 304 updates
    a URL's state only when no later 200 of the same rows set it. ``audit``: (load_id, task rows) of
    the versions in these rows, finished as ``loaded`` in the same transaction."""

    requests: dict[str, CrawlRequest] = field(default_factory=dict)
    states: dict[str, CrawlState] = field(default_factory=dict)
    revalidated: dict[str, Any] = field(default_factory=dict)  # url -> fetched_at of its last 304
    notices: dict[str, Notice] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    renditions: dict[tuple[str, str, str], Rendition] = field(default_factory=dict)
    parts: list[VersionPart] = field(default_factory=list)
    versions: list[DocumentVersion] = field(default_factory=list)
    tasks: list[list[list[Any]]] = field(default_factory=list)  # per version: TaskRow.columns_of
    validation: list[ValidationResult] = field(default_factory=list)
    audit: list[tuple[str, int]] = field(default_factory=list)

    def merge(self, other: _Rows) -> None:
        """Add ``other``'s rows as if they were written after these."""
        for k, r in other.requests.items():
            self.requests.setdefault(k, r)
        for url, state in other.states.items():
            self.states[url] = state
            self.revalidated.pop(url, None)
        self.revalidated.update(other.revalidated)
        self.notices.update(other.notices)
        self.documents.update(other.documents)
        for key, rendition in other.renditions.items():
            self.renditions.setdefault(key, rendition)
        self.parts += other.parts
        self.versions += other.versions
        self.tasks += other.tasks
        self.validation += other.validation
        self.audit += other.audit

    def add_requests(self, requests: Iterable[dict[str, Any]]) -> None:
        """Request records (crawler dicts) and the crawl state they advance: the latest 200 per URL
        (a URL may appear twice in one run's records), else a 304's revalidation time."""
        own = _Rows()
        rows = list(requests)
        for r in rows:
            own.requests.setdefault(r["request_id"], CrawlRequest.from_dict(r))
            if r.get("status") == 200 and r.get("warc_file") and not r.get("no_state"):
                own.states[r["url"]] = CrawlState.from_dict(r, last_request_id=r["request_id"], last_status=200,
                                                            updated_at=r["fetched_at"])
        own.revalidated = {r["url"]: r["fetched_at"] for r in rows
                           if r.get("status") == 304 and not r.get("no_state") and r["url"] not in own.states}
        self.merge(own)

    def add_document(self, doc: dict[str, Any], now: datetime) -> None:
        """The document's crawl records, notice (when its page was read), document and renditions."""
        self.add_requests(doc.get("requests", []))
        if doc.get("parts"):
            self.notices[doc["notice_url"]] = _notice_detail(doc, now)
        self.documents[doc["document_key"]] = Document(
            document_key=doc["document_key"], portal_id=doc["portal_id"], notice_url=doc["notice_url"], role="notice",
            title=doc.get("title"), first_seen_at=now)
        for r in doc.get("renditions", []):
            if r.get("sha256"):
                self.renditions.setdefault((doc["document_key"], r["url"], r["sha256"]),
                                           Rendition.from_dict(r, document_key=doc["document_key"], seen_at=now))

    def add_version(self, doc: dict[str, Any], extraction: dict[str, Any], validation_rows: list[dict[str, Any]],
                    load_id: str, now: datetime) -> None:
        """The version row, its parts, tasks and validation results; ``ValueError`` when it has no part."""
        vid = doc["document_version_id"]
        primary = extraction.get("primary_part") or (doc["parts"][-1] if doc["parts"] else None)
        if primary is None:
            raise ValueError(f"document version {vid} ({doc['document_key']}) has no parts: nothing to load")
        d = extraction["document"]
        tasks = extraction["tasks"]
        self.parts.extend(VersionPart(document_version_id=vid, part_no=i, role=p["role"], url=p["url"],
                                      format=p["format"], sha256=p["request"]["sha256"],
                                      request_id=p["request"]["request_id"]) for i, p in enumerate(doc["parts"]))
        self.versions.append(DocumentVersion(
            document_version_id=vid, document_key=doc["document_key"], source_url=primary["url"],
            source_format=primary["format"], request_id=primary["request"]["request_id"],
            fetched_at=primary["request"]["fetched_at"], title=d.get("title") or doc.get("title"),
            jurisdiction=d.get("jurisdiction"), issuer=d.get("issuer"), plan_year=d.get("year"),
            doc_number=d.get("doc_number"), issued_on=d.get("issued_on"), layout=d.get("layout"), task_count=len(tasks),
            parser_name=extraction.get("parser_name", "extract"), parser_version=extraction.get("parser_version", "?"),
            warnings=json.dumps(extraction.get("warnings", []), ensure_ascii=False), load_id=load_id, loaded_at=now,
            missing_parts=json.dumps(doc["missing"], ensure_ascii=False) if doc.get("missing") else None))
        self.tasks.append(TaskRow.columns_of(
            tasks, each={"task_id": [task_id(vid, t["seq"]) for t in tasks],
                         "lead_units": [t.get("lead_units") or [] for t in tasks],
                         "support_units": [t.get("support_units") or [] for t in tasks],
                         "units_open_list": [bool(t.get("units_open_list")) for t in tasks]},
            same={"document_version_id": vid, "load_id": load_id, "loaded_at": now}))
        self.add_validation(validation_rows, load_id)
        self.audit.append((load_id, len(tasks)))

    def add_validation(self, rows: list[dict[str, Any]], load_id: str) -> None:
        """Validation result rows (``failures`` stored as JSON text)."""
        self.validation.extend(ValidationResult.from_dict(r, load_id=load_id, failures=r.get("failures") if isinstance(
            r.get("failures"), str) else json.dumps(r.get("failures") or [], ensure_ascii=False, default=str))
            for r in rows)


def document_rows(doc: dict[str, Any], extraction: dict[str, Any], validation_rows: list[dict[str, Any]],
                  load_id: str, now: datetime) -> dict[type[Record], list[list[Any]]]:
    """Every raw row loading this clean version writes, per record type (values in its column
    order), the audit row excepted: what ``load_document`` inserts, for comparisons
    (benchmarks/warehouse_bench.py's bulk-insert peer)."""
    rows = _Rows()
    rows.add_document(doc, now)
    rows.add_version(doc, extraction, validation_rows, load_id, now)
    return {
        CrawlRequest: [r.row() for r in rows.requests.values()], CrawlState: [r.row() for r in rows.states.values()],
        Notice: [r.row() for r in rows.notices.values()], Document: [r.row() for r in rows.documents.values()],
        Rendition: [r.row() for r in rows.renditions.values()], VersionPart: [r.row() for r in rows.parts],
        DocumentVersion: [r.row() for r in rows.versions], TaskRow: [list(r) for r in zip(*_concat(rows.tasks))],
        ValidationResult: [r.row() for r in rows.validation]}


def _concat(chunks: list[list[list[Any]]]) -> list[list[Any]]:
    """Column lists of several chunks (each one list per column, same columns) joined per column."""
    return [list(itertools.chain.from_iterable(c[i] for c in chunks)) for i in range(len(chunks[0]))] if chunks else []


@dataclass(frozen=True)
class _Seen:
    """What of a set of rows the warehouse holds already (``_existing``)."""

    versions: frozenset[str]
    validation: frozenset[str]
    open_quarantine: frozenset[str]
    requests: frozenset[str]
    renditions: frozenset[tuple[str, str, str]]

    @classmethod
    def nothing(cls) -> _Seen:
        """Nothing exists yet (the caller knows: plain inserts)."""
        return cls(frozenset(), frozenset(), frozenset(), frozenset(), frozenset())


def _existing(con: duckdb.DuckDBPyConnection, rows: _Rows) -> _Seen:
    """One query for what exists already of these rows: a first load (the common case) then inserts
    without conflict checks (DuckDB spends 2-3x a plain insert on them), deletes a version's old
    rows only when reloading it, and touches ``raw.quarantine`` only for documents with an open entry."""
    row = fetch_row(
        con,
        """select (select list(document_version_id) from raw.document_versions
                   where document_version_id in (select unnest($vids))),
                  (select list(distinct document_version_id) from raw.validation_results
                   where document_version_id in (select unnest($vids))),
                  (select list(distinct document_key) from raw.quarantine
                   where document_key in (select unnest($keys)) and resolved_at is null),
                  (select list(request_id) from raw.crawl_requests where request_id in (select unnest($requests))),
                  (select list([document_key, url, sha256]) from raw.renditions
                   where document_key in (select unnest($keys)))""",
        {"vids": [v.document_version_id for v in rows.versions] or [""], "keys": list(rows.documents) or [""],
         "requests": list(rows.requests) or [""]})
    versions, validation, quarantined, requests, renditions = (r or [] for r in row)
    return _Seen(frozenset(versions), frozenset(validation), frozenset(quarantined), frozenset(requests),
                 frozenset(tuple(r) for r in renditions))


_STATE_UPDATE = _update("url", [c for c in CrawlState.names() if c != "url"])


def _write_crawl(con: duckdb.DuckDBPyConnection, rows: _Rows, seen: Optional[_Seen]) -> None:
    """Requests, crawl state, notices, documents and renditions. ``seen`` None: nothing is known of
    what exists, so requests and renditions go in with ``insert or ignore``."""
    verb = "insert" if seen else "insert or ignore"
    _insert(con, [r for k, r in rows.requests.items() if not seen or k not in seen.requests], verb=verb)
    _insert(con, list(rows.states.values()), conflict=_STATE_UPDATE)
    if rows.revalidated:
        con.execute("update raw.crawl_state s set last_status = 304, updated_at = v.fetched_at "
                    "from (select unnest($1)::timestamptz as fetched_at, unnest($2) as url) v where s.url = v.url",
                    [list(rows.revalidated.values()), list(rows.revalidated)])
    _insert(con, list(rows.notices.values()), conflict=_NOTICE_DETAIL_UPDATE)
    _insert(con, list(rows.documents.values()), conflict=_update("document_key", ["title"]))
    _insert(con, [r for k, r in rows.renditions.items() if not seen or k not in seen.renditions], verb=verb)


def _write_versions(con: duckdb.DuckDBPyConnection, rows: _Rows, seen: _Seen, now: datetime) -> None:
    """Parts, versions, tasks and validation results; a version loaded before (a newer parser) is
    replaced whole (its parts, tasks, version row and validation rows deleted first); open quarantine
    entries of the documents are resolved (a clean version supersedes them); audit rows finished."""
    replaced = [v.document_version_id for v in rows.versions if v.document_version_id in seen.versions]
    revalidated = [v.document_version_id for v in rows.versions if v.document_version_id in seen.validation]
    for tables, vids in (((VersionPart, TaskRow, DocumentVersion), replaced), ((ValidationResult,), revalidated)):
        for table in tables if vids else ():
            con.execute(f"delete from {table.TABLE} where document_version_id in (select unnest($1))", [vids])
    _insert(con, rows.parts)
    _insert(con, rows.versions)
    _insert_columns(con, TaskRow, _concat(rows.tasks))
    _insert(con, rows.validation)
    resolved = sorted({v.document_key for v in rows.versions} & seen.open_quarantine)
    if resolved:
        con.execute("update raw.quarantine set resolved_at = $1 where resolved_at is null "
                    "and document_key in (select unnest($2))", [now, resolved])
    _finish_audits(con, rows.audit, "loaded")


def _commit_rows(con: duckdb.DuckDBPyConnection, rows: _Rows, now: datetime) -> None:
    """Write clean versions' rows in one transaction (all or nothing)."""
    con.begin()
    try:
        seen = _existing(con, rows)
        _write_crawl(con, rows, seen)
        _write_versions(con, rows, seen, now)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def load_document(con: duckdb.DuckDBPyConnection, doc: dict[str, Any], extraction: dict[str, Any],
                  validation_rows: list[dict[str, Any]], run: RunInfo, *, task: str = "load") -> LoadResult:
    """Load one clean document version (its tasks, parts, validation) in one transaction.

    Statements per document: the audit row (committed alone, so a killed load leaves ``running``),
    then in one transaction one pre-check query and one set-based statement per table written (~11),
    the audit update and the commit. A version loaded before (a newer parser) is replaced whole.
    ``ValueError`` (before anything is written) for a version without parts; a failing statement
    rolls the version back and raises (its audit row stays ``running``)."""
    load_id = uuid.uuid4().hex
    now = _now()
    rows = _Rows()
    rows.add_document(doc, now)
    rows.add_version(doc, extraction, validation_rows, load_id, now)
    _start_audits(con, run, task, [(load_id, doc["document_version_id"])])
    _commit_rows(con, rows, now)
    return LoadResult(load_id, "loaded", len(extraction["tasks"]), doc["document_version_id"])


def load_documents(con: duckdb.DuckDBPyConnection,
                   items: Sequence[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]],
                   run: RunInfo, *, task: str = "load") -> list[LoadResult]:
    """Load many clean versions (``items``: (doc, extraction, validation rows) as for
    ``load_document``), each all-or-nothing, in as few statements as the batch allows.

    All rows are built in Python first (a version that cannot be built fails alone: ``ValueError``,
    no audit row); the audit rows go in committed together (``running``); then one transaction
    writes the whole batch with one statement per table (~14 statements for any number of
    versions). If it fails, it is rolled back whole and each version is loaded alone in its own
    transaction, so a bad version fails alone (audit ``failed``) and the others load: no version is
    ever half written, lost or written twice. The batch's rows are merged as sequential loads
    would leave them (``_Rows``; ``tests/load/test_load_batch.py`` checks batch == one by one).
    Returns one ``LoadResult`` per item, in order (``failed`` with ``error`` for the failures).
    KeyboardInterrupt and other non-``Exception`` errors roll back and propagate."""
    now = _now()
    results: list[Optional[LoadResult]] = [None] * len(items)
    singles: list[tuple[int, str, _Rows]] = []
    batch = _Rows()
    for i, (doc, extraction, validation_rows) in enumerate(items):
        load_id = uuid.uuid4().hex
        one = _Rows()
        try:
            one.add_document(doc, now)
            one.add_version(doc, extraction, validation_rows, load_id, now)
        except Exception as exc:  # noqa: BLE001 - a malformed item fails alone, before anything is written
            results[i] = LoadResult("", "failed", 0, doc.get("document_version_id"), f"{type(exc).__name__}: {exc}")
            continue
        singles.append((i, load_id, one))
        batch.merge(one)
    if not singles:
        return [r for r in results if r is not None]
    _start_audits(con, run, task, [(load_id, one.versions[0].document_version_id) for _, load_id, one in singles])
    try:
        _commit_rows(con, batch, now)
        batch_failed = False
    except Exception as exc:  # noqa: BLE001 - any failure: the batch is gone whole, each version is retried alone
        log.warning("batch of %d versions failed (%s: %s); loading each alone", len(singles), type(exc).__name__, exc)
        batch_failed = True
    for i, load_id, one in singles:
        vid = one.versions[0].document_version_id
        try:
            if batch_failed:
                _commit_rows(con, one, now)
            results[i] = LoadResult(load_id, "loaded", one.audit[0][1], vid)
        except Exception as exc:  # noqa: BLE001 - reported in the result and the audit row
            _finish_audits(con, [(load_id, 0)], "failed")
            results[i] = LoadResult(load_id, "failed", 0, vid, f"{type(exc).__name__}: {exc}")
    return [r for r in results if r is not None]


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
    rows = _Rows()
    rows.add_document(doc, now)
    rows.add_validation(validation_rows or [], load_id)
    con.begin()
    try:
        _write_crawl(con, rows, None)
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
        _insert(con, rows.validation)
        _finish_audits(con, [(load_id, 0)], "quarantined")
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
