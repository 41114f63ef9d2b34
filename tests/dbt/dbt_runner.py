"""Run dbt against a temp warehouse holding the raw gold data (used by the dbt tests)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import duckdb

from extract.transform import DBT_COMMAND
from raw_fixture import build_raw_warehouse

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT = DBT_COMMAND  # dbt's command line as the product runs it (extract/dbt_cli.py)


@dataclass
class BuiltWarehouse:
    path: Path
    stdout: str

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params: list | None = None):
        return self.query(sql, params)[0][0]


def run_dbt(args: list[str], warehouse: Path, work: Path, dbt: Iterable[str] = DBT) -> subprocess.CompletedProcess:
    """``dbt args`` on ``warehouse`` (target and logs in ``work``); ``dbt``: the command line (default
    the product's, DBT)."""
    env = {**os.environ, "WP_WAREHOUSE": str(warehouse), "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    cmd = [*dbt, *args, "--project-dir", str(DBT_PROJECT_DIR),
           "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    return subprocess.run(cmd, env=env, cwd=DBT_PROJECT_DIR, check=False, capture_output=True, text=True, timeout=600)


def build(tmp: Path, extra_plans: Iterable[tuple[str, dict]] = (), dbt_args: Iterable[str] = ()) -> BuiltWarehouse:
    """The gold raw data (+ extra_plans: (document key, plan dict)) in tmp/warehouse.duckdb, then
    `dbt build` with dbt_args (e.g. ["--vars", "{...}"]); asserts that dbt succeeded."""
    warehouse = tmp / "warehouse.duckdb"
    build_raw_warehouse(warehouse, extra_plans)
    proc = run_dbt(["build", *dbt_args], warehouse, tmp)
    assert proc.returncode == 0, f"dbt build failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"
    return BuiltWarehouse(warehouse, proc.stdout)


