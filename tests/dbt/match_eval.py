"""Precision and recall of task matches against tests/fixtures/task_matching/task_pairs_labelled.csv.

A match or label is keyed like a row of marts.fct_task_matches:
(comparison_type, publisher_id, plan_year, seq, matched_plan_year, matched_seq).
Used by tests/dbt/test_task_matching.py and benchmarks/warehouse_bench.py.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "task_matching"
LABELS = FIXTURES / "task_pairs_labelled.csv"
SYNTHETIC_PLAN = FIXTURES / "samr_2024_synthetic.json"

Key = tuple[str, str, int, int, int, int]


def load_labels(path: Path = LABELS) -> dict[Key, str]:
    """Labelled pairs → 'continued' | 'not'."""
    with path.open(encoding="utf-8") as handle:
        return {(r["comparison_type"], r["publisher_id"], int(r["plan_year"]), int(r["seq"]),
                 int(r["matched_plan_year"]), int(r["matched_seq"])): r["label"] for r in csv.DictReader(handle)}


def synthetic_plan() -> dict:
    """The gold-shaped SAMR 2024 plan written for the labelled set."""
    return json.loads(SYNTHETIC_PLAN.read_text(encoding="utf-8"))


def best_possible(labels: dict[Key, str]) -> int:
    """Size of the largest one-to-one set of 'continued' pairs (per plan pair)."""
    groups: dict[tuple, list[Key]] = defaultdict(list)
    for key, label in labels.items():
        if label == "continued":
            groups[key[:3] + key[4:5]].append(key)
    total = 0
    for keys in groups.values():
        left = sorted({k[3] for k in keys})
        right = sorted({k[5] for k in keys})
        m = np.zeros((len(left), len(right)))
        for k in keys:
            m[left.index(k[3]), right.index(k[5])] = 1
        rows, cols = linear_sum_assignment(m, maximize=True)
        total += int(m[rows, cols].sum())
    return total


def score(matches: set[Key], labels: dict[Key, str]) -> dict[str, float]:
    """precision = labelled-continued matches / labelled matches; recall = labelled-continued
    matches / best_possible(labels). Unlabelled matches count in neither."""
    hit = sum(1 for m in matches if labels.get(m) == "continued")
    wrong = sum(1 for m in matches if labels.get(m) == "not")
    possible = best_possible(labels)
    return {"matches": len(matches), "true": hit, "false": wrong, "unlabelled": len(matches) - hit - wrong,
            "possible": possible, "precision": hit / (hit + wrong) if hit + wrong else 1.0,
            "recall": hit / possible if possible else 1.0}


def warehouse_matches(query) -> set[Key]:
    """The match keys of marts.fct_task_matches; ``query(sql)`` returns rows."""
    return {tuple(r) for r in query(
        "select comparison_type, publisher_id, plan_year, seq, matched_plan_year, matched_seq "
        "from marts.fct_task_matches")}
