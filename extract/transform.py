"""Run dbt on the warehouse (one writer: the caller holds the duckdb_writer pool)."""

from __future__ import annotations

import json
import logging
import os
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


# dbt's command line as the product runs it: dbt, then an exit without the interpreter's teardown
# (extract/dbt_cli.py). -P: the working directory (dbt_project/) is not put on sys.path.
DBT_COMMAND = (sys.executable, "-P", "-m", "extract.dbt_cli")


class DbtError(Exception):
    """dbt exited non-zero."""


def project_file_bytes() -> bytes:
    """The bytes of dbt_project.yml as a build is about to use it. ``dbt_build`` reads them once, before
    dbt starts, and both compares them with the state's copy and keeps them with the new state: a file
    edited while a build runs then differs next time, and that build builds everything. Raises OSError."""
    return (settings.DBT_PROJECT_DIR / STATE_PROJECT_FILE).read_bytes()


def routine_args(warehouse: Path, state_dir: Path, project: bytes | None = None) -> list[str]:
    """Selection arguments of a routine ``dbt build`` of ``warehouse``: ``--selector routine_build
    --state <state_dir>`` (skip the seeds, views and seed-only models unchanged since then, and the
    tests that read only those) when ``state_dir`` holds the manifest of the last dbt command on this
    very warehouse, that command passed (dbt_runs.builds, dbt_project/macros/test_scope.sql), the
    project file (vars) is the one kept with it, every seed and model relation it names is in the
    warehouse and every view in it still binds (``select * ... limit 0``: a raw column dropped or
    renamed under an unchanged view is found here, not by the views' readers); else ``[]``
    (everything). A missing or foreign state directory, a changed dbt_project.yml, a warehouse
    without one of the relations, a failed or interrupted last build all give ``[]``. ``project``: the
    dbt_project.yml bytes the build will use (``project_file_bytes``; read now when None). Never raises
    on a bad state (unreadable, truncated or malformed manifest, foreign warehouse): logs and returns
    ``[]``."""
    manifest = state_dir / "manifest.json"
    if not manifest.is_file() or not warehouse.is_file():
        return []
    try:
        if (state_dir / STATE_PROJECT_FILE).read_bytes() != (project_file_bytes() if project is None else project):
            log.info("dbt state %s not used: %s changed since", state_dir, STATE_PROJECT_FILE)
            return []
        state = json.loads(manifest.read_text(encoding="utf-8"))
        state_invocation = state["metadata"]["invocation_id"]
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
    except (OSError, ValueError, KeyError, TypeError, AttributeError, duckdb.Error) as exc:
        # TypeError / AttributeError: valid JSON of the wrong shape (a list, a null config)
        log.info("dbt state %s not used: %s", state_dir, exc)
        return []
    if last != (state_invocation, "passed") or missing:
        log.info("dbt state %s not used: last build %s, manifest %s, relations missing %s", state_dir, last,
                 state_invocation, missing)
        return []
    return ["--selector", ROUTINE_SELECTOR, "--state", str(state_dir)]


def keep_state(target_dir: Path, state_dir: Path, project: bytes | None = None) -> None:
    """After a build that passed and built every changed node (no --select): its manifest (and the
    project file, whose vars dbt's state comparison does not see) become the state the next routine
    build compares the project with. ``project``: the dbt_project.yml bytes read before that build
    started (``project_file_bytes``; read now when None), not the file as it may be after it."""
    state_dir.mkdir(parents=True, exist_ok=True)
    contents = {"manifest.json": (target_dir / "manifest.json").read_bytes(),
                STATE_PROJECT_FILE: project_file_bytes() if project is None else project}
    for name, data in contents.items():
        tmp = state_dir / f"{name}.tmp"
        tmp.write_bytes(data)
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
    cmd = [*DBT_COMMAND, "build", "--project-dir", str(settings.DBT_PROJECT_DIR),
           "--target-path", str(target / "target"), "--log-path", str(target / "logs"), *BUILD_FLAGS]
    project = project_file_bytes()  # once, before dbt reads it: compared and kept as this build's
    if select:
        cmd += ["--select", select]
    elif not full_refresh:
        cmd += routine_args(settings.warehouse_path(), state, project)
    if full_refresh:
        cmd.append("--full-refresh")
    proc = subprocess.run(cmd, env=env, check=False, capture_output=True, text=True, cwd=settings.DBT_PROJECT_DIR)
    for line in proc.stdout.splitlines():
        log.info("dbt: %s", line)
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.splitlines()[-40:])
        raise DbtError(f"dbt build failed (exit {proc.returncode}):\n{tail}\n{proc.stderr[-2000:]}")
    if not select:
        keep_state(target / "target", state, project)
    return {"returncode": 0, "target": str(target / "target")}
