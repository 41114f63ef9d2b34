"""The routine build's state bookkeeping without dbt (extract.transform.routine_args / keep_state /
dbt_build): a malformed state never raises, and the state keeps the dbt_project.yml the build used,
not the file as it is after the build (found in review: an edit during a build was kept as if built)."""

import json
import subprocess
from pathlib import Path

import duckdb
import pytest

from extract import settings, transform


@pytest.fixture()
def state_dir(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """A state dir holding a manifest whose invocation passed on a warehouse with no relations."""
    warehouse = tmp_path / "workplans.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema dbt_runs; create table dbt_runs.builds (invocation_id varchar, "
                    "status varchar, started_at timestamp); insert into dbt_runs.builds values ('inv-1', 'passed', now())")
    state = tmp_path / "state"
    state.mkdir()
    (state / "manifest.json").write_text(json.dumps({"metadata": {"invocation_id": "inv-1"}, "nodes": {}}))
    (state / transform.STATE_PROJECT_FILE).write_bytes((settings.DBT_PROJECT_DIR / transform.STATE_PROJECT_FILE).read_bytes())
    return warehouse, state


def test_a_valid_state_is_used(state_dir):
    warehouse, state = state_dir
    assert transform.routine_args(warehouse, state) == ["--selector", "routine_build", "--state", str(state)]


@pytest.mark.parametrize("manifest", [
    "[]",  # JSON of another shape
    json.dumps({"nodes": {}}),  # no metadata
    json.dumps({"metadata": {"invocation_id": "inv-1"},
                "nodes": {"model.x.y": {"resource_type": "model", "schema": "s", "alias": "a", "config": None}}}),
    json.dumps({"metadata": {"invocation_id": "inv-1"}, "nodes": []}),
    '{"metadata": {"invocation_id": "inv-1"}, "nod',  # truncated
])
def test_a_malformed_state_builds_everything(state_dir, manifest):
    warehouse, state = state_dir
    (state / "manifest.json").write_text(manifest)
    assert transform.routine_args(warehouse, state) == []


def test_another_project_file_builds_everything(state_dir):
    warehouse, state = state_dir
    assert transform.routine_args(warehouse, state, transform.project_file_bytes() + b"\n# edited\n") == []


def test_the_state_keeps_the_project_file_the_build_read(tmp_path: Path, monkeypatch):
    """dbt_build reads dbt_project.yml once before dbt starts; an edit while dbt runs is not kept as the
    state's, so the next routine build sees a change and builds everything."""
    project = tmp_path / "dbt_project"
    project.mkdir()
    original = b"name: work_plans\nvars:\n  unknown_jurisdiction_code: unknown\n"
    (project / transform.STATE_PROJECT_FILE).write_bytes(original)
    monkeypatch.setattr(settings, "DBT_PROJECT_DIR", project)
    monkeypatch.setenv("WP_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("WP_WAREHOUSE", str(tmp_path / "var" / "warehouse" / "workplans.duckdb"))

    def fake_dbt(cmd, **kwargs):  # dbt "builds", then someone edits the project file
        target = Path(cmd[cmd.index("--target-path") + 1])
        target.mkdir(parents=True, exist_ok=True)
        (target / "manifest.json").write_text('{"metadata": {"invocation_id": "inv-2"}, "nodes": {}}')
        (project / transform.STATE_PROJECT_FILE).write_bytes(original.replace(b"unknown\n", b"elsewhere\n"))
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(transform.subprocess, "run", fake_dbt)
    transform.dbt_build()
    kept = settings.var_dir() / "dbt" / "state" / transform.STATE_PROJECT_FILE
    assert kept.read_bytes() == original
    assert transform.project_file_bytes() != original
