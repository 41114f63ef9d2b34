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
from extract.records import RECORDS

# The raw schema, derived from the records (extract/records.py): one ``create table`` per record,
# then an idempotent ``alter table … add column`` for each column added after the table shipped.
RAW_DDL: list[str] = ["create schema if not exists raw", *(stmt for record in RECORDS for stmt in record.ddl())]


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and tables if missing (idempotent)."""
    for stmt in RAW_DDL:
        con.execute(stmt)


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
