"""Run dbt on the warehouse (one writer: the caller holds the duckdb_writer pool)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from extract import settings

log = logging.getLogger(__name__)


# Flags of every product `dbt build` (benchmarks/warehouse_bench.py times the same command): dbt's
# unit tests check logic on static inputs and run in CI (tests/dbt), not on each warehouse run.
BUILD_FLAGS = ("--exclude-resource-type", "unit_test")


class DbtError(Exception):
    """dbt exited non-zero."""


def dbt_build(*, select: str | None = None, full_refresh: bool = False,
              extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    """``dbt build`` (seeds, models, tests) against ``settings.warehouse_path()``.

    The target directory (``var/dbt/target``) is kept between runs, so dbt reuses its
    ``partial_parse.msgpack`` and parses only changed files. ``full_refresh`` rebuilds every
    incremental model: needed after a seed or var change, which the incremental filters do not
    see (docs/ARCHITECTURE.md, "Incremental marts"). dbt's unit tests (logic on static inputs) run
    in CI (tests/dbt builds them), not on every warehouse run, as dbt recommends; every data test
    runs. Raises DbtError when dbt exits non-zero."""
    target = settings.var_dir() / "dbt"
    env = {**os.environ, "WP_WAREHOUSE": str(settings.warehouse_path()),
           "DBT_PROFILES_DIR": str(settings.DBT_PROJECT_DIR), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           **(extra_env or {})}
    dbt = Path(sys.executable).with_name("dbt")
    cmd = [str(dbt), "build", "--project-dir", str(settings.DBT_PROJECT_DIR), "--target-path", str(target / "target"),
           "--log-path", str(target / "logs"), *BUILD_FLAGS]
    if select:
        cmd += ["--select", select]
    if full_refresh:
        cmd.append("--full-refresh")
    proc = subprocess.run(cmd, env=env, check=False, capture_output=True, text=True, cwd=settings.DBT_PROJECT_DIR)
    for line in proc.stdout.splitlines():
        log.info("dbt: %s", line)
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.splitlines()[-40:])
        raise DbtError(f"dbt build failed (exit {proc.returncode}):\n{tail}\n{proc.stderr[-2000:]}")
    return {"returncode": 0, "target": str(target / "target")}
