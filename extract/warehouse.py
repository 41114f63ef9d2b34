"""DuckDB connection handling and the ``raw`` schema every loader writes.

DuckDB allows one writing process per file. Airflow serializes writers with the
``duckdb_writer`` pool; ``connect()`` additionally takes an advisory file lock
so that two processes on one host (CLI + scheduler, tests) queue instead of
failing with "Could not set lock on file".
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Iterator, Optional

import duckdb
from filelock import FileLock, Timeout

from extract import settings
from extract.records import RECORDS

# The raw schema, derived from the records (extract/records.py): one ``create table`` per record,
# then an idempotent ``alter table … add column`` for each column added after the table shipped.
RAW_DDL: list[str] = ["create schema if not exists raw", *(stmt for record in RECORDS for stmt in record.ddl())]


def fetch_row(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> tuple[Any, ...]:
    """The single row of a query that always returns one (an aggregate, a scalar subquery select);
    ``LookupError`` naming the query when it returns none. The result is read to its end: DuckDB 2
    refuses ``register`` (and other work) on a connection whose last result has unread rows, and
    ``fetchone`` leaves the end unread."""
    rows = con.execute(sql, params).fetchall() if params is not None else con.execute(sql).fetchall()
    if not rows:
        raise LookupError(f"query returned no row: {sql[:200]}")
    return rows[0]


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
