"""The product's routine build skips unchanged seeds (extract.transform.routine_args): after a build
that passed, `dbt build --selector routine_build --state var/dbt/state` leaves out the seeds unchanged
since that build and the tests that read only them; a first build, a changed seed, a warehouse
without the seeds, a foreign or missing state and --full-refresh load (and test) them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from raw_fixture import build_raw_warehouse

SEEDS = {"department_aliases", "jurisdictions", "organ_name_rules", "publishers", "task_term_dictionary",
         "task_term_stoplist", "theme_keywords", "themes"}
THEMES_TESTS = {"not_null_themes_theme_code", "not_null_themes_theme_name", "unique_themes_theme_code",
                "unique_themes_theme_name", "relationships_theme_keywords_theme_code__theme_code__ref_themes_"}


def _ran(var: Path) -> tuple[set[str], set[str]]:
    """(seeds loaded, tests run on seeds only) by the last build."""
    target = var / "dbt" / "target"
    ids = [r["unique_id"] for r in json.loads((target / "run_results.json").read_text())["results"]]
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    seeds = {i.split(".")[2] for i in ids if i.startswith("seed.")}
    seed_tests = {i.split(".")[2] for i in ids if i.startswith("test.")
                  and all(p.startswith("seed.") for p in nodes[i]["depends_on"]["nodes"])}
    return seeds, seed_tests


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory):
    """(var dir, warehouse path, extract.transform) with the product's paths pointed at a gold warehouse."""
    from extract import transform

    var = tmp_path_factory.mktemp("routine_seeds") / "var"
    warehouse = var / "warehouse" / "workplans.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WP_VAR_DIR", str(var))
        mp.setenv("WP_WAREHOUSE", str(warehouse))
        warehouse.parent.mkdir(parents=True)
        build_raw_warehouse(warehouse)
        yield var, warehouse, transform


def test_seeds_load_only_when_needed(product, tmp_path: Path):
    var, warehouse, transform = product
    state = var / "dbt" / "state"
    assert transform.routine_args(warehouse, state) == []  # no state yet

    transform.dbt_build()  # first build: every seed and its tests
    seeds, seed_tests = _ran(var)
    assert seeds == SEEDS and len(seed_tests) == 37

    assert transform.routine_args(warehouse, state) == ["--selector", "routine_build", "--state", str(state)]
    transform.dbt_build()  # nothing changed: no seed, no seed test
    assert _ran(var) == (set(), set())

    # a changed seed file (its checksum in the state differs): that seed and the tests reading it
    manifest = json.loads((state / "manifest.json").read_text())
    manifest["nodes"]["seed.work_plans.themes"]["checksum"]["checksum"] = "0" * 64
    (state / "manifest.json").write_text(json.dumps(manifest))
    transform.dbt_build()
    assert _ran(var) == ({"themes"}, THEMES_TESTS)

    # a state that belongs to another warehouse, a missing state dir
    other = tmp_path / "other.duckdb"
    shutil.copy(warehouse, other)
    with duckdb.connect(str(other)) as con:
        con.execute("update dbt_runs.builds set invocation_id = 'elsewhere-' || invocation_id")
    assert transform.routine_args(other, state) == []
    assert transform.routine_args(warehouse, tmp_path / "no_state") == []

    # the warehouse lost a seed table: everything loads
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table seeds.jurisdictions")
    assert transform.routine_args(warehouse, state) == []
    transform.dbt_build()
    assert _ran(var)[0] == SEEDS

    # the last build failed: everything loads
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update dbt_runs.builds set status = 'failed' where started_at = "
                    "(select max(started_at) from dbt_runs.builds)")
    assert transform.routine_args(warehouse, state) == []

    transform.dbt_build(full_refresh=True)
    assert _ran(var)[0] == SEEDS
    assert transform.routine_args(warehouse, state) != []
