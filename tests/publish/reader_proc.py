"""A BI reader in its own process: query the published copy until told to stop.

    python reader_proc.py <db> <stop-file> <out.json> <mode>

mode ``reopen``: open read_only, count, close — every iteration (a dashboard refresh).
mode ``hold``: one read_only connection held open for the whole run (an analyst's
open DBeaver session), then one fresh connection after the stop file appears.
Every attempt is recorded: start time, end time, count or exception, latency.
``<out.json>.ready`` is written after the first successful query.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

SQL = "select count(*) from marts.fct_work_plan_tasks"


def main() -> None:
    db, stop, out, mode = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    ready = Path(str(out) + ".ready")
    records: list[dict] = []
    held = duckdb.connect(db, read_only=True) if mode == "hold" else None

    def attempt(phase: str) -> None:
        t0 = time.time()
        rec: dict = {"start": t0, "phase": phase}
        try:
            if held is not None and phase == "run":
                rec["count"] = held.execute(SQL).fetchone()[0]
            else:
                con = duckdb.connect(db, read_only=True)
                try:
                    rec["count"] = con.execute(SQL).fetchone()[0]
                finally:
                    con.close()
        except Exception as exc:  # noqa: BLE001 - recorded, never raised: the test asserts there are none
            rec["error"] = f"{type(exc).__name__}: {exc}"
        rec["end"] = time.time()
        rec["latency"] = rec["end"] - t0
        records.append(rec)
        if "count" in rec and not ready.exists():
            ready.write_text("ok")

    deadline = time.time() + 600
    while not stop.exists() and time.time() < deadline:
        attempt("run")
        time.sleep(0.01)
    if held is not None:
        held.close()
    attempt("after")
    out.write_text(json.dumps(records))


if __name__ == "__main__":
    main()
