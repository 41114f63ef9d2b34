"""Publish the warehouse for BI: a read-only DuckDB copy (atomic replace), Parquet marts and the HTML report.

BI tools read the published copy, never the working file, so they are not
blocked by (and do not block) loads and dbt builds on the working file: DuckDB's
"one writer XOR many readers" rule is per file, and nobody ever writes the
published file in place. Each publish

1. takes the working file's writer lock (``warehouse.connect``), checkpoints and
   closes it so the main file is complete (no WAL), and copies it to
   ``<publish>/workplans.duckdb.tmp`` (fsynced) — the only step that holds the lock;
2. opens the copy read-only to check it is a valid DuckDB file with a ``marts``
   schema, and writes every mart as ``parquet/<mart>.parquet.tmp`` from it;
3. makes the copy read-only (0444) and renames it over ``workplans.duckdb``
   (atomic: a reader opening the path gets the old or the new file, never a
   partial one; a reader that already has it open keeps reading the old inode
   until it reconnects), then renames each Parquet file into place;
4. rebuilds the HTML report (``extract.report``) from the published copy.

A failure before step 3 leaves the previous publication untouched and no
``*.tmp`` behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Optional

import duckdb

from extract import settings, warehouse

log = logging.getLogger(__name__)

PUBLISHED_DB_NAME = "workplans.duckdb"
PUBLISH_LOCK_NAME = ".publish.lock"
PARQUET_DIR_NAME = "parquet"
MARTS_SCHEMA = "marts"


class PublishError(Exception):
    """The working file could not be published (nothing was replaced)."""


def published_db_path() -> Path:
    return settings.publish_dir() / PUBLISHED_DB_NAME


@contextlib.contextmanager
def _publish_lock(out_dir: Path, timeout_s: float = 600.0) -> Iterator[None]:
    """One publish at a time per publish directory (a CLI run next to the DAG): they share temp names."""
    with warehouse.exclusive_lock(out_dir / PUBLISH_LOCK_NAME, timeout_s, f"publish directory {out_dir}",
                                  error=PublishError):
        yield


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(src: Path, dest: Path) -> None:
    with open(src, "rb") as fin, open(dest, "wb") as fout:
        shutil.copyfileobj(fin, fout, length=16 * 1024 * 1024)
        fout.flush()
        os.fsync(fout.fileno())


def _sql_str(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _export(copy: Path, parquet_dir: Path) -> dict[str, int]:
    """Check ``copy`` opens as DuckDB; write each mart to ``<mart>.parquet.tmp``; return row counts."""
    try:
        con = duckdb.connect(str(copy), read_only=True)
    except duckdb.Error as exc:
        raise PublishError(f"copy of the warehouse is not a readable DuckDB file: {exc}") from exc
    try:
        marts = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1",
            [MARTS_SCHEMA]).fetchall()]
        rows: dict[str, int] = {}
        for name in marts:
            rows[name] = int(con.execute(f'select count(*) from {MARTS_SCHEMA}."{name}"').fetchall()[0][0])
            dest = parquet_dir / f"{name}.parquet.tmp"
            con.execute(f'copy {MARTS_SCHEMA}."{name}" to {_sql_str(dest)} (format parquet, compression zstd)')
        return rows
    finally:
        con.close()


def publish(src: Optional[Path] = None, out_dir: Optional[Path] = None) -> dict[str, Any]:
    """Publish ``src`` (default: the working warehouse) into ``out_dir`` (default: ``settings.publish_dir()``)."""
    started = time.monotonic()
    src = Path(src or settings.warehouse_path())
    out_dir = Path(out_dir or settings.publish_dir())
    if not src.exists():
        raise PublishError(f"warehouse {src} does not exist; nothing to publish")
    out_dir.mkdir(parents=True, exist_ok=True)
    parquet_dir = out_dir / PARQUET_DIR_NAME
    parquet_dir.mkdir(exist_ok=True)
    with _publish_lock(out_dir):
        return _publish(src, out_dir, parquet_dir, started)


def _publish(src: Path, out_dir: Path, parquet_dir: Path, started: float) -> dict[str, Any]:
    target = out_dir / PUBLISHED_DB_NAME
    tmp = out_dir / (PUBLISHED_DB_NAME + ".tmp")

    def cleanup() -> None:
        tmp.unlink(missing_ok=True)
        for p in parquet_dir.glob("*.parquet.tmp"):
            p.unlink(missing_ok=True)

    cleanup()  # leftovers of a publish that was killed
    try:
        with warehouse.connect(src) as con:  # exclusive: nobody writes while we copy
            con.execute("checkpoint")
            con.close()  # a clean close folds the WAL into the main file
            wal = src.with_name(src.name + ".wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise PublishError(f"{wal} still holds changes after checkpoint; refusing to publish a partial copy")
            _copy(src, tmp)
        lock_s = time.monotonic() - started
        rows = _export(tmp, parquet_dir)
        if not rows:
            log.warning("warehouse %s has no %s schema yet (dbt has not run?)", src, MARTS_SCHEMA)
        os.chmod(tmp, 0o444)  # read-only: a BI tool that forgets read_only cannot open it for writing
        os.replace(tmp, target)  # atomic: readers see old or new, never half
        for name in rows:
            os.replace(parquet_dir / f"{name}.parquet.tmp", parquet_dir / f"{name}.parquet")
        for stale in parquet_dir.glob("*.parquet"):
            if stale.stem not in rows:
                stale.unlink()
        _fsync_dir(parquet_dir)
        _fsync_dir(out_dir)
    except BaseException:
        cleanup()
        raise
    marts = sorted(rows)
    published_at = datetime.now(timezone.utc)
    log.info("published %s (%d marts as Parquet) in %.1fs, writer lock held %.1fs",
             target, len(marts), time.monotonic() - started, lock_s)

    data_docs = None
    validations = settings.var_dir() / "validations"
    if validations.exists():
        from extract.data_docs import build_data_docs
        data_docs = str(build_data_docs(validations, out_dir=settings.data_docs_dir()))

    from extract import report as reporter
    try:
        report = str(reporter.build_report(target, out_dir))
    except Exception:
        log.exception("HTML report failed (the database and Parquet files were published)")
        raise
    return {"database": str(target), "parquet": str(parquet_dir), "marts": marts, "rows": rows,
            "report": report, "data_docs": data_docs, "published_at": published_at.isoformat(),
            "seconds": round(time.monotonic() - started, 3), "lock_seconds": round(lock_s, 3)}
