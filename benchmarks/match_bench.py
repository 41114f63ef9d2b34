"""Task matching quality on the labelled pairs: today's method vs the previous one, per threshold.

    .venv/bin/python -m benchmarks.match_bench [--warehouse PATH]

Builds the seeds + tests/fixtures/task_matching/samr_2024_synthetic.json with `dbt build`
(unless --warehouse points at such a build), then scores against
tests/fixtures/task_matching/task_pairs_labelled.csv:
- "jieba tf-idf": int_task_pairs_scored candidates, one-to-one by the dbt model's own
  selection step (linear_sum_assignment + share-of-best rule), at several thresholds
  (the configured 0.2 / 0.7 is what the marts hold);
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

THRESHOLDS = (0.15, 0.2, 0.25, 0.3)  # similarity thresholds compared (the product's is 0.2)
KEY_SQL = """
    select p.comparison_type, p.publisher_id, p.plan_year, l.seq, p.matched_plan_year, r.seq as matched_seq,
           s.plan_pair_id, s.task_id, s.matched_task_id, s.similarity,
           greatest(max(s.similarity) over (partition by s.plan_pair_id, s.task_id),
                    max(s.similarity) over (partition by s.plan_pair_id, s.matched_task_id)) as best_similarity
    from intermediate.int_task_pairs_scored s
    join intermediate.int_plan_pairs_enumerated p using (plan_pair_id, document_version_id, matched_document_version_id)
    join intermediate.int_tasks_joined l on l.task_id = s.task_id
    join intermediate.int_tasks_joined r on r.task_id = s.matched_task_id
"""


def _model_select():
    spec = importlib.util.spec_from_file_location(
        "int_task_pairs_matched", ROOT / "dbt_project/models/intermediate/int_task_pairs_matched.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.select_matches


def tfidf_matches(con, threshold: float, share_of_best: float) -> set:
    """Keys matched by the product's selection step (int_task_pairs_matched.select_matches)."""
    frame = con.execute(KEY_SQL).df()
    chosen = frame.loc[_model_select()(frame, threshold, share_of_best, linear_sum_assignment, np)]
    return {(r.comparison_type, r.publisher_id, int(r.plan_year), int(r.seq), int(r.matched_plan_year),
             int(r.matched_seq)) for r in chosen.itertuples()}


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
    parser.add_argument("--warehouse", type=Path, help="a build of the gold data + the synthetic plan with "
                        f"--vars '{{task_candidate_min_similarity: {min(THRESHOLDS)}}}' (lower thresholds need those candidates)")
    parser.add_argument("--work", type=Path, help="where to build (default: a temp dir)")
    args = parser.parse_args()
    warehouse = args.warehouse
    if warehouse is None:
        from dbt_runner import build

        # candidates down to the lowest threshold compared (the product stores ≥ task_match_threshold only)
        warehouse = build(Path(tempfile.mkdtemp(prefix="match_bench_", dir=args.work)),
                          extra_plans=[("city-samr-2024-synthetic", synthetic_plan())],
                          dbt_args=["--vars", f"{{task_candidate_min_similarity: {min(THRESHOLDS)}}}"]).path
    labels = load_labels()
    print(f"{len(labels)} labelled pairs ({sum(v == 'continued' for v in labels.values())} continued)\n")
    print("| method | threshold / min share of best | matches | labelled true | labelled false | precision | recall |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = [("bigram Jaccard, greedy (before)", 0.2, jaccard_matches(con))]
        rows += [("jieba tf-idf cosine, linear_sum_assignment", f"{t} / {share}", tfidf_matches(con, t, share))
                 for share in (0.0, 0.7) for t in THRESHOLDS]
    for name, threshold, keys in rows:
        s = score(keys, labels)
        print(f"| {name} | {threshold} | {s['matches']} | {s['true']} | {s['false']} | "
              f"{s['precision']:.3f} | {s['recall']:.3f} ({s['true']}/{s['possible']}) |")


if __name__ == "__main__":
    main()
