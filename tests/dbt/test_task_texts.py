"""A task's terms are stored once per distinct text (issue 14): int_task_texts hashes every task's
text, int_task_terms segments each text once, and the pair models read a task's terms through its
text. On the gold seeds, then after a next-year plan that carries most tasks over verbatim:
- tasks with the same name and content share one text_md5, and every text has its terms;
- a routine build segments only the texts it has not seen (the carried-over tasks cost nothing);
- a text without any term keeps one row (term null), so the next build does not segment it again;
- the carried-over tasks match their previous-year twins at similarity 1 (one matrix row per text);
- a warehouse whose int_task_terms still has the per-task layout (task_id, …) is rewritten whole,
  with the same rows a fresh build gives;
- int_task_terms built alone after a re-parse that int_task_texts has not seen yet does not store
  the re-parsed text under the old text's hash: the text waits for the next build of both.
"""

from __future__ import annotations

import duckdb
import pytest

from dbt_runner import build, run_dbt
from raw_fixture import add_plan, load_gold, synthetic_next_year_plan

SAMR = "上海市市场监督管理局"
NEW_TASK = {"seq": 0, "task_name": "推进检验检测信息公开", "task_content": "按季度公示检验检测机构的抽查计划和结果。",
            "responsible_raw": "执法稽查处", "deadline_raw": "全年", "lead_units": ["执法稽查处"], "support_units": [],
            "units_open_list": False, "deadline_date": "2024-12-31"}
# every word of it is in seeds.task_term_stoplist or shorter than two characters (its theme: 公开)
NO_TERM_TASK = NEW_TASK | {"task_name": "政务公开", "task_content": "做好 工作。"}
COUNTS = """select
    (select count(*) from intermediate.int_task_texts),
    (select count(distinct text_md5) from intermediate.int_task_texts),
    (select count(distinct text_md5) from intermediate.int_task_terms),
    (select count(*) from intermediate.int_task_terms where term is null)"""
MERGED = """select relation_name, count(key_value) from dbt_runs.rebuilt_keys
    where relation_name in ('intermediate.int_task_texts', 'intermediate.int_task_terms') group by all order by all"""
TERMS = "select text_md5, term, weight from intermediate.int_task_terms"


def _next_year_plan() -> dict:
    base = next(d for d in load_gold() if d["issuer"] == SAMR and d["year"] == 2023)
    doc = synthetic_next_year_plan(base, year=2024, drop_seq=1, new_task=NEW_TASK)
    doc["tasks"].append(NO_TERM_TASK | {"seq": len(doc["tasks"]) + 1})
    doc["task_count"] = len(doc["tasks"])
    return doc


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("task_texts")
    wh = build(work)
    out: dict = {"seeds": wh.query(COUNTS)[0],
                 "seed_texts": wh.scalar("select count(*) from (select distinct task_name, task_content from raw.tasks)"),
                 "seed_tasks": wh.scalar("select count(*) from raw.tasks")}
    plan = _next_year_plan()
    add_plan(wh.path, "city-samr-2024-texts", plan)
    for step in ("new_plan", "no_change"):
        proc = run_dbt(["build"], wh.path, work)
        assert proc.returncode == 0, proc.stdout[-4000:]
        out[step] = {"counts": wh.query(COUNTS)[0], "merged": dict(wh.query(MERGED))}
    out["carried"] = len(plan["tasks"]) - 2
    out["exact_matches"] = wh.scalar(
        "select count(*) from marts.fct_task_matches where plan_year = 2024 and matched_plan_year = 2023 "
        "and similarity = 1 and task_name = matched_task_name and task_content = matched_task_content")
    out["no_term_row"] = wh.query("select term, weight from intermediate.int_task_terms where text_md5 = "
                                  "(select text_md5 from intermediate.int_task_texts join raw.tasks using (task_id) "
                                  "where raw.tasks.task_name = '政务公开')")
    # an older warehouse: int_task_terms per task × term, as it was before the texts were split out
    terms_before = wh.query(f"{TERMS} order by all")
    with duckdb.connect(str(wh.path)) as con:
        con.execute("""
            create or replace table intermediate.int_task_terms as
            select texts.task_id, texts.document_version_id, texts.load_id, terms.*
            from intermediate.int_task_texts as texts
            inner join intermediate.int_task_terms as terms using (text_md5)""")
    proc = run_dbt(["build"], wh.path, work)
    assert proc.returncode == 0, proc.stdout[-4000:]
    out["upgraded"] = {"columns": [r[0] for r in wh.query("describe intermediate.int_task_terms")],
                       "terms": wh.query(f"{TERMS} order by all") == terms_before,
                       "merged": dict(wh.query(MERGED))}
    out["texts_after"] = wh.query(COUNTS)[0]

    # a plan whose texts int_task_texts hashed but int_task_terms never segmented (its build
    # stopped in between), then re-parsed: same version and task ids, another text, a new load
    plan = _next_year_plan() | {"year": 2025}
    for task in plan["tasks"]:
        task["task_content"] = "2025年" + task["task_content"]  # texts not seen before
    add_plan(wh.path, "city-samr-2025-texts", plan, position=1)
    assert run_dbt(["build", "--select", "int_task_texts"], wh.path, work).returncode == 0
    version = wh.scalar("select document_version_id from raw.document_versions where plan_year = 2025")
    hashed = wh.scalar("select texts.text_md5 from intermediate.int_task_texts as texts join raw.tasks as tasks "
                       "using (task_id) where tasks.document_version_id = ? and tasks.seq = 1", [version])
    with duckdb.connect(str(wh.path)) as con:
        con.execute("update raw.tasks set load_id = 'load-reparse', task_content = '公示抽查结果' || task_content "
                    "where document_version_id = ?", [version])
        con.execute("update raw.document_versions set load_id = 'load-reparse' where document_version_id = ?",
                    [version])
    assert run_dbt(["build", "--select", "int_task_terms"], wh.path, work).returncode == 0
    out["stale_hash_rows"] = wh.scalar(f"select count(*) from intermediate.int_task_terms where text_md5 = '{hashed}'")
    assert run_dbt(["build"], wh.path, work).returncode == 0
    out["after_reparse"] = {
        "stale_hash_rows": wh.scalar(f"select count(*) from intermediate.int_task_terms where text_md5 = '{hashed}'"),
        "unsegmented": wh.scalar("select count(*) from intermediate.int_task_texts "
                                 "anti join intermediate.int_task_terms using (text_md5)"),
        "reparsed_tasks": wh.scalar(f"select count(*) from intermediate.int_task_texts where document_version_id = "
                                    f"'{version}' and load_id = 'load-reparse'")}
    return out


def test_tasks_with_the_same_text_share_one_and_every_text_has_its_terms(steps):
    tasks, texts, segmented, no_term = steps["seeds"]
    assert tasks == steps["seed_tasks"]
    # the gold seeds repeat texts (a plan's earlier version, district plans echoing the city's)
    assert texts == segmented == steps["seed_texts"] < tasks
    assert no_term == 0


def test_a_routine_build_segments_only_the_texts_it_has_not_seen(steps):
    tasks, texts, _, _ = steps["seeds"]
    step = steps["new_plan"]
    # the new plan's version; its two new texts (the rest carried over verbatim) in int_task_terms
    assert step["merged"] == {"intermediate.int_task_terms": 2, "intermediate.int_task_texts": 1}
    assert step["counts"] == (tasks + steps["carried"] + 2, texts + 2, texts + 2, 1)
    assert steps["no_term_row"] == [(None, None)]
    # nothing new: not even the text without terms is segmented again
    assert steps["no_change"]["merged"] == {"intermediate.int_task_terms": 0, "intermediate.int_task_texts": 0}
    assert steps["no_change"]["counts"] == step["counts"]


def test_carried_over_tasks_match_their_twins_at_similarity_one(steps):
    assert steps["carried"] > 20
    assert steps["exact_matches"] == steps["carried"]


def test_a_per_task_terms_table_is_rewritten_whole_with_the_same_rows(steps):
    upgraded = steps["upgraded"]
    assert upgraded["columns"] == ["text_md5", "term", "weight"]
    assert upgraded["terms"] is True
    assert upgraded["merged"]["intermediate.int_task_terms"] == steps["new_plan"]["counts"][1]
    assert steps["texts_after"] == steps["new_plan"]["counts"]


def test_a_text_read_under_another_load_than_hashed_waits_for_its_hash(steps):
    # int_task_terms alone saw the re-parsed text under the hash of the text before: it skipped it
    assert steps["stale_hash_rows"] == 0
    # the next build hashed the re-parsed texts and segmented them; the old hash was never stored
    after = steps["after_reparse"]
    assert after["stale_hash_rows"] == 0 and after["unsegmented"] == 0
    assert after["reparsed_tasks"] == steps["carried"] + 2
