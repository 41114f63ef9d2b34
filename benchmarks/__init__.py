"""Benchmarks (not tests): ``python -m benchmarks.parse_bench``, ``python -m benchmarks.crawl_bench``.

Peers (docling, pandas, Scrapy) run in the separate ``.venv-bench`` as subprocesses;
the main ``.venv`` gets no extra packages. See docs/BENCHMARKS.md.
"""
