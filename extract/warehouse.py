"""DuckDB connection handling and the ``raw`` schema every loader writes.

DuckDB allows one writing process per file. Airflow serializes writers with the
``duckdb_writer`` pool; ``connect()`` additionally takes an advisory file lock
so that two processes on one host (CLI + scheduler, tests) queue instead of
failing with "Could not set lock on file".
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator, Optional

import duckdb
from filelock import FileLock, Timeout

from extract import settings

RAW_DDL: list[str] = [
    "create schema if not exists raw",
    # One row per HTTP exchange the crawler made (304s and errors included).
    """create table if not exists raw.crawl_requests (
        request_id varchar primary key,
        portal_id varchar not null,
        url varchar not null,
        final_url varchar,
        kind varchar not null,            -- list | detail | attachment | robots | resource (loaded by a rendered page)
        status integer,                   -- HTTP status; null when no response
        error varchar,                    -- transport error / robots / off-host
        fetched_at timestamptz not null,
        etag varchar,
        last_modified varchar,
        content_type varchar,
        content_length bigint,
        sha256 varchar,
        warc_file varchar,                -- relative to the archive dir
        warc_offset bigint,
        warc_length bigint,
        source_request_id varchar,        -- for a 304: the request whose archived bytes it stands for
        dag_id varchar,
        run_id varchar,
        state varchar                     -- fetched | not_modified | challenged | refused | error
    )""",
    # Older warehouses: the crawl state column (issue 12) added in place.
    "alter table raw.crawl_requests add column if not exists state varchar",
    # Latest validators per URL for conditional GET (the crawl frontier state).
    """create table if not exists raw.crawl_state (
        url varchar primary key,
        portal_id varchar not null,
        etag varchar,
        last_modified varchar,
        sha256 varchar,
        last_request_id varchar,
        last_status integer,
        updated_at timestamptz not null
    )""",
    # A notice (detail page) found on a portal list page.
    """create table if not exists raw.notices (
        notice_url varchar primary key,
        portal_id varchar not null,
        list_url varchar,
        title varchar not null,
        index_no varchar,                 -- 索引号
        doc_no varchar,                   -- 文件编号
        publisher_org varchar,            -- 发布机构
        category varchar,                 -- 公开类别
        published_on date,                -- 发布时间
        detail_request_id varchar,
        first_seen_at timestamptz not null,
        last_seen_at timestamptz not null
    )""",
    # What a document *is*: portal + notice URL + role (body | attachment:N).
    """create table if not exists raw.documents (
        document_key varchar primary key,
        portal_id varchar not null,
        notice_url varchar not null,
        role varchar not null,
        title varchar,
        first_seen_at timestamptz not null
    )""",
    # Every rendition (format) of a document, each archived.
    """create table if not exists raw.renditions (
        document_key varchar not null,
        url varchar not null,
        format varchar,
        sha256 varchar not null,
        request_id varchar not null,
        seen_at timestamptz not null,
        primary key (document_key, url, sha256)
    )""",
    # One version of a document: sha256 of the bytes the tasks were read from.
    """create table if not exists raw.document_versions (
        document_version_id varchar primary key,
        document_key varchar not null,
        source_url varchar not null,
        source_format varchar not null,
        request_id varchar not null,      -- the crawl request that fetched the bytes
        fetched_at timestamptz not null,
        title varchar,
        jurisdiction varchar,
        issuer varchar,
        plan_year integer,
        doc_number varchar,
        issued_on date,
        layout varchar,
        task_count integer not null,
        parser_name varchar not null,
        parser_version varchar not null,
        warnings json,
        load_id varchar not null,
        loaded_at timestamptz not null,
        missing_parts json               -- renditions the notice lists that could not be read (partial version)
    )""",
    # Files created before missing_parts existed (idempotent).
    "alter table raw.document_versions add column if not exists missing_parts json",
    # The parts (notice body, chosen attachment renditions) a version was read from.
    """create table if not exists raw.version_parts (
        document_version_id varchar not null,
        part_no integer not null,
        role varchar not null,            -- body | attachment:<label>
        url varchar not null,
        format varchar not null,
        sha256 varchar not null,
        request_id varchar not null,
        primary key (document_version_id, part_no)
    )""",
    # One task row of one document version.
    """create table if not exists raw.tasks (
        task_id varchar primary key,
        document_version_id varchar not null,
        seq integer not null,
        task_name varchar,
        section varchar,
        task_content varchar not null,
        responsible_raw varchar,
        lead_units varchar[],
        support_units varchar[],
        units_open_list boolean not null,
        deadline_raw varchar,
        deadline_date date,
        load_id varchar not null,
        loaded_at timestamptz not null,
        deadline_kind varchar,            -- extract.tasks.normalize.DEADLINE_KINDS (read_deadline)
        unique (document_version_id, seq)
    )""",
    # Files created before deadline_kind existed (idempotent); ensure_raw_schema fills their rows' kind.
    "alter table raw.tasks add column if not exists deadline_kind varchar",
    # Great Expectations results per suite and document version.
    """create table if not exists raw.validation_results (
        validation_id varchar primary key,
        document_version_id varchar not null,
        suite varchar not null,
        success boolean not null,
        evaluated integer,
        failed integer,
        failures json,                    -- [{expectation, column, observed}]
        gx_version varchar,
        validated_at timestamptz not null,
        load_id varchar
    )""",
    # Documents stopped before the clean tables, with reasons and their bytes.
    """create table if not exists raw.quarantine (
        document_version_id varchar primary key,
        document_key varchar not null,
        source_url varchar,
        request_id varchar,
        stage varchar not null,           -- fetch | parse | validate | load
        reasons json not null,
        warc_file varchar,
        warc_offset bigint,
        quarantined_at timestamptz not null,
        attempts integer not null default 1,
        resolved_at timestamptz,
        dag_id varchar,
        run_id varchar
    )""",
    # dlt-style load audit: who wrote what, when.
    """create table if not exists raw.load_audit (
        load_id varchar primary key,
        dag_id varchar,
        run_id varchar,
        task_id varchar,
        document_version_id varchar,
        started_at timestamptz not null,
        ended_at timestamptz,
        rows_loaded integer,
        status varchar not null           -- running | loaded | skipped | quarantined | failed
    )""",
]


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and tables if missing, add columns newer code writes (idempotent), and
    give task rows loaded before ``deadline_kind`` existed their kind (``_fill_deadline_kinds``)."""
    for stmt in RAW_DDL:
        con.execute(stmt)
    _fill_deadline_kinds(con)


def _fill_deadline_kinds(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute ``raw.tasks.deadline_kind`` where it is null (rows of an older warehouse) with the one
    parser, ``read_deadline(deadline_raw, plan_year of the version)``; the stored date is left as loaded
    (the parser's dates did not change when kinds were added). No null rows: one cheap query."""
    from extract.tasks.normalize import read_deadline  # the parse layer is not needed for a plain connect

    rows = con.execute(
        """select t.task_id, t.deadline_raw, v.plan_year from raw.tasks t
           left join raw.document_versions v using (document_version_id)
           where t.deadline_kind is null""").fetchall()
    if rows:
        con.execute(
            """update raw.tasks set deadline_kind = k.kind
               from (select unnest($1) as task_id, unnest($2) as kind) k where raw.tasks.task_id = k.task_id""",
            [[r[0] for r in rows], [read_deadline(r[1], r[2]).kind for r in rows]])


@contextlib.contextmanager
def exclusive_lock(lock_path: Path, timeout_s: float, what: str,
                   error: type[Exception] = TimeoutError) -> Iterator[None]:
    """Host-wide exclusive lock on ``lock_path``: waits up to ``timeout_s``, then raises ``error`` naming ``what``."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path)
    try:
        lock.acquire(timeout=timeout_s, poll_interval=0.2)
    except Timeout as exc:
        raise error(f"{what} is locked by another writer for {timeout_s}s") from exc
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def connect(path: Optional[Path] = None, *, read_only: bool = False,
            lock_timeout_s: float = 600.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse; writers hold an exclusive host-level lock while open."""
    path = Path(path or settings.warehouse_path())
    if read_only:
        con = duckdb.connect(str(path), read_only=True)
        try:
            yield con
        finally:
            con.close()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(path.with_suffix(path.suffix + ".lock"), lock_timeout_s, f"warehouse {path}"):
        con = duckdb.connect(str(path))
        try:
            ensure_raw_schema(con)
            yield con
        finally:
            con.close()
