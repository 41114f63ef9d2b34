"""Run dbt on the warehouse (one writer: the caller holds the duckdb_writer pool)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

from extract import settings

log = logging.getLogger(__name__)


# Flags of every product `dbt build` (benchmarks/warehouse_bench.py times the same command): dbt's
# unit tests check logic on static inputs and run in CI (tests/dbt), not on each warehouse run.
# dbt.log (var/dbt/logs) at info level, the lines stdout (Airflow's task log) has: dbt's debug
# events (every SQL statement, adapter and cache events) cost ~1.5-2 CPU s of a 100k routine build
# (docs/BENCHMARKS.md §4); WP_DBT_LOG_LEVEL_FILE=debug brings them back for debugging.
BUILD_FLAGS = ("--exclude-resource-type", "unit_test",
               "--log-level-file", os.environ.get("WP_DBT_LOG_LEVEL_FILE", "info"))
# dbt_project/selectors.yml: every node but the seeds unchanged since the state manifest and the
# tests that read only those seeds.
ROUTINE_SELECTOR = "routine_build"


class DbtError(Exception):
    """dbt exited non-zero."""


def routine_args(warehouse: Path, state_dir: Path) -> list[str]:
    """Selection arguments of a routine ``dbt build`` of ``warehouse``: ``--selector routine_build
    --state <state_dir>`` (skip the seeds unchanged since then, and their tests) when ``state_dir``
    holds the manifest of the last dbt command on this very warehouse, that command passed
    (dbt_runs.builds, dbt_project/macros/test_scope.sql) and every seed table it loaded is there;
    else ``[]`` (everything). A missing or foreign state directory, a warehouse without the seeds,
    a failed or interrupted last build all give ``[]``. Never raises on a bad state: logs and
    returns ``[]``."""
    manifest = state_dir / "manifest.json"
    if not manifest.is_file() or not warehouse.is_file():
        return []
    try:
        state = json.loads(manifest.read_text(encoding="utf-8"))
        seeds = {(n["schema"], n["alias"]) for n in state["nodes"].values() if n["resource_type"] == "seed"}
        with duckdb.connect(str(warehouse), read_only=True) as con:
            last = con.execute("select invocation_id, status from dbt_runs.builds order by started_at desc limit 1"
                               ).fetchone()
            tables = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
    except (OSError, ValueError, KeyError, duckdb.Error) as exc:
        log.info("dbt state %s not used: %s", state_dir, exc)
        return []
    if last != (state["metadata"]["invocation_id"], "passed") or not seeds <= tables:
        log.info("dbt state %s not used: last build %s, manifest %s, seeds missing %s", state_dir, last,
                 state["metadata"]["invocation_id"], sorted(seeds - tables))
        return []
    return ["--selector", ROUTINE_SELECTOR, "--state", str(state_dir)]


def keep_state(target_dir: Path, state_dir: Path) -> None:
    """After a build that passed and loaded every changed seed (no --select): its manifest becomes
    the state the next routine build compares the seeds with."""
    state_dir.mkdir(parents=True, exist_ok=True)
    tmp = state_dir / "manifest.json.tmp"
    shutil.copyfile(target_dir / "manifest.json", tmp)
    tmp.replace(state_dir / "manifest.json")


def dbt_build(*, select: str | None = None, full_refresh: bool = False,
              extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    """``dbt build`` (seeds, models, tests) against ``settings.warehouse_path()``.

    The target directory (``var/dbt/target``) is kept between runs, so dbt reuses its
    ``partial_parse.msgpack`` and parses only changed files. ``full_refresh`` rebuilds every
    incremental model: needed after a seed or var change, which the incremental filters do not
    see (docs/ARCHITECTURE.md, "Incremental marts"). dbt's unit tests (logic on static inputs) run
    in CI (tests/dbt builds them), not on every warehouse run, as dbt recommends; every data test
    runs, scoped to the rows the build rebuilt when the build before it passed (docs/ARCHITECTURE.md,
    "Data tests scoped to the rebuilt rows"). Seeds unchanged since the last build that passed are
    not reloaded nor retested (``routine_args``; ``var/dbt/state``); ``full_refresh`` or a first
    build loads them all. Raises DbtError when dbt exits non-zero."""
    target = settings.var_dir() / "dbt"
    state = target / "state"
    env = {**os.environ, "WP_WAREHOUSE": str(settings.warehouse_path()),
           "DBT_PROFILES_DIR": str(settings.DBT_PROJECT_DIR), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           **(extra_env or {})}
    dbt = Path(sys.executable).with_name("dbt")
    cmd = [str(dbt), "build", "--project-dir", str(settings.DBT_PROJECT_DIR), "--target-path", str(target / "target"),
           "--log-path", str(target / "logs"), *BUILD_FLAGS]
    if select:
        cmd += ["--select", select]
    elif not full_refresh:
        cmd += routine_args(settings.warehouse_path(), state)
    if full_refresh:
        cmd.append("--full-refresh")
    proc = subprocess.run(cmd, env=env, check=False, capture_output=True, text=True, cwd=settings.DBT_PROJECT_DIR)
    for line in proc.stdout.splitlines():
        log.info("dbt: %s", line)
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.splitlines()[-40:])
        raise DbtError(f"dbt build failed (exit {proc.returncode}):\n{tail}\n{proc.stderr[-2000:]}")
    if not select:
        keep_state(target / "target", state)
    return {"returncode": 0, "target": str(target / "target")}
