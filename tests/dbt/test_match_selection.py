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


def test_key_terms_are_the_top_five_contributions_ties_by_the_larger_term():
    spec = importlib.util.spec_from_file_location("int_task_pairs_matched", MODEL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from scipy import sparse

    # task 0 and task 1 share terms 0..6 and 8; contributions (left × right):
    # t0 .25, t1 .25, t2 .06, t3 .5, t4 .25, t5 .06, t6 .04, t8 .01; term 7 is task 0's only
    left = {0: .5, 1: .5, 2: .3, 3: 1.0, 4: .5, 5: .2, 6: .2, 7: .9, 8: .1}
    right = {0: .5, 1: .5, 2: .2, 3: .5, 4: .5, 5: .3, 6: .2, 8: .1}
    rows = [(0, t, w) for t, w in left.items()] + [(1, t, w) for t, w in right.items()] + [(2, 9, 1.0)]
    task, term, weight = (np.array(c) for c in zip(*rows))
    vectors = sparse.csr_matrix((weight, (task, term)), shape=(3, 10))
    got = module.top_shared_terms(vectors, np.array([0, 1, 0]), np.array([1, 0, 2]), 5, np)
    pairs = sorted(zip(got["match_row"].tolist(), got["position"].tolist(), got["term_code"].tolist()))
    # .5 (t3), then the three .25 by term descending (t4, t1, t0), then .06 (t5 before t2);
    # the same for the reversed pair; pair 2 (tasks 0 and 2) shares nothing: no rows
    assert pairs == [(0, 0, 3), (0, 1, 4), (0, 2, 1), (0, 3, 0), (0, 4, 5),
                     (1, 0, 3), (1, 1, 4), (1, 2, 1), (1, 3, 0), (1, 4, 5)]
