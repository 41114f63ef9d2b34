"""Task matching quality on the labelled pairs: today's method vs the previous one, per threshold.

    .venv/bin/python -m benchmarks.match_bench [--warehouse PATH]

Builds the seeds + tests/fixtures/task_matching/samr_2024_synthetic.json with `dbt build`
(unless --warehouse points at such a build), then scores against
tests/fixtures/task_matching/task_pairs_labelled.csv:
- "jieba tf-idf": int_task_pairs_scored candidates, one-to-one by the dbt model's own
  linear_sum_assignment step, at several thresholds (the configured one is what the marts hold);
- "bigram Jaccard (before)": the previous method — Jaccard of character-bigram sets of
  normalized name+content, >= 0.2, greedy best-first one-to-one — recomputed here from the
  same tasks, only to report it side by side.
Prints a markdown table (precision, recall, matches).
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import duckdb
import numpy as np
from scipy.optimize import linear_sum_assignment

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "dbt"))

from match_eval import load_labels, score, synthetic_plan  # noqa: E402

KEY_SQL = """
    select p.comparison_type, p.publisher_id, p.plan_year, l.seq, p.matched_plan_year, r.seq as matched_seq,
           s.plan_pair_id, s.task_id, s.matched_task_id, s.similarity
    from intermediate.int_task_pairs_scored s
    join intermediate.int_plan_pairs_enumerated p using (plan_pair_id, document_version_id, matched_document_version_id)
    join intermediate.int_tasks_joined l on l.task_id = s.task_id
    join intermediate.int_tasks_joined r on r.task_id = s.matched_task_id
"""


def _model_assign():
    spec = importlib.util.spec_from_file_location(
        "int_task_pairs_matched", ROOT / "dbt_project/models/intermediate/int_task_pairs_matched.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._assign


def tfidf_matches(con, threshold: float) -> set:
    """Keys matched by the product's method at ``threshold``."""
    assign = _model_assign()
    frame = con.execute(KEY_SQL).df()
    frame = frame[frame["similarity"] >= threshold]
    keys = set()
    for _, group in frame.groupby("plan_pair_id"):
        for pos in assign(group, linear_sum_assignment, np):
            row = group.iloc[pos]
            keys.add((row.comparison_type, row.publisher_id, int(row.plan_year), int(row.seq),
                      int(row.matched_plan_year), int(row.matched_seq)))
    return keys


def jaccard_matches(con, threshold: float = 0.2) -> set:
    """The previous method: bigram Jaccard >= threshold, greedy best-first one-to-one."""
    tasks = {r[0]: r[1:] for r in con.execute(
        "select task_id, document_version_id, seq, coalesce(task_name,'') || coalesce(task_content,'') "
        "from intermediate.int_tasks_joined").fetchall()}
    norm = {t: re.sub(r"[\s\W_]", "", v[2]) for t, v in tasks.items()}
    grams = {t: {s[i:i + 2] for i in range(len(s) - 1)} for t, s in norm.items()}
    by_version = defaultdict(list)
    for t, v in tasks.items():
        by_version[v[0]].append(t)
    keys = set()
    for ctype, pub, year, myear, vid, mvid in con.execute(
            "select comparison_type, publisher_id, plan_year, matched_plan_year, document_version_id, "
            "matched_document_version_id from intermediate.int_plan_pairs_enumerated").fetchall():
        cands = []
        for a in by_version[vid]:
            for b in by_version[mvid]:
                inter = len(grams[a] & grams[b])
                union = len(grams[a] | grams[b])
                sim = inter / union if union else 0.0
                if sim >= threshold:
                    cands.append((-sim, a, b))
        used_a, used_b = set(), set()
        for _, a, b in sorted(cands):
            if a not in used_a and b not in used_b:
                used_a.add(a), used_b.add(b)
                keys.add((ctype, pub, year, tasks[a][1], myear, tasks[b][1]))
    return keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path)
    args = parser.parse_args()
    warehouse = args.warehouse
    if warehouse is None:
        from dbt_runner import build

        warehouse = build(Path(tempfile.mkdtemp(prefix="match_bench_")),
                          extra_plans=[("city-samr-2024-synthetic", synthetic_plan())]).path
    labels = load_labels()
    print(f"{len(labels)} labelled pairs ({sum(v == 'continued' for v in labels.values())} continued)\n")
    print("| method | threshold | matches | labelled true | labelled false | precision | recall |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = [("bigram Jaccard, greedy (before)", 0.2, jaccard_matches(con))]
        rows += [("jieba tf-idf cosine, linear_sum_assignment", t, tfidf_matches(con, t))
                 for t in (0.1, 0.15, 0.2, 0.25, 0.3, 0.35)]
    for name, threshold, keys in rows:
        s = score(keys, labels)
        print(f"| {name} | {threshold} | {s['matches']} | {s['true']} | {s['false']} | "
              f"{s['precision']:.3f} | {s['recall']:.3f} ({s['true']}/{s['possible']}) |")


if __name__ == "__main__":
    main()
