"""One-to-one task matches per plan pair: the assignment of maximum total similarity.

Input: int_task_pairs_scored (candidate pairs sharing terms, cosine 0..1).
Only candidates with similarity >= var('task_match_threshold') may match; per
plan pair scipy.optimize.linear_sum_assignment (Hungarian / Jonker-Volgenant,
maximize=True) picks the one-to-one set with the largest summed similarity, so
a task is never taken by a slightly better neighbour at the cost of two good
pairs (greedy best-first can do that). An assigned pair is kept only if its
similarity is at least var('task_match_min_share_of_best') of the best
similarity either task has in the other plan: a part of a split task whose
counterpart went to a closer part must not fall back to an unrelated task that
happens to clear the threshold (labelled pairs, docs/BENCHMARKS.md).

Output: one row per match: task_match_id, plan_pair_id, comparison_type,
document_version_id, matched_document_version_id, task_id, matched_task_id,
similarity, shared_term_count, key_terms (list of the best shared terms),
confidence_band ('high' when similarity >= var('task_match_high_threshold'),
else 'medium').

Incremental like int_task_pairs_scored: a plan pair is assigned again only when
it is new or one of its document versions changed (delete+insert on plan_pair_id).
"""


def _assign(group, linear_sum_assignment, np):
    """Row positions (within ``group``) of the maximum-similarity one-to-one assignment."""
    left = {task: i for i, task in enumerate(sorted(set(group["task_id"])))}
    right = {task: j for j, task in enumerate(sorted(set(group["matched_task_id"])))}
    matrix = np.zeros((len(left), len(right)))
    position = {}
    for k, (task, matched, similarity) in enumerate(
            zip(group["task_id"], group["matched_task_id"], group["similarity"])):
        i, j = left[task], right[matched]
        matrix[i, j] = similarity
        position[(i, j)] = k
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    return [position[(i, j)] for i, j in zip(rows, cols) if (i, j) in position]


def select_matches(candidates, threshold, share_of_best, linear_sum_assignment, np):
    """Index labels of ``candidates`` (columns plan_pair_id, task_id, matched_task_id, similarity,
    best_similarity) that are matched: per plan pair the maximum-similarity one-to-one assignment
    over similarity >= threshold, kept when similarity >= share_of_best × best_similarity."""
    eligible = candidates[candidates["similarity"] >= threshold]
    keep = []
    for _, group in eligible.groupby("plan_pair_id", sort=True):
        chosen = group.iloc[_assign(group, linear_sum_assignment, np)]
        keep.extend(chosen.index[chosen["similarity"] >= share_of_best * chosen["best_similarity"]])
    return sorted(keep)


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="plan_pair_id", incremental_strategy="delete+insert")
    import hashlib

    import numpy as np
    from scipy.optimize import linear_sum_assignment

    threshold = float(dbt.config.get("task_match_threshold"))
    high = float(dbt.config.get("task_match_high_threshold"))
    share_of_best = float(dbt.config.get("task_match_min_share_of_best"))
    scored = dbt.ref("int_task_pairs_scored")
    pairs = dbt.ref("int_plan_pairs_enumerated")
    todo = pairs.select("plan_pair_id, document_version_id, matched_document_version_id")
    if dbt.is_incremental:
        done = session.sql(
            f"select distinct plan_pair_id, document_version_id, matched_document_version_id from {dbt.this}")
        todo = todo.except_(done)
    candidates = scored.join(todo, "plan_pair_id, document_version_id, matched_document_version_id").select(
        "plan_pair_id, comparison_type, document_version_id, matched_document_version_id, task_id, "
        "matched_task_id, similarity, shared_term_count, key_terms, "
        "greatest(max(similarity) over (partition by plan_pair_id, task_id), "
        "max(similarity) over (partition by plan_pair_id, matched_task_id)) as best_similarity").filter(
        f"similarity >= {threshold}").df()  # the window sees every candidate, the frame only eligible ones

    keep = select_matches(candidates, threshold, share_of_best, linear_sum_assignment, np)
    matches = candidates.loc[keep].drop(columns="best_similarity").reset_index(drop=True)
    matches.insert(0, "task_match_id", [
        hashlib.md5(f"{p}|{t}|{m}".encode()).hexdigest()
        for p, t, m in zip(matches["plan_pair_id"], matches["task_id"], matches["matched_task_id"])])
    matches["confidence_band"] = np.where(matches["similarity"] >= high, "high", "medium")
    if matches.empty:  # keep the column types of a non-empty result
        matches = matches.astype({"key_terms": "object", "similarity": "float64", "shared_term_count": "int64"})
    return matches
