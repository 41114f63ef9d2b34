"""Weighted terms of every distinct task text: jieba word segmentation × IDF, L2-normalized.

One row per text × term: text_md5 (the text, int_task_texts.text_md5: tasks carried over verbatim
share one), term, weight (tf-idf / ||tf-idf||₂, so the dot product of two texts' weights is
their cosine similarity, 0..1); a text without any term has one row with term and weight null.
A task's terms are its text's: int_task_texts joined on text_md5.

Rules (docs/ARCHITECTURE.md, "Task matching"):
- task_name and task_content are segmented separately, all whitespace removed
  (PDF line breaks put stray spaces inside CJK words); tf = var('task_name_term_weight')
  × occurrences in the name + occurrences in the content: a 任务分解表 repeats one
  heading as the name of several split tasks, so name words tell them apart less;
- jieba's precise mode without HMM (deterministic; search mode's sub-words such
  as 大行 out of 重大行政决策 add noise), with the domain words of
  seeds.task_term_dictionary added to jieba's dictionary;
- a term has ≥ 2 characters and at least one CJK character or letter; terms of
  seeds.task_term_stoplist (boilerplate such as 公开, 信息, 做好, 工作) are dropped;
- weight = (1 + ln tf) × idf (tf below 1, a name-only term: tf × idf), idf from the IDF table that ships with jieba
  (jieba/analyse/idf.txt; a term missing from it gets the table's median, as
  jieba.analyse does). A fixed IDF keeps a task's weights independent of the
  rest of the corpus, so this model and the pair scoring are incremental.

Incremental: only the texts of int_task_texts not yet here are segmented (delete+insert on
text_md5); stored per text, a 1M-task corpus holds 41 % of the rows it held per task (9.2M
against 22.5M; 327k texts for 1M tasks). Texts no task uses any more stay (unread) until a
--full-refresh. A change of var('task_name_term_weight') (it is part of text_md5), the dictionary
or the stoplist needs --full-refresh (docs/ARCHITECTURE.md, "Incremental marts").

Speed (docs/BENCHMARKS.md §4): identical texts (tasks carried over verbatim) are weighted once;
jieba cuts each run of Han characters / letters / digits (jieba.re_han_default) on its own, so
the distinct runs are cut once each, half of them in a forked worker process when there are many
(jieba itself, the very same words, the dictionary loaded once before the fork); the texts are
weighed by numpy over all term occurrences at once (weigh_texts); Python returns integer codes and
floats (term strings once each), and DuckDB joins the text hashes back. In an incremental build of a
few new tasks the fixed costs dominate: pandas' import and jieba's dictionary run in a thread while
DuckDB finds the texts, and only the IDF of the terms found is read (idf_of_terms).
"""

import math
import re
from concurrent.futures import ThreadPoolExecutor

_TERM = re.compile(r"[\u3400-\u9fffA-Za-z]")
PARALLEL_MIN_ITEMS = 20_000  # fewer runs are cut in this process (a fork costs ~0.1 s)
WORKER_TIMEOUT_S = 1800  # bound on waiting for the worker process


def idf_of_terms(session, table):
    """IDF of each term of ``table`` (a registered table of term_code int, term str, term_code
    0..n-1): float list indexed by term_code, from the IDF table that ships with jieba
    (jieba/analyse/idf.txt, "term idf" per line, the file jieba.analyse reads); a term missing from it
    gets the table's median, sorted(values)[n // 2], as jieba.analyse's IDFLoader does.

    DuckDB reads the file and joins only the terms asked for (a Python parse of its 270k lines took
    ~0.45 s per run, for a few hundred terms in an incremental build). Not importing jieba.analyse
    either: it imports jieba.posseg, whose HMM tables are megabytes of Python literals."""
    import os

    import jieba

    path = os.path.join(os.path.dirname(jieba.__file__), "analyse", "idf.txt")
    columns = "{'term': 'varchar', 'idf': 'double'}"
    return session.execute(f"""
        with idf as (
            select term, idf from read_csv($path, delim = ' ', header = false, quote = '', escape = '',
                                           auto_detect = false, columns = {columns})
        ),
        median as (select list_sort(list(idf))[count(*) // 2 + 1] as idf from idf),
        final as (
            select terms.term_code, coalesce(idf.idf, median.idf) as idf
            from {table} as terms
            cross join median
            left join idf using (term)
        )
        select idf from final order by term_code""", {"path": path}).fetchnumpy()["idf"].tolist()


def _load_dictionary(tokenizer):
    """Load a jieba.Tokenizer's default dictionary from jieba's own cache file, read whole.

    The same file and rule as jieba's Tokenizer.initialize (tmp_dir or the temp dir, cache_file or
    jieba.cache, the default dictionary's cache taken without an mtime check), but marshal.loads on
    its bytes: jieba's marshal.load on the open file reads it piecewise, ~3 × as long (1.4 against
    0.4 s for the 9 MB cache). No cache file, another dictionary, or an unreadable cache: jieba's own
    initialize (which writes the cache)."""
    import marshal
    import os
    import tempfile

    import jieba

    cache = os.path.join(tokenizer.tmp_dir or tempfile.gettempdir(), tokenizer.cache_file or "jieba.cache")
    if tokenizer.dictionary == jieba.DEFAULT_DICT and os.path.isfile(cache):
        try:
            with open(cache, "rb") as handle:
                tokenizer.FREQ, tokenizer.total = marshal.loads(handle.read())
            tokenizer.initialized = True
        except (OSError, EOFError, ValueError, TypeError):
            tokenizer.FREQ, tokenizer.total = {}, 0
    tokenizer.check_initialized()


def _segmenter(domain_words):
    import jieba

    jieba.setLogLevel(60)
    tokenizer = jieba.Tokenizer()  # own instance: the default one is process-global
    _load_dictionary(tokenizer)
    for word in domain_words:
        tokenizer.add_word(word)
    return tokenizer


def whitespace_class():
    """An RE2 character class of exactly the characters Python's str.isspace() accepts (what
    "".join(text.split()) drops), so DuckDB strips the same characters as the Python rule. All of
    them are below U+3001 (the last is U+3000; tests/dbt/test_task_terms.py checks every code
    point), so only that range is scanned (the whole of Unicode took ~0.3 s per run)."""
    # no Jinja braces in a dbt Python model, hence the concatenation
    spaces = filter(str.isspace, map(chr, range(0x3001)))
    return "[" + "".join("\\x{" + format(ord(c), "x") + "}" for c in spaces) + "]"


def cut_runs(runs, tokenizer, stop):
    """Terms of each run (list of str, runs of jieba.re_han_default) → list of tuples of terms:
    jieba precise mode without HMM, terms of ≥ 2 characters with a CJK character or letter, not in stop."""
    return [tuple(term for term in tokenizer.cut(run, HMM=False)
                  if len(term) >= 2 and _TERM.search(term) and term not in stop) for run in runs]


def in_two_processes(function, n):
    """[function(0, n // 2), function(n // 2, n)], the second half in a forked worker process (it
    inherits this process's memory: tokenizer, dictionaries; its result comes back pickled), or
    [function(0, n)] below PARALLEL_MIN_ITEMS. Raises RuntimeError when the worker dies or does not
    answer within WORKER_TIMEOUT_S."""
    import multiprocessing

    if n < PARALLEL_MIN_ITEMS:
        return [function(0, n)]
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    half = n // 2

    def work():
        sender.send(function(half, n))
        sender.close()

    worker = context.Process(target=work, daemon=True)
    worker.start()
    sender.close()
    try:
        mine = function(0, half)
        if not receiver.poll(WORKER_TIMEOUT_S):
            raise RuntimeError(f"int_task_terms: the worker process gave no result in {WORKER_TIMEOUT_S} s")
        try:
            theirs = receiver.recv()
        except EOFError as error:
            raise RuntimeError(f"int_task_terms: the worker process died (exit code {worker.exitcode})") from error
    finally:
        worker.join(5)
        if worker.is_alive():
            worker.kill()
    return [mine, theirs]


def cut_runs_parallel(runs, tokenizer, stop):
    """``cut_runs`` over two processes (``in_two_processes``): the same list."""
    return [terms for part in in_two_processes(lambda lo, hi: cut_runs(runs[lo:hi], tokenizer, stop), len(runs))
            for terms in part]


def weigh_texts(name_runs, content_runs, run_terms, idf_of, name_weight, np, pd):
    """Weights of every text: (term codes, weights, terms per text) as int64/float64/int64 arrays,
    each text's terms in the order they first occur, content first.

    name_runs/content_runs: per text, a list of run numbers; run_terms: per run, a tuple of term
    codes; idf_of: per term code, its IDF. tf = occurrences in the content + name_weight ×
    occurrences in the name; weight = (1 + ln tf, or tf below 1) × idf, divided by the text's L2
    norm. Vectorized (numpy/pandas over all occurrences at once), yet float for float what the per-text
    Python rule gave: ln by math.log of each distinct tf, and each norm summed in the same
    sequential order (numpy's own sums are pairwise)."""
    n_texts = len(content_runs)
    run_sizes = np.fromiter((len(terms) for terms in run_terms), dtype=np.int64, count=len(run_terms))
    run_start = np.concatenate([[0], np.cumsum(run_sizes)])
    run_flat = np.fromiter((term for terms in run_terms for term in terms), dtype=np.int64, count=int(run_start[-1]))

    def occurrences(runs_of_text, source):
        # (text * 2 + source, term) of every term occurrence, text by text, runs and terms in order
        counts = np.fromiter(map(len, runs_of_text), dtype=np.int64, count=n_texts)
        runs = np.fromiter((run for runs in runs_of_text for run in runs), dtype=np.int64, count=int(counts.sum()))
        sizes = run_sizes[runs]
        offsets = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        terms = run_flat[np.repeat(run_start[runs], sizes) + offsets]
        texts = np.repeat(np.repeat(np.arange(n_texts, dtype=np.int64), counts), sizes)
        return texts * 2 + source, terms

    content_key, content_terms = occurrences(content_runs, 0)
    name_key, name_terms = occurrences(name_runs, 1)
    # one sequence, text by text, a text's content before its name (stable: each keeps its order)
    merged = np.argsort(np.concatenate([content_key, name_key]), kind="stable")
    text = (np.concatenate([content_key, name_key]) // 2)[merged]
    term = np.concatenate([content_terms, name_terms])[merged]
    from_name = (merged >= len(content_key)).astype(np.float64)
    n_terms = len(idf_of)
    # (text, term) numbered in order of first occurrence (hashing, no sort): text by text, each
    # text's terms in the order they first occur
    index, keys = pd.factorize(text * n_terms + term)
    in_name = np.bincount(index, weights=from_name, minlength=len(keys))
    in_content = np.bincount(index, minlength=len(keys)) - in_name
    tf = in_content + name_weight * in_name
    text, term = keys // n_terms, keys % n_terms
    kept = tf > 0
    tf, text, term = tf[kept], text[kept], term[kept]
    tf_index, distinct_tf = pd.factorize(tf)
    scale = np.array([1.0 + math.log(value) if value >= 1 else value for value in distinct_tf.tolist()])
    raw = scale[tf_index] * np.asarray(idf_of, dtype=np.float64)[term]
    sizes = np.bincount(text, minlength=n_texts).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    squares = raw * raw
    # sequential sums per text: step k adds every text's k-th square (texts longest first, so the
    # texts that still have a k-th term are a prefix)
    longest_first = np.argsort(-sizes, kind="stable")
    ordered_sizes, ordered_starts = sizes[longest_first], starts[longest_first]
    sums = np.zeros(n_texts)
    for k in range(int(sizes.max()) if n_texts else 0):
        n = int(np.searchsorted(-ordered_sizes, -k, side="left"))  # texts with more than k terms
        sums[:n] += squares[ordered_starts[:n] + k]
    norm = np.empty(n_texts)
    norm[longest_first] = np.sqrt(sums)
    norm[norm == 0] = 1.0
    return term, raw / norm[text], sizes


def model(dbt, session):
    # sync_all_columns: a table of the older per-task layout (task_id, document_version_id, load_id
    # beside these) is emptied below, loses those columns and is written again whole
    dbt.config(materialized="incremental", unique_key="text_md5", incremental_strategy="delete+insert",
               on_schema_change="sync_all_columns")
    name_weight = float(dbt.config.get("task_name_term_weight"))
    stoplist = dbt.ref("task_term_stoplist")
    domain_words = [word for word, in dbt.ref("task_term_dictionary").select("term").fetchall()]
    # imports and jieba's dictionary (~1 s of Python in a fresh dbt process) while DuckDB finds and
    # strips the texts to segment below (it releases the GIL); joined before any fork
    background = ThreadPoolExecutor(1)
    segmenter = background.submit(lambda: (__import__("pandas"), _segmenter(domain_words))[1])
    background.shutdown(wait=False)
    texts_sql = dbt.ref("int_task_texts").sql_query()
    tasks_sql = dbt.ref("stg_work_plans__tasks").sql_query()
    spaces = whitespace_class()
    not_yet_here = ""
    if dbt.is_incremental:
        if "task_id" in session.sql(f"select * from {dbt.this} limit 0").columns:
            session.execute(f"delete from {dbt.this}")  # the per-task layout: every text again
        not_yet_here = f"anti join {dbt.this} as here using (text_md5)"
    # one task per new text, its texts with all whitespace removed; texts numbered in any order
    # (each text is weighed on its own). The task is read under the load int_task_texts hashed (a
    # task's text changes only with a load of its version): were int_task_texts not rebuilt after a
    # re-parse (this model built alone), the text waits for it instead of being stored under the
    # other text's hash
    session.execute(f"""
        create or replace temp table _terms_todo as
        with new_texts as (
            select text_md5, min(task_id) as task_id, arg_min_null(load_id, task_id) as load_id
            from ({texts_sql}) as texts {not_yet_here}
            group by text_md5
        )
        select row_number() over () - 1 as text_code, new_texts.text_md5,
               regexp_replace(coalesce(tasks.task_name, ''), '{spaces}', '', 'g') as task_name,
               regexp_replace(coalesce(tasks.task_content, ''), '{spaces}', '', 'g') as task_content
        from new_texts
        inner join ({tasks_sql}) as tasks using (task_id, load_id)""")
    import numpy as np
    import pandas as pd

    texts = session.sql("select task_name, task_content from _terms_todo order by text_code").fetchnumpy()
    names, contents = texts["task_name"].tolist(), texts["task_content"].tolist()
    # the texts are in Python now; the temp table lives as long as dbt's connection (through the
    # marts), so it keeps only the codes
    session.execute("create or replace temp table _terms_todo as select text_code, text_md5 from _terms_todo")
    # a text without any term keeps one row (term and weight null), so it is not segmented again
    result = """
        with final as (
            select todo.text_md5, term_codes.term::varchar as term, text_terms.weight::double as weight
            from _terms_todo as todo
            left join _terms_text_terms as text_terms using (text_code)
            left join _terms_codes as term_codes using (term_code)
        )
        select * from final"""
    if not names:  # nothing new: the dictionary is not used
        segmenter.result()  # (its thread ends here)
        session.register("_terms_text_terms", pd.DataFrame({"text_code": np.zeros(0, np.int64),
                                                            "term_code": np.zeros(0, np.int64),
                                                            "weight": np.zeros(0, np.float64)}))
        session.register("_terms_codes", pd.DataFrame({"term_code": np.zeros(0, np.int64),
                                                       "term": pd.Series([], dtype=object)}))
        return session.sql(result)

    stop = set(stoplist.df()["term"])
    tokenizer = segmenter.result()
    import jieba

    han_runs = jieba.re_han_default.findall
    run_index = {}  # distinct runs → their number; texts become lists of run numbers

    def run_numbers(text):
        return [run_index.setdefault(run, len(run_index)) for run in han_runs(text)]

    name_runs, content_runs = [run_numbers(text) for text in names], [run_numbers(text) for text in contents]
    del names, contents, texts
    term_codes = {}  # distinct terms → their number, in order of first occurrence
    run_terms = [tuple(term_codes.setdefault(term, len(term_codes)) for term in terms)
                 for terms in cut_runs_parallel(list(run_index), tokenizer, stop)]
    session.register("_terms_codes", pd.DataFrame({"term_code": np.arange(len(term_codes), dtype=np.int64),
                                                   "term": pd.Series(list(term_codes), dtype=object)}))
    idf_of = idf_of_terms(session, "_terms_codes")
    codes, weights, sizes = weigh_texts(name_runs, content_runs, run_terms, idf_of, name_weight, np, pd)
    session.register("_terms_text_terms", pd.DataFrame({
        "text_code": np.repeat(np.arange(len(sizes), dtype=np.int64), sizes), "term_code": codes, "weight": weights}))
    return session.sql(result)
