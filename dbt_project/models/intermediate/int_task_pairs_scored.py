"""Candidate task pairs of each compared plan pair, scored with the cosine of their tf-idf vectors.

Output: one row per candidate: task_pair_id (md5 of plan_pair_id | task_id | matched_task_id),
plan_pair_id, comparison_type, document_version_id, matched_document_version_id, load_id,
matched_load_id (the loads of the two versions' tasks), task_id, matched_task_id, similarity
(0..1, rounded to 6 places), shared_term_count.

Only tasks that share at least one term of int_task_terms meet: per plan pair the two plans'
term vectors are sparse rows (scipy.sparse CSR) and one sparse product L · Rᵀ gives the dot
product of every pair sharing a term, nothing for the others (an inverted index in matrix form;
work ∝ Σ over shared terms of left × right occurrences, within a plan pair, so linear in plans).
Plan pairs are stacked into one product per chunk by giving each plan pair its own copy of the
term columns, so a task never meets a task of another plan pair. Weights are L2-normalized per
text (int_task_terms; a task's text from int_task_texts), so the dot product is the cosine. Pairs
whose similarity as stored (rounded to 6 places) is below var('task_candidate_min_similarity') are dropped; that var defaults
to var('task_match_threshold'), the lowest score anything reads (int_task_pairs_matched reads
candidates ≥ the threshold, and a task's best score counts only among those), so a 1M-task build
stores 4.95M candidates instead of the 14M ≥ 0.1 it kept before (docs/BENCHMARKS.md §4).
benchmarks/match_bench.py builds with a lower value to study lower thresholds. The evidence
(key_terms) is computed for the matches only, in int_task_pairs_matched.

Incremental: a plan pair is scored again only when it is new or one of its two document versions
or their loads changed (a re-parse keeps the version id, gets a new load; delete+insert on
plan_pair_id; a table written before the load ids were stored is scored again whole); term
weights do not depend on the rest of the corpus, so untouched pairs keep their scores.
"""

from concurrent.futures import ThreadPoolExecutor

PAIRS_PER_CHUNK = 2000  # bounds memory: at most ~PAIRS_PER_CHUNK × tasks² candidate cells at once
ROUNDING_SLACK = 5e-7  # a cosine this far below the minimum still rounds (6 places) up to it
SCORING_THREADS = 2  # chunks scored at once (the machine's two cores; dbt's other thread is mostly idle then)


def score_pairs(entries, task_text, task_version, plan_pairs, min_similarity, np, sparse, pd):
    """Scored candidate pairs, as integer codes.

    entries: dict of equal-length arrays text (int, code of a text), term (int, code of a term),
      weight (float, L2-normalized per text).
    task_text: int array, task code → text code (task codes 0..n-1; tasks with the same text share
      its code, so a text's terms are held once).
    task_version: int array, task code → version code.
    plan_pairs: dict of arrays left, right (version codes), one element per plan pair.
    Returns dict of arrays pair (index into plan_pairs), task, matched_task (task codes),
    similarity (float, unrounded), shared_term_count (int), for every pair of a task of the left
    version and a task of the right version sharing ≥ 1 term with similarity ≥ min_similarity.
    """
    out = {k: [] for k in ("pair", "task", "matched_task", "similarity", "shared_term_count")}
    n_tasks = len(task_version)
    if not n_tasks:
        return {k: np.zeros(0, dtype=np.float64 if k == "similarity" else np.int64) for k in out}
    n_terms = int(entries["term"].max()) + 1
    n_texts = int(task_text.max()) + 1
    matrix = sparse.csr_matrix((entries["weight"], (entries["text"], entries["term"])), shape=(n_texts, n_terms))
    by_version = np.argsort(task_version, kind="stable")
    # tasks of version v: by_version[version_start[v]:version_start[v + 1]] (v may be one past the last: none)
    version_start = np.searchsorted(task_version[by_version], np.arange(task_version.max() + 3))
    n_pairs = len(plan_pairs["left"])

    def score_chunk(start):
        pairs = np.arange(start, min(start + PAIRS_PER_CHUNK, n_pairs))
        left_pair, left_task = _expand(pairs, plan_pairs["left"][pairs], by_version, version_start, np)
        right_pair, right_task = _expand(pairs, plan_pairs["right"][pairs], by_version, version_start, np)
        if not len(left_task) or not len(right_task):
            return None
        left, right = matrix[task_text[left_task]], matrix[task_text[right_task]]  # CSR rows, in stacked order
        # each plan pair gets its own copy of the term columns (pair × term, renumbered densely)
        keys = np.concatenate([np.repeat(left_pair, np.diff(left.indptr)).astype(np.int64) * n_terms + left.indices,
                               np.repeat(right_pair, np.diff(right.indptr)).astype(np.int64) * n_terms
                               + right.indices])
        columns, uniques = pd.factorize(keys)  # hashing, not sorting
        shape_left, shape_right = (len(left_task), len(uniques)), (len(right_task), len(uniques))
        left_cols, right_cols = columns[:left.nnz], columns[left.nnz:]

        def product(left_data, right_data):
            return (sparse.csr_matrix((left_data, left_cols, left.indptr), shape=shape_left)
                    @ sparse.csr_matrix((right_data, right_cols, right.indptr), shape=shape_right).T).tocsr()

        weights = product(left.data, right.data)
        counts = product(np.ones(left.nnz), np.ones(right.nnz))  # same structure → same layout
        if not (np.array_equal(weights.indptr, counts.indptr) and np.array_equal(weights.indices, counts.indices)):
            weights.sort_indices()
            counts.sort_indices()
            if not np.array_equal(weights.indices, counts.indices):
                raise RuntimeError("similarity and shared-term products differ in structure "
                                   "(a zero weight in int_task_terms?)")
        rows = np.repeat(np.arange(len(left_task)), np.diff(weights.indptr))
        keep = weights.data >= min_similarity
        rows, cols = rows[keep], weights.indices[keep]
        return {"pair": left_pair[rows], "task": left_task[rows], "matched_task": right_task[cols],
                "similarity": weights.data[keep], "shared_term_count": counts.data[keep].round().astype(np.int64)}

    # chunks are independent; scipy's sparse products and pandas' hashing release the GIL, so two
    # threads use both cores (results in chunk order: the same arrays as one thread gives)
    with ThreadPoolExecutor(SCORING_THREADS) as pool:
        for chunk in pool.map(score_chunk, range(0, n_pairs, PAIRS_PER_CHUNK)):
            for k, v in (chunk or {}).items():
                out[k].append(v)
    return {k: np.concatenate(v) if v else np.zeros(0, dtype=np.float64 if k == "similarity" else np.int64)
            for k, v in out.items()}


def _expand(pairs, versions, by_version, version_start, np):
    """(pair, task) for every task of each pair's version: the stacked rows of one side."""
    sizes = version_start[versions + 1] - version_start[versions]
    pair = np.repeat(pairs, sizes)
    offsets = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return pair, by_version[np.repeat(version_start[versions], sizes) + offsets]


def model(dbt, session):
    # sync_all_columns: a warehouse built by the SQL version of this model had a key_terms column
    dbt.config(materialized="incremental", unique_key="plan_pair_id", incremental_strategy="delete+insert",
               on_schema_change="sync_all_columns")
    import importlib
    import threading

    # scipy.sparse (below) and scipy.optimize (int_task_pairs_matched, next on this chain) cost ~0.7 s
    # of Python to import, once per dbt process: imported in a thread while this model waits on
    # DuckDB (which releases the GIL). A failed import shows again, raised, where it is used.
    threading.Thread(target=lambda: [importlib.import_module(name) for name in ("scipy.sparse", "scipy.optimize")],
                     daemon=True).start()
    import numpy as np
    import pandas as pd

    min_similarity = float(dbt.config.get("task_candidate_min_similarity"))
    plan_pairs_sql = dbt.ref("int_plan_pairs_enumerated").sql_query()
    terms_sql = dbt.ref("int_task_terms").sql_query()
    texts_sql = dbt.ref("int_task_texts").sql_query()
    todo_filter = ""
    if dbt.is_incremental and "load_id" in session.sql(f"select * from {dbt.this} limit 0").columns:
        todo_filter = f"""
            where not exists (
                select 1 from {dbt.this} as scored
                where scored.plan_pair_id = plan_pairs.plan_pair_id
                    and scored.document_version_id = plan_pairs.document_version_id
                    and scored.matched_document_version_id = plan_pairs.matched_document_version_id
                    and scored.load_id is not distinct from plan_pairs.load_id
                    and scored.matched_load_id is not distinct from plan_pairs.matched_load_id)"""
    session.execute(f"""
        create or replace temp table _scored_todo as
        select row_number() over (order by plan_pair_id) - 1 as pair_code,
               plan_pair_id, comparison_type, document_version_id, matched_document_version_id, load_id,
               matched_load_id
        from ({plan_pairs_sql}) as plan_pairs {todo_filter}""")
    # integer codes for tasks, texts, versions and terms (int32 for the entries: scipy's own index
    # type, so the matrix is built without a copy; strings stay in DuckDB). A task's terms are its
    # text's (int_task_texts → int_task_terms on text_md5), read once per distinct text: tasks
    # carried over verbatim share one matrix row. Small dictionaries, then one join, no window over
    # all term rows.
    session.execute("""
        create or replace temp table _scored_versions as
        select document_version_id from _scored_todo union select matched_document_version_id from _scored_todo""")
    terms = f"(select text_md5, term, weight from ({terms_sql}) where term is not null)"
    # the tasks with at least one term (int_task_texts holds the current tasks of every version)
    session.execute(f"""
        create or replace temp table _scored_tasks as
        select row_number() over (order by task_id) - 1 as task_code, task_id, document_version_id, text_md5,
               dense_rank() over (order by document_version_id) - 1 as version_code
        from ({texts_sql}) as texts
        inner join _scored_versions using (document_version_id)
        semi join {terms} as terms using (text_md5)""")
    session.execute("""
        create or replace temp table _scored_texts as
        select row_number() over (order by text_md5) - 1 as text_code, text_md5
        from (select distinct text_md5 from _scored_tasks)""")
    session.execute(f"""
        create or replace temp table _scored_term_codes as
        select row_number() over (order by term) - 1 as term_code, term
        from (select distinct term from {terms} as terms semi join _scored_texts using (text_md5))""")
    entries = session.sql(f"""
        select texts.text_code::integer as text, term_codes.term_code::integer as term, terms.weight
        from {terms} as terms
        inner join _scored_texts as texts using (text_md5)
        inner join _scored_term_codes as term_codes using (term)""").fetchnumpy()
    codes = session.sql("""
        select tasks.task_code, tasks.version_code, texts.text_code
        from _scored_tasks as tasks
        inner join _scored_texts as texts using (text_md5)
        order by tasks.task_code""").fetchnumpy()
    session.execute("drop table _scored_term_codes; drop table _scored_versions; drop table _scored_texts")
    pairs = session.sql("""
        select coalesce(l.version_code, -1) as left, coalesce(r.version_code, -1) as right
        from _scored_todo as todo
        left join (select distinct document_version_id, version_code from _scored_tasks) as l
            on l.document_version_id = todo.document_version_id
        left join (select distinct document_version_id, version_code from _scored_tasks) as r
            on r.document_version_id = todo.matched_document_version_id
        order by todo.pair_code""").fetchnumpy()
    from scipy import sparse

    # a plan with no terms pairs with nothing: point it at an empty version past the last
    empty = int(codes["version_code"].max()) + 1 if len(codes["version_code"]) else 0
    plan_pairs = {side: np.where(pairs[side] < 0, empty, pairs[side]).astype(np.int64) for side in ("left", "right")}
    scored = score_pairs({k: np.asarray(v) for k, v in entries.items()}, np.asarray(codes["text_code"], dtype=np.int64),
                         np.asarray(codes["version_code"], dtype=np.int64), plan_pairs,
                         min_similarity - ROUNDING_SLACK, np, sparse, pd)

    session.register("_scored_candidates", pd.DataFrame(scored))
    # the minimum applies to the similarity as stored (rounded), so a candidate is kept or dropped
    # exactly as a consumer's `similarity >= threshold` on this table would see it
    return session.sql(f"""
        with candidates as (
            select * from _scored_candidates where least(round(similarity, 6), 1.0) >= {min_similarity}
        ),
        final as (
            select
                md5(todo.plan_pair_id || '|' || l.task_id || '|' || r.task_id) as task_pair_id,
                todo.plan_pair_id,
                todo.comparison_type,
                todo.document_version_id,
                todo.matched_document_version_id,
                todo.load_id,
                todo.matched_load_id,
                l.task_id,
                r.task_id as matched_task_id,
                least(round(candidates.similarity, 6), 1.0) as similarity,
                candidates.shared_term_count
            from candidates
            inner join _scored_todo as todo on todo.pair_code = candidates.pair
            inner join _scored_tasks as l on l.task_code = candidates.task
            inner join _scored_tasks as r on r.task_code = candidates.matched_task
        )
        select * from final""")
