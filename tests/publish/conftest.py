"""Fixtures for the BI-access and report tests: a gold-seed warehouse built with the
production dbt_build() and published with the production publish()."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import duckdb
import pytest

DBT_TESTS = Path(__file__).resolve().parents[1] / "dbt"
if str(DBT_TESTS) not in sys.path:
    sys.path.insert(0, str(DBT_TESTS))  # raw_fixture (gold seeds → raw schema), shared with tests/dbt

from raw_fixture import build_raw_warehouse, load_gold, synthetic_next_year_plan  # noqa: E402

SEED_TASKS = 233  # current-version tasks of the five gold seeds (tests/dbt/test_dbt_marts.py)
PLAN_2024_SLUG = "city-samr-2024"
NEW_TASK_2024 = {
    "seq": 99, "task_name": "推进人工智能生成内容标识规则公开",
    "task_content": "围绕生成式人工智能服务备案，发布算法标识规则与典型问答。",
    "responsible_raw": "网络交易监督管理处", "lead_units": ["网络交易监督管理处"], "support_units": [],
    "units_open_list": False, "deadline_raw": "9月", "deadline_date": "2024-09-30",
}


def plan_2024() -> dict:
    """The city bureau's 2023 plan (seed 002) as a synthetic 2024 plan: task 23 dropped, one new task
    (as in tests/dbt: 2024 vs 2023 = 23 tasks, 22 continued, 1 new, 1 dropped)."""
    city_2023 = next(d for d in load_gold() if d["seed"] == "002")
    return synthetic_next_year_plan(city_2023, year=2024, drop_seq=23, new_task=NEW_TASK_2024)


@dataclass
class Published:
    var: Path
    warehouse: Path
    publish_dir: Path
    result: dict

    @property
    def db(self) -> Path:
        return Path(self.result["database"])

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


def env_for(var: Path) -> dict[str, str]:
    return {"WP_VAR_DIR": str(var), "WP_WAREHOUSE": str(var / "warehouse" / "workplans.duckdb"),
            "WP_PUBLISH_DIR": str(var / "publish"), "WP_DATA_DOCS_DIR": str(var / "data_docs")}


def build_and_publish(var: Path, mp: pytest.MonkeyPatch, extra_plans: Iterable[tuple[str, dict]] = ()) -> Published:
    """raw from the gold fixture → extract.transform.dbt_build() → extract.publish.publish()."""
    from extract import settings
    from extract.publish import publish
    from extract.transform import dbt_build

    for k, v in env_for(var).items():
        mp.setenv(k, v)
    settings.warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    build_raw_warehouse(settings.warehouse_path(), extra_plans)
    dbt_build()
    result = publish()
    return Published(var, settings.warehouse_path(), settings.publish_dir(), result)


@pytest.fixture(scope="module")
def published_seeds(tmp_path_factory: pytest.TempPathFactory):
    """The five gold seeds + the synthetic 2024 city plan (two year-over-year pairs), built and
    published once per module (read-only use only)."""
    with pytest.MonkeyPatch.context() as mp:
        yield build_and_publish(tmp_path_factory.mktemp("published") / "var", mp,
                                extra_plans=[(PLAN_2024_SLUG, plan_2024())])


@pytest.fixture
def publish_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh var/ for tests that build and publish themselves."""
    var = tmp_path / "var"
    for k, v in env_for(var).items():
        monkeypatch.setenv(k, v)
    return var
