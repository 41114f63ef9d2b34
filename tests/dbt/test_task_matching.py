"""Task matching (issues 14 and 17): quality on the labelled pairs, evidence in the marts,
and an incremental build equal to a full build."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbt_runner import build, run_dbt
from match_eval import load_labels, score, synthetic_plan, warehouse_matches
from raw_fixture import add_plan


@pytest.fixture(scope="module")
def labelled_warehouse(tmp_path_factory: pytest.TempPathFactory):
    """The seeds plus the synthetic SAMR 2024 plan, built with `dbt build`."""
    return build(tmp_path_factory.mktemp("dbt_labelled"), extra_plans=[("city-samr-2024-synthetic", synthetic_plan())])


def test_precision_and_recall_on_labelled_pairs(labelled_warehouse):
    labels = load_labels()
    assert len(labels) >= 60
    result = score(warehouse_matches(labelled_warehouse.query), labels)
    assert result["precision"] >= 0.9, result
    assert result["recall"] >= 0.8, result


def test_samr_2023_continues_2019_tasks_with_evidence(labelled_warehouse):
    rows = labelled_warehouse.query(
        "select seq, matched_seq, confidence_band, key_terms from marts.fct_task_matches "
        "where comparison_type = 'year_over_year' and plan_year = 2023 order by seq")
    pairs = {(r[0], r[1]) for r in rows}
    # 重大行政决策 目录清单 → 事项目录管理; 规范性文件 集中公开 → 规范性文件库; 政务新媒体 safety duty;
    # 企业信息归集公示; 商事制度改革 → 准入准营
    assert {(11, 1), (19, 2), (15, 14), (2, 7), (5, 8)} <= pairs
    assert all(band in ("high", "medium") and terms for _, _, band, terms in rows)
    decision = next(r for r in rows if r[:2] == (11, 1))
    assert "决策" in decision[3].split("、")
    yoy = labelled_warehouse.query(
        "select tasks, tasks_previous, tasks_continued, tasks_continued_high + tasks_continued_medium, "
        "tasks_new, tasks_dropped from marts.fct_plan_yoy where plan_year = 2023")[0]
    assert yoy[0:2] == (23, 16) and yoy[2] == yoy[3] == len(rows) and yoy[2] >= 6
    assert yoy[4] == 23 - yoy[2] and yoy[5] == 16 - yoy[2]


MARTS = ["fct_work_plan_tasks", "fct_task_matches", "fct_plan_yoy", "fct_plan_yoy_themes", "fct_jurisdiction_year",
         "fct_jurisdiction_year_themes", "fct_task_responsibilities", "fct_task_lineage", "dim_publisher"]


def test_incremental_build_after_a_new_plan_equals_full_build(labelled_warehouse, tmp_path: Path):
    # seeds built, then the 2024 plan arrives and `dbt build` runs again (incremental models keep their rows)
    (tmp_path / "incremental").mkdir()
    incremental = build(tmp_path / "incremental")
    add_plan(incremental.path, "city-samr-2024-synthetic", synthetic_plan())
    proc = run_dbt(["build"], incremental.path, tmp_path / "incremental")
    assert proc.returncode == 0, proc.stdout[-4000:]
    # the 2023 vs 2019 pair was not scored again: only the new plan's pairs are in the run's batch
    assert "int_task_pairs_scored" in proc.stdout
    for mart in MARTS:
        sql = f"select * from marts.{mart} order by all"
        got, want = incremental.query(sql), labelled_warehouse.query(sql)
        assert len(got) == len(want) and got == want, mart
    counts = "select count(*) from intermediate.{}"
    for model in ("int_task_terms", "int_task_pairs_scored", "int_task_pairs_matched"):
        assert incremental.scalar(counts.format(model)) == labelled_warehouse.scalar(counts.format(model)), model
