"""The benchmark's bulk path writes exactly the raw rows the product's loader writes.

benchmarks/warehouse_bench.py builds its large raw warehouses (1M tasks) with DuckDB's bulk
insert instead of ``load_document`` (an hour at 1M); dbt's figures only mean something if the
two warehouses hold the same rows. Compared table by table on generated plans, leaving out the
columns the loader takes from the clock or a uuid (load ids, load and seen times).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from benchmarks.warehouse_bench import BULK_TABLES, bulk_insert, generate, load_all
from extract.records import RECORDS

CLOCK = {"load_id", "loaded_at", "first_seen_at", "last_seen_at", "seen_at", "started_at", "ended_at"}


def _rows(path: Path, table: str, columns: list[str]) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"select {', '.join(columns)} from {table} order by all").fetchall()


def test_bulk_insert_writes_the_loaders_rows(tmp_path):
    plans = generate(300, seed=3)[:6]
    load_all(tmp_path / "loader.duckdb", plans)
    bulk_insert(tmp_path / "bulk.duckdb", plans)
    written = set()
    for cls in RECORDS:
        columns = [c for c in cls.names() if c not in CLOCK]
        loader, bulk = _rows(tmp_path / "loader.duckdb", cls.TABLE, columns), _rows(tmp_path / "bulk.duckdb",
                                                                                      cls.TABLE, columns)
        assert bulk == loader, cls.TABLE
        if loader:
            written.add(cls)
    # every table the loader fills is in the bulk path (quarantine stays empty for clean plans)
    assert written == set(BULK_TABLES)
    tasks = sum(len(e["tasks"]) for _, e in plans)
    assert _rows(tmp_path / "bulk.duckdb", "raw.tasks", ["count(*)"]) == [(tasks,)]
    # lineage: every task's load_id is its version's, and that load is audited as loaded with its rows
    assert _rows(tmp_path / "bulk.duckdb", "raw.tasks t join raw.document_versions v using (document_version_id) "
                 "join raw.load_audit a on a.load_id = t.load_id and a.load_id = v.load_id",
                 ["count(*)", "count(distinct a.load_id)", "min(a.status)", "max(a.status)"]
                 ) == [(tasks, len(plans), "loaded", "loaded")]
