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
# dbt_project/selectors.yml: every node but the seeds, views and seed-only models unchanged since
# the state manifest, and the tests that read only those.
ROUTINE_SELECTOR = "routine_build"
# Kept next to the state manifest: dbt's state:modified does not see a changed var (dim_jurisdiction
# renders two), so a changed dbt_project.yml means no state.
STATE_PROJECT_FILE = "dbt_project.yml"


class DbtError(Exception):
    """dbt exited non-zero."""


def routine_args(warehouse: Path, state_dir: Path) -> list[str]:
    """Selection arguments of a routine ``dbt build`` of ``warehouse``: ``--selector routine_build
    --state <state_dir>`` (skip the seeds, views and seed-only models unchanged since then, and the
    tests that read only those) when ``state_dir`` holds the manifest of the last dbt command on this
    very warehouse, that command passed (dbt_runs.builds, dbt_project/macros/test_scope.sql), the
    project file (vars) is the one kept with it, every seed and model relation it names is in the
    warehouse and every view in it still binds (``select * ... limit 0``: a raw column dropped or
    renamed under an unchanged view is found here, not by the views' readers); else ``[]``
    (everything). A missing or foreign state directory, a changed dbt_project.yml, a warehouse
    without one of the relations, a failed or interrupted last build all give ``[]``. Never raises on a bad state: logs and returns ``[]``."""
    manifest = state_dir / "manifest.json"
    project = settings.DBT_PROJECT_DIR / STATE_PROJECT_FILE
    if not manifest.is_file() or not warehouse.is_file():
        return []
    try:
        if (state_dir / STATE_PROJECT_FILE).read_bytes() != project.read_bytes():
            log.info("dbt state %s not used: %s changed since", state_dir, project)
            return []
        state = json.loads(manifest.read_text(encoding="utf-8"))
        relations = {(n["schema"], n["alias"]): n["config"]["materialized"] for n in state["nodes"].values()
                     if n["resource_type"] in ("seed", "model") and n["config"]["materialized"] != "ephemeral"}
        with duckdb.connect(str(warehouse), read_only=True) as con:
            last = con.execute("select invocation_id, status from dbt_runs.builds order by started_at desc limit 1"
                               ).fetchone()
            tables = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
            missing = sorted(set(relations) - tables)
            if not missing:
                for (schema, alias), materialized in relations.items():
                    if materialized == "view":
                        con.execute(f'select * from "{schema}"."{alias}" limit 0')
    except (OSError, ValueError, KeyError, duckdb.Error) as exc:
        log.info("dbt state %s not used: %s", state_dir, exc)
        return []
    if last != (state["metadata"]["invocation_id"], "passed") or missing:
        log.info("dbt state %s not used: last build %s, manifest %s, relations missing %s", state_dir, last,
                 state["metadata"]["invocation_id"], missing)
        return []
    return ["--selector", ROUTINE_SELECTOR, "--state", str(state_dir)]


def keep_state(target_dir: Path, state_dir: Path) -> None:
    """After a build that passed and built every changed node (no --select): its manifest (and the
    project file, whose vars dbt's state comparison does not see) become the state the next routine
    build compares the project with."""
    state_dir.mkdir(parents=True, exist_ok=True)
    for source, name in ((target_dir / "manifest.json", "manifest.json"),
                         (settings.DBT_PROJECT_DIR / STATE_PROJECT_FILE, STATE_PROJECT_FILE)):
        tmp = state_dir / f"{name}.tmp"
        shutil.copyfile(source, tmp)
        tmp.replace(state_dir / name)


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
    not reloaded nor retested, nor are the views and seed-only models unchanged since then
    (``routine_args``; ``var/dbt/state``); ``full_refresh`` or a first build builds them all. Raises DbtError when dbt exits non-zero."""
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
