"""Publish the warehouse for BI: a read-only DuckDB copy (atomic replace) and Parquet marts.

BI tools read the published copy, never the working file, so they are not
blocked by (and do not block) loads and dbt builds on the working file.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any, Optional

from extract import settings, warehouse

log = logging.getLogger(__name__)

PUBLISHED_DB_NAME = "workplans.duckdb"


def published_db_path() -> Path:
    return settings.publish_dir() / PUBLISHED_DB_NAME


def publish(src: Optional[Path] = None, out_dir: Optional[Path] = None) -> dict[str, Any]:
    """Checkpoint the working file, copy it next to the published one, then rename over it."""
    src = Path(src or settings.warehouse_path())
    out_dir = Path(out_dir or settings.publish_dir())
    out_dir.mkdir(parents=True, exist_ok=True)
    parquet_dir = out_dir / "parquet"
    parquet_dir.mkdir(exist_ok=True)
    tmp = out_dir / (PUBLISHED_DB_NAME + ".tmp")
    with warehouse.connect(src) as con:  # exclusive: nobody writes while we copy
        con.execute("checkpoint")
        marts = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        for name in marts:
            dest = parquet_dir / f"{name}.parquet"
            con.execute(f"copy marts.{name} to '{dest}.tmp' (format parquet)")
            os.replace(f"{dest}.tmp", dest)
        con.close()
        shutil.copyfile(src, tmp)
    os.replace(tmp, out_dir / PUBLISHED_DB_NAME)  # atomic: readers see old or new, never half
    data_docs = None
    validations = settings.var_dir() / "validations"
    if validations.exists():
        from extract.validate import build_data_docs
        data_docs = str(build_data_docs(validations, out_dir=settings.data_docs_dir()))
    report = None
    try:
        from extract import report as reporter  # optional until the report exists
        report = str(reporter.build_report(out_dir / PUBLISHED_DB_NAME, out_dir))
    except ImportError:
        log.info("report module not available; skipping HTML report")
    log.info("published %s (%d marts as Parquet)", out_dir / PUBLISHED_DB_NAME, len(marts))
    return {"database": str(out_dir / PUBLISHED_DB_NAME), "parquet": str(parquet_dir), "marts": marts,
            "report": report, "data_docs": data_docs}
