"""Weighted terms of every task: jieba word segmentation × IDF, L2-normalized.

One row per task × term: task_id, document_version_id, text_md5 (md5 of the
name weight, name and content segmented, so a re-parsed task whose text changed
is segmented again),
term, weight (tf-idf / ||tf-idf||₂, so the dot product of two tasks' weights is
their cosine similarity, 0..1).

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

Incremental: only tasks whose (task_id, text_md5) is not yet here are segmented
(delete+insert on task_id).
"""

import functools
import hashlib
import itertools
import math
import re
from collections import Counter

_TERM = re.compile(r"[\u3400-\u9fffA-Za-z]")


def _idf_table():
    import os

    import jieba

    # the file jieba.analyse reads, without importing jieba.analyse (it imports jieba.posseg, whose
    # HMM tables are megabytes of Python literals: seconds to load)
    path = os.path.join(os.path.dirname(jieba.__file__), "analyse", "idf.txt")
    idf = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            word, _, value = line.rstrip("\n").partition(" ")
            if value:
                idf[word] = float(value)
    median = sorted(idf.values())[len(idf) // 2]
    return idf, median


def _segmenter(domain_words):
    import jieba

    jieba.setLogLevel(60)
    tokenizer = jieba.Tokenizer()  # own instance: the default one is process-global
    for word in domain_words:
        tokenizer.add_word(word)
    return tokenizer


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="task_id", incremental_strategy="delete+insert")
    import numpy as np
    import pandas as pd

    stoplist = dbt.ref("task_term_stoplist")
    dictionary = dbt.ref("task_term_dictionary")
    tasks = dbt.ref("stg_work_plans__tasks").select(
        "task_id, document_version_id, coalesce(task_name, '') as task_name, coalesce(task_content, '') as task_content"
    )
    # plain Python lists: iterating DuckDB's pandas string arrays element by element costs µs each
    columns = tasks.fetchnumpy()
    task_ids, version_ids = columns["task_id"].tolist(), columns["document_version_id"].tolist()
    # "".join(split()) drops exactly what re's \s matches (both use str.isspace), several times faster
    names = ["".join(text.split()) for text in columns["task_name"].tolist()]
    contents = ["".join(text.split()) for text in columns["task_content"].tolist()]
    name_weight = float(dbt.config.get("task_name_term_weight"))
    md5s = [hashlib.md5(f"{name_weight}|{n}|{c}".encode()).hexdigest() for n, c in zip(names, contents)]
    todo = range(len(task_ids))
    if dbt.is_incremental:
        done = session.sql(f"select distinct task_id, text_md5 from {dbt.this}").fetchnumpy()
        seen = set(zip(done["task_id"].tolist(), done["text_md5"].tolist()))
        todo = [i for i, key in enumerate(zip(task_ids, md5s)) if key not in seen]
    frame = pd.DataFrame({"task_id": [task_ids[i] for i in todo], "document_version_id": [version_ids[i] for i in todo],
                          "task_name": [names[i] for i in todo], "task_content": [contents[i] for i in todo],
                          "text_md5": [md5s[i] for i in todo]}, dtype=object)

    empty = pd.DataFrame({"task_id": [], "document_version_id": [], "text_md5": [], "term": [], "weight": []}).astype(
        {"task_id": "string", "document_version_id": "string", "text_md5": "string", "term": "string",
         "weight": "float64"})
    if frame.empty:  # nothing new: no dictionary to load
        return empty
    stop = set(stoplist.df()["term"])
    domain_words = list(dictionary.df()["term"])
    tokenizer = _segmenter(domain_words)
    import jieba

    han_runs = jieba.re_han_default.findall
    idf, median_idf = _idf_table()

    by_text = {}  # identical texts (a task carried over verbatim) are segmented once

    # jieba cuts each run of Han characters / letters / digits (jieba.re_han_default) on its
    # own, so memoizing the cut per run gives the very same words; plans repeat whole clauses
    # (verbatim carry-overs, boilerplate sentences), and jieba's DAG search is pure Python.
    @functools.lru_cache(maxsize=500_000)
    def cut_run(run):
        return tuple(term for term in tokenizer.cut(run, HMM=False)
                     if len(term) >= 2 and _TERM.search(term) and term not in stop)

    def terms(text):
        return Counter(term for run in han_runs(text) for term in cut_run(run))

    # columns, not a tuple per task × term row: a 1M-task build has tens of millions of rows
    per_task_terms, per_task_weights = [], []
    for name, content, text_md5 in zip(frame["task_name"], frame["task_content"], frame["text_md5"]):
        weights = by_text.get(text_md5)
        if weights is None:
            counts = terms(content)
            for term, n in terms(name).items():
                counts[term] = counts.get(term, 0) + name_weight * n
            raw = {term: (1.0 + math.log(tf) if tf >= 1 else tf) * idf.get(term, median_idf)
                   for term, tf in counts.items() if tf > 0}
            norm = math.sqrt(sum(w * w for w in raw.values())) or 1.0
            weights = by_text[text_md5] = (tuple(raw), [w / norm for w in raw.values()])
        per_task_terms.append(weights[0])
        per_task_weights.append(weights[1])

    sizes = [len(t) for t in per_task_terms]
    result = pd.DataFrame({
        column: np.repeat(frame[column].to_numpy(dtype=object), sizes)
        for column in ("task_id", "document_version_id", "text_md5")})
    result["term"] = np.fromiter(itertools.chain.from_iterable(per_task_terms), dtype=object, count=sum(sizes))
    result["weight"] = np.fromiter(itertools.chain.from_iterable(per_task_weights), dtype=np.float64,
                                   count=sum(sizes))
    return empty if result.empty else result  # an empty frame keeps the column types
