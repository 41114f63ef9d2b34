"""The scoring step of int_task_pairs_scored (sparse products per plan pair), without dbt."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

MODELS = Path(__file__).resolve().parents[2] / "dbt_project/models/intermediate"


def load_model(name: str):
    """The module of the dbt Python model ``name`` (its functions, without dbt)."""
    spec = importlib.util.spec_from_file_location(name, MODELS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _module():
    return load_model("int_task_pairs_scored")


def _entries(vectors: dict[int, dict[int, float]]) -> dict:
    """The entries of texts' term vectors {text: {term: weight}}."""
    rows = [(text, term, w) for text, terms in vectors.items() for term, w in terms.items()]
    return {"text": np.array([r[0] for r in rows]), "term": np.array([r[1] for r in rows]),
            "weight": np.array([r[2] for r in rows])}


def _rows(result: dict) -> list[tuple]:
    return sorted(zip(result["pair"].tolist(), result["task"].tolist(), result["matched_task"].tolist(),
                      np.round(result["similarity"], 6).tolist(), result["shared_term_count"].tolist()))


def test_only_tasks_sharing_a_term_meet_and_score_their_cosine():
    # tasks 0, 1 in version 0 (new plan), task 2 in version 1 (old plan); terms 0 决策, 1 目录, 2 财政
    vectors = {0: {0: 0.8, 1: 0.6}, 1: {2: 1.0}, 2: {0: 0.6, 1: 0.8}}
    result = _module().score_pairs(_entries(vectors), np.arange(3), np.array([0, 0, 1]),
                                   {"left": np.array([0]), "right": np.array([1])}, 0.1, np, sparse, pd)
    assert _rows(result) == [(0, 0, 2, 0.96, 2)]


def test_tasks_of_different_plan_pairs_never_meet_and_weak_pairs_are_dropped():
    # pair 0: version 0 vs 1; pair 1: version 2 vs 1. Task 3 (version 2) shares 决策 with task 2 but only
    # through pair 1; task 1 shares a faint term with task 2 (0.05 < 0.1)
    vectors = {0: {0: 1.0}, 1: {0: 0.05, 2: 0.99875}, 2: {0: 1.0}, 3: {0: 1.0}}
    result = _module().score_pairs(_entries(vectors), np.arange(4), np.array([0, 0, 1, 2]),
                                   {"left": np.array([0, 2]), "right": np.array([1, 1])}, 0.1, np, sparse, pd)
    assert _rows(result) == [(0, 0, 2, 1.0, 1), (1, 3, 2, 1.0, 1)]


def test_equals_all_pairs_brute_force_on_random_plans_across_chunks(monkeypatch):
    module = _module()
    monkeypatch.setattr(module, "PAIRS_PER_CHUNK", 3)  # several chunks
    rng = random.Random(3)
    # 120 tasks of 70 texts: tasks carried over verbatim share a text (and its matrix row)
    n_versions, texts, task_version, task_text = 8, {}, [], []
    for text in range(70):
        raw = {rng.randrange(40): rng.random() for _ in range(rng.randint(1, 8))}
        norm = sum(w * w for w in raw.values()) ** 0.5
        texts[text] = {t: w / norm for t, w in raw.items()}
    for task in range(120):
        task_version.append(rng.randrange(n_versions))
        task_text.append(task if task < 70 else rng.randrange(70))
    vectors = {task: texts[task_text[task]] for task in range(120)}
    left = np.array([rng.randrange(n_versions) for _ in range(10)])
    right = np.array([(v + 1 + rng.randrange(n_versions - 1)) % n_versions for v in left])
    result = module.score_pairs(_entries(texts), np.array(task_text), np.array(task_version),
                                {"left": left, "right": right}, 0.1, np, sparse, pd)
    want = []
    for p, (lv, rv) in enumerate(zip(left, right)):
        for a in (t for t in vectors if task_version[t] == lv):
            for b in (t for t in vectors if task_version[t] == rv):
                shared = vectors[a].keys() & vectors[b].keys()
                score = sum(vectors[a][t] * vectors[b][t] for t in shared)
                if shared and score >= 0.1:
                    want.append((p, a, b, round(score, 6), len(shared)))
    assert len(want) > 50
    assert _rows(result) == sorted(want)
