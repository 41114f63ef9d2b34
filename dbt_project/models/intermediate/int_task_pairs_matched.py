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
document_version_id, matched_document_version_id, load_id, matched_load_id, task_id,
matched_task_id, similarity, shared_term_count, key_terms (the five shared terms contributing most to the
cosine, best first, ties by term descending; computed for the matches only, top_shared_terms),
confidence_band ('high' when similarity >= var('task_match_high_threshold'),
else 'medium').

Incremental like int_task_pairs_scored: a plan pair is assigned again only when
it is new or one of its document versions or their loads changed (delete+insert on
plan_pair_id). A pair whose new assignment has no match keeps its old rows here, under the old
ids: readers take matches through current_task_matches(), which joins the current pairs on all
five ids.
"""


from concurrent.futures import ThreadPoolExecutor

MATCHES_PER_CHUNK = 100_000  # matches whose key terms are computed at once (bounds the memory of the products)
KEY_TERM_THREADS = 2  # chunks computed at once (the machine's two cores; dbt's other thread is mostly idle then)
KEY_TERMS = 5  # key_terms: the shared terms contributing most, this many at most


def top_shared_terms(vectors, left, right, k, np):
    """The k shared terms contributing most to each pair's cosine, best first.

    vectors: scipy.sparse CSR matrix, task code × term code → weight (no explicit zeros; term codes
      numbered in term order). left, right: int arrays of task codes (row numbers), one per pair.
    Returns dict of int64 arrays match_row (index into left/right), position (0 = best) and
    term_code: for each pair its ≤ k terms with the largest left weight × right weight (the term's
    share of the cosine), ties by the larger term code — what DuckDB's
    max_by(term, struct_pack(contribution, term), k) gives. Pairs are taken MATCHES_PER_CHUNK at a
    time; a pair sharing no term gets no rows."""
    vectors = vectors.tocsr()
    vectors.sort_indices()
    out = {k: [] for k in ("match_row", "position", "term_code")}

    def top_of_chunk(start):
        stop = min(start + MATCHES_PER_CHUNK, len(left))
        shared = vectors[left[start:stop]].multiply(vectors[right[start:stop]]).tocsr()
        shared.sort_indices()
        counts = np.diff(shared.indptr)
        # reversed, each pair's terms run in descending code order; a stable sort on the
        # contribution (descending) keeps that order among equal contributions, and a stable sort
        # on the pair then groups them (two argsorts: np.lexsort on three keys takes ~3× as long)
        rows = np.repeat(np.arange(start, stop), counts)[::-1]
        order = np.argsort(-shared.data[::-1], kind="stable")
        order = order[np.argsort(rows[order], kind="stable")]
        rows, terms = rows[order], shared.indices[::-1][order]
        position = np.arange(len(rows)) - np.repeat(shared.indptr[:-1], counts)
        top = position < k
        return {"match_row": rows[top], "position": position[top], "term_code": terms[top].astype(np.int64)}

    # chunks are independent and scipy / numpy's sorts release the GIL: two threads, results in chunk order
    with ThreadPoolExecutor(KEY_TERM_THREADS) as pool:
        for chunk in pool.map(top_of_chunk, range(0, len(left), MATCHES_PER_CHUNK)):
            for key, values in chunk.items():
                out[key].append(values)
    return {k: np.concatenate(v).astype(np.int64) if v else np.zeros(0, dtype=np.int64) for k, v in out.items()}


def select_matches(candidates, threshold, share_of_best, linear_sum_assignment, np):
    """Index labels of ``candidates`` (columns plan_pair_id, task_id, matched_task_id, similarity,
    best_similarity) that are matched: per plan pair the maximum-similarity one-to-one assignment
    over similarity >= threshold, kept when similarity >= share_of_best × best_similarity.

    Vectorized but for one linear_sum_assignment call per plan pair (a dense similarity matrix of
    that plan pair's eligible tasks, rows and columns in task_id order so ties resolve the same way
    on every run)."""
    import pandas as pd

    eligible = candidates[candidates["similarity"] >= threshold]
    if eligible.empty:
        return []
    pair_codes, _ = pd.factorize(eligible["plan_pair_id"], sort=True)
    left_codes, _ = pd.factorize(eligible["task_id"], sort=True)
    right_codes, _ = pd.factorize(eligible["matched_task_id"], sort=True)
    similarity = eligible["similarity"].to_numpy(dtype=float)
    order = np.argsort(pair_codes, kind="stable")
    bounds = np.flatnonzero(np.diff(pair_codes[order])) + 1
    chosen = []
    for rows in np.split(order, bounds):
        left, i = np.unique(left_codes[rows], return_inverse=True)
        right, j = np.unique(right_codes[rows], return_inverse=True)
        matrix = np.zeros((len(left), len(right)))
        matrix[i, j] = similarity[rows]
        position = np.full((len(left), len(right)), -1)
        position[i, j] = rows
        picked = position[linear_sum_assignment(matrix, maximize=True)]
        chosen.append(picked[picked >= 0])
    chosen = np.concatenate(chosen)
    best = eligible["best_similarity"].to_numpy(dtype=float)
    chosen = chosen[similarity[chosen] >= share_of_best * best[chosen]]
    return sorted(eligible.index[chosen])


def model(dbt, session):
    # sync_all_columns: a table written before the load ids were stored gets them (assigned again whole)
    dbt.config(materialized="incremental", unique_key="plan_pair_id", incremental_strategy="delete+insert",
               on_schema_change="sync_all_columns")
    import numpy as np
    import pandas as pd
    from scipy import sparse
    from scipy.optimize import linear_sum_assignment

    threshold = float(dbt.config.get("task_match_threshold"))
    high = float(dbt.config.get("task_match_high_threshold"))
    share_of_best = float(dbt.config.get("task_match_min_share_of_best"))
    scored_sql = dbt.ref("int_task_pairs_scored").sql_query()
    pairs_sql = dbt.ref("int_plan_pairs_enumerated").sql_query()
    # a task's terms are its text's (int_task_texts → int_task_terms on text_md5)
    terms_sql = f"""
        select texts.task_id, terms.term, terms.weight
        from ({dbt.ref("int_task_texts").sql_query()}) as texts
        inner join ({dbt.ref("int_task_terms").sql_query()}) as terms using (text_md5)
        where terms.term is not null"""
    pair_ids = "plan_pair_id, document_version_id, matched_document_version_id, load_id, matched_load_id"
    todo_sql = f"select {pair_ids} from ({pairs_sql})"
    if dbt.is_incremental and "load_id" in session.sql(f"select * from {dbt.this} limit 0").columns:
        todo_sql += f" except select distinct {pair_ids} from {dbt.this}"
    # best_similarity over the eligible candidates only: it is only read for eligible pairs, and
    # a pair below the threshold can never be the best of a task that has an eligible pair.
    # Strings stay in DuckDB; Python gets integer codes that sort like the ids (small dictionary
    # tables, not windows over all candidates: each window copies every row, ~8 GB at 1M tasks),
    # and the best similarity is a group maximum over those codes. The versions and comparison type
    # of a plan pair are joined back for the matches only.
    session.execute(f"""
        create or replace temp table _match_todo as {todo_sql}""")
    session.execute(f"""
        create or replace temp table _match_candidates as
        select
            row_number() over () - 1 as candidate_row,
            plan_pair_id, task_id, matched_task_id, similarity, shared_term_count
        from ({scored_sql}) as scored
        semi join _match_todo as todo using (plan_pair_id, document_version_id, matched_document_version_id, load_id,
                                             matched_load_id)
        where similarity >= {threshold}""")
    for column in ("plan_pair_id", "task_id", "matched_task_id"):
        session.execute(f"""
            create or replace temp table _match_codes_{column} as
            select {column}, row_number() over (order by {column}) as code
            from (select distinct {column} from _match_candidates)""")
    codes = session.sql("""
        select candidates.candidate_row, pairs.code as plan_pair_id, lefts.code as task_id,
               rights.code as matched_task_id, candidates.similarity
        from _match_candidates as candidates
        inner join _match_codes_plan_pair_id as pairs using (plan_pair_id)
        inner join _match_codes_task_id as lefts using (task_id)
        inner join _match_codes_matched_task_id as rights using (matched_task_id)""").df()
    session.execute("drop table _match_codes_plan_pair_id; drop table _match_codes_task_id; "
                    "drop table _match_codes_matched_task_id")
    codes["best_similarity"] = np.maximum(
        codes.groupby(["plan_pair_id", "task_id"])["similarity"].transform("max").to_numpy(),
        codes.groupby(["plan_pair_id", "matched_task_id"])["similarity"].transform("max").to_numpy())

    keep = select_matches(codes, threshold, share_of_best, linear_sum_assignment, np)
    session.register("_matched_rows", pd.DataFrame({"candidate_row": codes["candidate_row"].to_numpy()[keep]}))
    matches = f"""
        select candidates.plan_pair_id, pairs.comparison_type, todo.document_version_id,
               todo.matched_document_version_id, todo.load_id, todo.matched_load_id, candidates.task_id,
               candidates.matched_task_id,
               candidates.similarity, candidates.shared_term_count,
               case when candidates.similarity >= {high} then 'high' else 'medium' end as confidence_band
        from _match_candidates as candidates
        semi join _matched_rows using (candidate_row)
        inner join _match_todo as todo using (plan_pair_id)
        inner join ({pairs_sql}) as pairs
            on pairs.plan_pair_id = todo.plan_pair_id
            and pairs.document_version_id = todo.document_version_id
            and pairs.matched_document_version_id = todo.matched_document_version_id"""
    # the evidence, for the matches only: the shared terms that contribute most to the cosine.
    # The term rows of the matched tasks are read once as integers (task codes; terms numbered in
    # term order, so the tie-break on the code is the tie-break on the term) into one sparse matrix;
    # per chunk of matches scipy multiplies the two tasks' rows elementwise (the shared terms'
    # contributions) and numpy picks the top five; only the winners become strings again, grouped
    # on an integer match number. (The same top five in SQL, max_by over a join of the term rows per
    # chunk and a group by on three string ids, took ~60 % of this model's CPU.)
    session.execute(f"""
        create or replace temp table _match_matches as
        select row_number() over () - 1 as match_row, * from ({matches})""")
    # temp tables live as long as dbt's connection (through the marts): the candidates (4.95M rows at
    # 1M tasks) are not read again
    session.execute("drop table _match_candidates; drop table _match_todo")
    session.unregister("_matched_rows")
    session.execute("""
        create or replace temp table _match_task_codes as
        select task_id, (row_number() over (order by task_id) - 1)::integer as task_code
        from (select task_id from _match_matches union select matched_task_id from _match_matches)""")
    # terms numbered in term order, those of the matched tasks only (the order among them is the
    # same, so the same tie-break; a hash aggregate over a few terms, not all 22M rows at 1M tasks)
    session.execute(f"""
        create or replace temp table _match_term_codes as
        select term, (row_number() over (order by term) - 1)::integer as term_code
        from (select distinct term from ({terms_sql}) semi join _match_task_codes using (task_id))""")
    terms = session.sql(f"""
        select codes.task_code, term_codes.term_code, terms.weight
        from ({terms_sql}) as terms
        inner join _match_task_codes as codes using (task_id)
        inner join _match_term_codes as term_codes using (term)""").fetchnumpy()
    n_tasks, n_terms = session.sql(
        "select (select count(*) from _match_task_codes), (select count(*) from _match_term_codes)").fetchall()[0]
    vectors = sparse.csr_matrix((np.asarray(terms["weight"]), (np.asarray(terms["task_code"]), np.asarray(terms["term_code"]))),
                                shape=(n_tasks, n_terms))
    del terms
    pairs = session.sql("""
        select lefts.task_code as left_code, rights.task_code as right_code
        from _match_matches as matches
        inner join _match_task_codes as lefts on lefts.task_id = matches.task_id
        inner join _match_task_codes as rights on rights.task_id = matches.matched_task_id
        order by matches.match_row""").fetchnumpy()
    key_terms = top_shared_terms(vectors, np.asarray(pairs["left_code"]), np.asarray(pairs["right_code"]), KEY_TERMS, np)
    del vectors
    # one row per match, its key term codes in columns k0.. (-1: none), turned into strings by a join
    # per column (cheaper than list(... order by position) grouped over a row per key term)
    wide = np.full((len(pairs["left_code"]), KEY_TERMS), -1, dtype=np.int64)
    wide[key_terms["match_row"], key_terms["position"]] = key_terms["term_code"]
    shares = wide[:, 0] >= 0  # every match shares a term (similarity > 0); kept as the inner join was
    session.register("_match_key_term_codes", pd.DataFrame(
        {"match_row": np.flatnonzero(shares), **{f"k{i}": wide[shares, i] for i in range(KEY_TERMS)}}))
    terms_list = ", ".join(f"t{i}.term" for i in range(KEY_TERMS))
    joins = "\n".join(f"left join _match_term_codes as t{i} on t{i}.term_code = key.k{i}" for i in range(KEY_TERMS))
    session.execute(f"""
        create or replace temp table _match_key_terms as
        select key.match_row, list_filter([{terms_list}], lambda term: term is not null) as key_terms
        from _match_key_term_codes as key
        {joins};
        drop table _match_task_codes; drop table _match_term_codes""")
    session.unregister("_match_key_term_codes")
    return session.sql("""
        with matches as (select * from _match_matches),
        key_terms as (select * from _match_key_terms),
        final as (
            select
                md5(matches.plan_pair_id || '|' || matches.task_id || '|' || matches.matched_task_id)
                    as task_match_id,
                matches.plan_pair_id,
                matches.comparison_type,
                matches.document_version_id,
                matches.matched_document_version_id,
                matches.load_id,
                matches.matched_load_id,
                matches.task_id,
                matches.matched_task_id,
                matches.similarity::double as similarity,
                matches.shared_term_count::bigint as shared_term_count,
                key_terms.key_terms,
                matches.confidence_band::varchar as confidence_band
            from matches
            inner join key_terms using (match_row)
        )
        select * from final""")
