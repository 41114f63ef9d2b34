"""The selection step of int_task_pairs_matched (assignment + share-of-best rule), without dbt."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

MODEL = Path(__file__).resolve().parents[2] / "dbt_project/models/intermediate/int_task_pairs_matched.py"


def _select():
    spec = importlib.util.spec_from_file_location("int_task_pairs_matched", MODEL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.select_matches


def _frame(rows):
    frame = pd.DataFrame(rows, columns=["plan_pair_id", "task_id", "matched_task_id", "similarity"])
    frame["best_similarity"] = np.maximum(
        frame.groupby(["plan_pair_id", "task_id"])["similarity"].transform("max"),
        frame.groupby(["plan_pair_id", "matched_task_id"])["similarity"].transform("max"))
    return frame


def _pairs(frame, keep):
    return sorted(zip(frame.loc[keep, "task_id"], frame.loc[keep, "matched_task_id"]))


def test_assignment_maximizes_total_similarity_where_greedy_would_not():
    # greedy best-first takes n1-o1 (0.9) and leaves n2 with o2 (0.3): total 1.2;
    # the assignment takes n1-o2 + n2-o1: total 1.65
    frame = _frame([("p", "n1", "o1", 0.9), ("p", "n1", "o2", 0.8), ("p", "n2", "o1", 0.85),
                    ("p", "n2", "o2", 0.3), ("p", "n3", "o3", 0.1)])
    keep = _select()(frame, 0.2, 0.0, linear_sum_assignment, np)
    assert _pairs(frame, keep) == [("n1", "o2"), ("n2", "o1")]


def test_a_weak_fallback_below_the_share_of_best_is_dropped():
    # n2's best counterpart o1 goes to n1; its fallback o2 (0.25) is < 0.7 × 0.6
    frame = _frame([("p", "n1", "o1", 0.8), ("p", "n2", "o1", 0.6), ("p", "n2", "o2", 0.25),
                    ("q", "m1", "k1", 0.5)])
    select = _select()
    assert _pairs(frame, select(frame, 0.2, 0.0, linear_sum_assignment, np)) == [
        ("m1", "k1"), ("n1", "o1"), ("n2", "o2")]
    assert _pairs(frame, select(frame, 0.2, 0.7, linear_sum_assignment, np)) == [("m1", "k1"), ("n1", "o1")]
    # the threshold applies before the assignment
    assert _pairs(frame, select(frame, 0.55, 0.7, linear_sum_assignment, np)) == [("n1", "o1")]
