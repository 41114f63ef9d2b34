"""One writing process at a time: a second writer waits on the lock file and times out clearly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from extract import warehouse

SECOND_WRITER = """
import sys
from pathlib import Path
from extract import warehouse
try:
    with warehouse.connect(Path(sys.argv[1]), lock_timeout_s=float(sys.argv[2])) as con:
        con.execute("insert into t values (2)")
    print("wrote")
except TimeoutError as exc:
    print("timeout:", exc)
"""


def _second_writer(db: Path, timeout_s: float) -> str:
    out = subprocess.run([sys.executable, "-c", SECOND_WRITER, str(db), str(timeout_s)],
                         capture_output=True, text=True, timeout=120, check=True)
    return out.stdout.strip()


def test_second_writer_times_out_while_the_first_holds_the_file(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with warehouse.connect(db) as con:
        con.execute("create table t (x int)")
        con.execute("insert into t values (1)")
        msg = _second_writer(db, 0.5)
        assert msg.startswith("timeout: warehouse ") and "locked by another writer" in msg
    # released: the next writer gets in and its row lands exactly once
    assert _second_writer(db, 30) == "wrote"
    with warehouse.connect(db, read_only=True) as con:
        assert con.execute("select x from t order by x").fetchall() == [(1,), (2,)]
