"""The product's routine build skips what is unchanged (extract.transform.routine_args): after a build
that passed, `dbt build --selector routine_build --state var/dbt/state` leaves out the seeds, staging
views and seed-only models (dim_jurisdiction, dim_theme) unchanged since that build and the tests that
read only those; the tests of the views (raw data) still run. A first build, a changed seed or view,
a warehouse without one of the relations, a view that no longer binds, a changed dbt_project.yml, a
foreign or missing state and --full-refresh build (and test) them."""

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
VIEWS = {f"stg_work_plans__{name}" for name in ("crawl_requests", "document_versions", "documents", "load_audit",
                                                 "notices", "quarantine", "renditions", "tasks",
                                                 "validation_results", "version_parts")}
SEED_ONLY_MODELS = {"dim_jurisdiction", "dim_theme"}
DIM_THEME_TESTS = {"unique_dim_theme_theme_code", "unique_dim_theme_theme_name"}
SEED_ONLY_MODEL_TESTS = {"unique_dim_jurisdiction_jurisdiction_code", *DIM_THEME_TESTS}


def _ran(var: Path) -> tuple[set[str], set[str]]:
    """(seeds loaded, tests run on seeds only) by the last build."""
    target = var / "dbt" / "target"
    ids = [r["unique_id"] for r in json.loads((target / "run_results.json").read_text())["results"]]
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    seeds = {i.split(".")[2] for i in ids if i.startswith("seed.")}
    seed_tests = {i.split(".")[2] for i in ids if i.startswith("test.")
                  and all(p.startswith("seed.") for p in nodes[i]["depends_on"]["nodes"])}
    return seeds, seed_tests


def _left_out(var: Path) -> tuple[set[str], set[str]]:
    """(models, tests) of the project the last build did not run."""
    target = var / "dbt" / "target"
    ran = {r["unique_id"] for r in json.loads((target / "run_results.json").read_text())["results"]}
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    return ({n["name"] for i, n in nodes.items() if n["resource_type"] == "model" and i not in ran},
            {n["name"] for i, n in nodes.items() if n["resource_type"] == "test" and i not in ran
             and not all(p.startswith("seed.") for p in n["depends_on"]["nodes"])})


def _last_status(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select status from dbt_runs.builds order by started_at desc limit 1").fetchone()[0]


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
    assert _left_out(var) == (set(), set())

    assert transform.routine_args(warehouse, state) == ["--selector", "routine_build", "--state", str(state)]
    transform.dbt_build()  # nothing changed: no seed, view, seed-only model, nor a test reading only those
    assert _ran(var) == (set(), set())
    assert _left_out(var) == (VIEWS | SEED_ONLY_MODELS, SEED_ONLY_MODEL_TESTS)
    assert _last_status(warehouse) == "passed"

    # a changed seed file (its checksum in the state differs): that seed, the model built from it and
    # the tests reading them
    manifest = json.loads((state / "manifest.json").read_text())
    manifest["nodes"]["seed.work_plans.themes"]["checksum"]["checksum"] = "0" * 64
    (state / "manifest.json").write_text(json.dumps(manifest))
    transform.dbt_build()
    assert _ran(var) == ({"themes"}, THEMES_TESTS)
    assert _left_out(var) == (VIEWS | {"dim_jurisdiction"}, {"unique_dim_jurisdiction_jurisdiction_code"})

    # a changed view definition: that view (its children are rebuilt anyway), not the others
    manifest = json.loads((state / "manifest.json").read_text())
    manifest["nodes"]["model.work_plans.stg_work_plans__tasks"]["raw_code"] += "\n-- an older definition"
    (state / "manifest.json").write_text(json.dumps(manifest))
    transform.dbt_build()
    assert _left_out(var) == (VIEWS - {"stg_work_plans__tasks"} | SEED_ONLY_MODELS, SEED_ONLY_MODEL_TESTS)

    # a state that belongs to another warehouse, a missing state dir, a changed project file (vars)
    other = tmp_path / "other.duckdb"
    shutil.copy(warehouse, other)
    with duckdb.connect(str(other)) as con:
        con.execute("update dbt_runs.builds set invocation_id = 'elsewhere-' || invocation_id")
    assert transform.routine_args(other, state) == []
    assert transform.routine_args(warehouse, tmp_path / "no_state") == []
    project = (state / "dbt_project.yml").read_text()
    (state / "dbt_project.yml").write_text(project.replace("unknown_jurisdiction_code: unknown",
                                                           "unknown_jurisdiction_code: elsewhere"))
    assert transform.routine_args(warehouse, state) == []
    (state / "dbt_project.yml").write_text(project)
    assert transform.routine_args(warehouse, state) != []

    # a view that no longer binds (a raw column it reads is gone): everything builds
    shutil.copy(warehouse, other)
    with duckdb.connect(str(other)) as con:
        con.execute("alter table raw.renditions rename column url to source_url")
    assert transform.routine_args(other, state) == []

    # the warehouse lost a view, a seed-only model: everything builds (and the build recreates them)
    for relation in ("staging.stg_work_plans__notices", "marts.dim_theme"):
        with duckdb.connect(str(warehouse)) as con:
            con.execute(f"drop {'view' if relation.startswith('staging') else 'table'} {relation}")
        assert transform.routine_args(warehouse, state) == []
        transform.dbt_build()
        assert _ran(var)[0] == SEEDS and _left_out(var) == (set(), set())
        assert transform.routine_args(warehouse, state) != []

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
    assert _ran(var)[0] == SEEDS and _left_out(var) == (set(), set())
    assert transform.routine_args(warehouse, state) != []
