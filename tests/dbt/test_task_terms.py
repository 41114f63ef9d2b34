"""Pieces of int_task_terms without dbt: the whitespace rule in DuckDB, and segmenting in two processes."""

from __future__ import annotations

import sys

import duckdb
import jieba
from test_pair_scoring import load_model

from tests.gold import gold_seeds, load_gold


def _module():
    return load_model("int_task_terms")


def test_duckdb_strips_exactly_what_python_split_join_strips():
    every_space = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    near_misses = "\u200b\u2060\ufeff\u180e_-·"  # zero-width and other non-space characters stay
    text = f"推进{every_space}政务 公开{near_misses}\u3000工作\n"
    stripped = duckdb.execute("select regexp_replace($t, $c, '', 'g')",
                              {"t": text, "c": _module().whitespace_class()}).fetchone()[0]
    assert stripped == "".join(text.split()) == f"推进政务公开{near_misses}工作"
    assert len(every_space) == 29


def test_two_processes_cut_the_same_words_in_the_same_order(monkeypatch):
    module = _module()
    texts = [t["task_content"] for seed in gold_seeds() for t in load_gold(seed)["tasks"]]
    runs = list(dict.fromkeys(run for text in texts for run in jieba.re_han_default.findall(text)))
    tokenizer, stop = module._segmenter(["政务公开"]), {"工作", "公开"}
    alone = module.cut_runs(runs, tokenizer, stop)
    monkeypatch.setattr(module, "PARALLEL_MIN_ITEMS", 2)
    assert module.cut_runs_parallel(runs, tokenizer, stop) == alone
    assert len(alone) == len(runs) > 1000
    assert sum(map(len, alone)) > 5 * len(runs) // 2  # words, not empty tuples
    assert all(len(term) >= 2 and term not in stop for terms in alone for term in terms)


def test_dictionary_is_read_from_jiebas_cache_as_jieba_reads_it(tmp_path):
    module = _module()
    first = jieba.Tokenizer()
    first.tmp_dir = str(tmp_path)
    module._load_dictionary(first)  # no cache there yet: jieba's own load, which writes it
    assert (tmp_path / "jieba.cache").is_file() and first.initialized
    ours, theirs = jieba.Tokenizer(), jieba.Tokenizer()
    ours.tmp_dir = theirs.tmp_dir = str(tmp_path)
    module._load_dictionary(ours)  # read whole by us
    theirs.check_initialized()  # read by jieba
    assert ours.initialized and ours.total == theirs.total == first.total
    assert ours.FREQ == theirs.FREQ == first.FREQ and len(ours.FREQ) > 300_000
    (tmp_path / "jieba.cache").write_bytes(b"not marshal")
    broken = jieba.Tokenizer()
    broken.tmp_dir = str(tmp_path)
    module._load_dictionary(broken)  # unreadable cache: jieba's own load
    assert broken.initialized and broken.FREQ == theirs.FREQ


def test_idf_of_the_asked_terms_is_jiebas_table_with_its_median_for_the_rest():
    import os

    import numpy as np
    import pandas as pd

    # the rule as jieba.analyse's IDFLoader reads idf.txt: "term idf" lines, median = sorted values[n // 2]
    idf = {}
    with open(os.path.join(os.path.dirname(jieba.__file__), "analyse", "idf.txt"), encoding="utf-8") as handle:
        for line in handle:
            term, _, value = line.rstrip("\n").partition(" ")
            if value:
                idf[term] = float(value)
    median = sorted(idf.values())[len(idf) // 2]
    terms = [*list(idf)[::5], "不在表中的词", "政务公开", "AI", "12345"]
    con = duckdb.connect()
    con.register("asked", pd.DataFrame({"term_code": np.arange(len(terms)), "term": pd.Series(terms, dtype=object)}))
    got = _module().idf_of_terms(con, "asked")
    assert got == [idf.get(term, median) for term in terms]  # float for float
    assert len(got) > 50_000 and got.count(median) >= 3 and len(idf) > 250_000
