"""Warehouse at scale: loader vs DuckDB bulk insert, full `dbt build`, incremental build after one plan.

    .venv/bin/python -m benchmarks.warehouse_bench --tasks 10000 100000 [--seed 7] [--work DIR] [--json out.json]
    .venv/bin/python -m benchmarks.warehouse_bench --loader-only [--rounds 3] [--tasks 10000]

Raw data is generated (seeded): every publisher of dbt_project/seeds/publishers.csv
(jurisdiction × organ type, the identity the warehouse uses) gets one plan a year of
~60 tasks; a plan carries ~75% of its previous plan's tasks forward, each reworded
(clauses dropped or swapped, verbs replaced, a clause of another task appended), and
draws new tasks from the 233 gold task texts. Sizes past publishers × 60 add years.

Per size it measures, in a temp dir (WP_WAREHOUSE points there, nothing in var/):
1. loader: extract.load.load_document for every document (one transaction each) vs
   DuckDB's own bulk insert of the same raw rows from DataFrames (one statement per table);
2. full `dbt build` (seeds, models, tests) on the loaded warehouse, wall time, CPU time
   and the peak RSS of the dbt process, and dbt's own time per node (run_results.json);
3. one new plan (next year of one publisher) loaded, then `dbt build` again (incremental).
Prints a markdown table with the ratios, the load average around the run and the slowest nodes.
With --work DIR the loaded raw warehouse of each size is kept there and copied on later runs
(the loader is slow: 100k tasks take minutes), so the builds can be re-measured on the same data.
``--loader-only`` runs step 1 alone (no dbt), ``--rounds`` times, and adds CPU seconds (this process,
all threads) next to wall seconds: on a shared machine wall time includes waiting for a core, CPU time does not.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "dbt"))

from dbt_runner import run_dbt  # noqa: E402
from extract.crawl.crawler import RunInfo  # noqa: E402
from extract.load import document_rows, load_document, load_documents  # noqa: E402
from extract.records import CrawlRequest, LoadAudit  # noqa: E402
from extract.warehouse import ensure_raw_schema  # noqa: E402
from tests.gold import gold_seeds, load_gold  # noqa: E402

TASKS_PER_PLAN = 60
CARRY_OVER = 0.75
SYNONYMS = [("推进", "推动"), ("加强", "强化"), ("做好", "抓好"), ("完善", "健全"), ("及时", "按时"),
            ("持续", "继续"), ("进一步", "切实"), ("提升", "提高")]
BASE_TIME = datetime(2024, 3, 1, tzinfo=timezone.utc)


def _publishers() -> list[dict]:
    names = {r["jurisdiction_code"]: r["jurisdiction_name"]
             for r in csv.DictReader((ROOT / "dbt_project/seeds/jurisdictions.csv").open(encoding="utf-8"))}
    seen, out = set(), []
    for r in csv.DictReader((ROOT / "dbt_project/seeds/publishers.csv").open(encoding="utf-8")):
        if r["publisher_id"] not in seen:
            seen.add(r["publisher_id"])
            out.append({"issuer": r["issuer_name"], "jurisdiction": names[r["jurisdiction_code"]],
                        "publisher_id": r["publisher_id"]})
    return out


def _reword(text: str, rng: random.Random, pool: list[dict]) -> str:
    clauses = [c for c in re.split(r"(?<=[，。；])", text) if c]
    if len(clauses) > 2 and rng.random() < 0.3:
        clauses.pop(rng.randrange(len(clauses)))
    if len(clauses) > 2 and rng.random() < 0.3:
        i, j = rng.sample(range(len(clauses)), 2)
        clauses[i], clauses[j] = clauses[j], clauses[i]
    out = "".join(clauses)
    for old, new in SYNONYMS:
        if old in out and rng.random() < 0.3:
            out = out.replace(old, new, 1)
    if rng.random() < 0.2:
        extra = [c for c in re.split(r"(?<=[，。；])", rng.choice(pool)["task_content"]) if c]
        out += rng.choice(extra)
    return out


def _task(base: dict, seq: int, rng: random.Random, pool: list[dict]) -> dict:
    return {"seq": seq, "task_name": base.get("task_name"), "section": None,
            "task_content": _reword(base["task_content"], rng, pool),
            "responsible_raw": base.get("responsible_raw"), "lead_units": base.get("lead_units") or [],
            "support_units": base.get("support_units") or [], "units_open_list": bool(base.get("units_open_list")),
            "deadline_raw": base.get("deadline_raw"), "deadline_date": None,
            # no date is computed here, so the kind is what read_deadline gives an undated text
            "deadline_kind": "unparsed" if base.get("deadline_raw") else "none"}


def generate(n_tasks: int, seed: int) -> list[tuple[dict, dict]]:
    """(publisher, year, tasks) plans totalling ~n_tasks, as loader inputs (doc, extraction)."""
    rng = random.Random(seed)
    pool = [t for s in gold_seeds() for t in load_gold(s)["tasks"]]
    publishers = _publishers()
    years = max(2, math.ceil(n_tasks / (len(publishers) * TASKS_PER_PLAN)))
    plans, total = [], 0
    for p_no, pub in enumerate(publishers):
        previous: list[dict] = []
        for y in range(years):
            size = rng.randint(TASKS_PER_PLAN - 10, TASKS_PER_PLAN + 10)
            kept = [t for t in previous if rng.random() < CARRY_OVER][:size]
            fresh = [rng.choice(pool) for _ in range(size - len(kept))]
            tasks = [_task(t, i, rng, pool) for i, t in enumerate(kept + fresh, start=1)]
            plans.append(_loader_input(pub, 2024 - years + 1 + y, tasks, p_no))
            previous, total = tasks, total + len(tasks)
    return plans


def _loader_input(pub: dict, year: int, tasks: list[dict], p_no: int) -> tuple[dict, dict]:
    slug = hashlib.sha1(f"{pub['publisher_id']}|{year}".encode()).hexdigest()[:12]
    host = f"https://portal{p_no}.example.gov.cn"
    url = f"{host}/files/{slug}.docx"
    fetched = (BASE_TIME + timedelta(minutes=p_no, seconds=year)).isoformat()
    sha = hashlib.sha256(json.dumps(tasks, ensure_ascii=False).encode()).hexdigest()
    request = CrawlRequest(request_id=f"req-{slug}", portal_id=f"p{p_no}", url=url, final_url=url, kind="attachment",
                           status=200, fetched_at=fetched, content_type="application/msword", content_length=1000,
                           sha256=sha, warc_file="bench.warc.gz", warc_offset=0, warc_length=1, dag_id="bench",
                           run_id="bench", state="fetched").to_dict()
    part = {"role": "attachment:1", "url": url, "format": "docx", "request": request}
    doc = {"document_key": hashlib.sha1(f"p{p_no}|{slug}".encode()).hexdigest()[:16],
           "document_version_id": hashlib.sha256(sha.encode()).hexdigest(), "portal_id": f"p{p_no}",
           "notice_url": f"{host}/zwgk/{slug}.html", "title": f"{pub['issuer']}{year}年政务公开工作要点",
           "parts": [part], "requests": [request],
           "renditions": [{"url": url, "format": "docx", "sha256": sha, "request_id": request["request_id"]}]}
    extraction = {"document": {"title": doc["title"], "jurisdiction": pub["jurisdiction"], "issuer": pub["issuer"],
                               "year": year, "doc_number": None, "issued_on": None, "layout": "table"},
                  "tasks": tasks, "primary_part": part, "parser_name": "bench", "parser_version": "1"}
    return doc, extraction


def _validation(doc: dict) -> list[dict]:
    return [{"validation_id": f"val-{doc['document_version_id'][:16]}", "document_version_id": doc["document_version_id"],
             "suite": "work_plan_tasks", "success": True, "evaluated": 1, "failed": 0, "failures": [],
             "gx_version": "1.24", "validated_at": BASE_TIME.isoformat()}]


def load_all(path: Path, plans: list[tuple[dict, dict]]) -> float:
    """Seconds for the product's loader to load every plan (one transaction per document)."""
    return _timed_load(path, plans)[0]


def _timed_load(path: Path, plans: list[tuple[dict, dict]], batch: int = 0) -> tuple[float, float]:
    """(wall s, CPU s) for the product's loader to load every plan: ``load_document`` (one transaction
    per document) or, with ``batch`` > 0, ``load_documents`` on batches of that many documents."""
    run = RunInfo("bench", "bench")
    with duckdb.connect(str(path)) as con:
        ensure_raw_schema(con)
        start, cpu = time.perf_counter(), time.process_time()
        if batch:
            for i in range(0, len(plans), batch):
                results = load_documents(con, [(d, e, _validation(d)) for d, e in plans[i:i + batch]], run)
                if any(r.status != "loaded" for r in results):
                    raise RuntimeError(f"load_documents failed: {[r.error for r in results if r.error][:3]}")
        else:
            for doc, extraction in plans:
                load_document(con, doc, extraction, _validation(doc), run)
        return time.perf_counter() - start, time.process_time() - cpu


def bulk_insert(path: Path, plans: list[tuple[dict, dict]]) -> float:
    """Seconds for DuckDB's own insert of the same raw rows from DataFrames (one statement per table)."""
    return _timed_bulk(path, plans)[0]


def _timed_bulk(path: Path, plans: list[tuple[dict, dict]]) -> tuple[float, float]:
    """(wall s, CPU s) of DuckDB's own bulk insert of the rows the loader writes for ``plans``: every
    raw table it writes (``extract.load.document_rows``: crawl requests, crawl state, notices,
    documents, renditions, parts, versions, tasks, validation results, plus the audit rows), one
    DataFrame and one ``insert … by name`` per table for the whole batch, in one transaction.
    Building the frames is not timed (the peer is the insert alone)."""
    by_record: dict[type, list[list]] = {}
    for d, e in plans:
        for record, rows in document_rows(d, e, _validation(d), "bulk", BASE_TIME).items():
            by_record.setdefault(record, []).extend(rows)
    by_record[LoadAudit] = [LoadAudit(load_id=f"bulk-{d['document_version_id']}", dag_id="bench", run_id="bench",
                                      task_id="load", document_version_id=d["document_version_id"],
                                      started_at=BASE_TIME, ended_at=BASE_TIME, rows_loaded=len(e["tasks"]),
                                      status="loaded").row() for d, e in plans]
    frames = {record.TABLE: pd.DataFrame(rows, columns=list(record.names())) for record, rows in by_record.items()
              if rows}
    with duckdb.connect(str(path)) as con:
        ensure_raw_schema(con)
        start, cpu = time.perf_counter(), time.process_time()
        con.begin()
        for table, frame in frames.items():
            con.register("frame", frame)
            con.execute(f"insert into {table} by name select * from frame")
            con.unregister("frame")
        con.commit()
        return time.perf_counter() - start, time.process_time() - cpu


def loader_only(n_tasks: int, seed: int, rounds: int, batch: int = 0) -> list[dict]:
    """Step 1 alone, ``rounds`` times alternating bulk and loader (no dbt): wall and CPU seconds of
    ``load_document`` per document, and with ``batch`` > 0 of ``load_documents`` on batches of that size."""
    plans = generate(n_tasks, seed)
    out = []
    with tempfile.TemporaryDirectory(prefix="loader_bench_") as tmp:
        for i in range(rounds):
            bulk_s, bulk_cpu = _timed_bulk(Path(tmp) / f"bulk{i}.duckdb", plans)
            for size in [0, batch] if batch else [0]:
                load_s, load_cpu = _timed_load(Path(tmp) / f"loader{i}_{size}.duckdb", plans, size)
                out.append({"tasks": sum(len(e["tasks"]) for _, e in plans), "documents": len(plans),
                            "batch": size or 1, "api": "load_documents" if size else "load_document",
                            "bulk_s": bulk_s, "bulk_cpu_s": bulk_cpu, "loader_s": load_s, "loader_cpu_s": load_cpu,
                            "loader_ms_per_doc": 1000 * load_s / len(plans), "ratio": load_s / bulk_s,
                            "cpu_ratio": load_cpu / bulk_cpu, "load_average": os.getloadavg()[0]})
    return out


def dbt_build(warehouse: Path, work: Path) -> tuple[float, float, list[tuple[str, float]], float]:
    """(wall seconds, peak RSS GB of the largest dbt process so far, [(node, seconds)] slowest first,
    CPU seconds user + system of the dbt process) of `dbt build`. On a shared machine CPU seconds
    move less with the load than wall seconds.

    Node times come from dbt's own target/run_results.json (execution_time per model, seed and test)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = run_dbt(["build"], warehouse, work)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"dbt build failed:\n{proc.stdout[-5000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    nodes = sorted(((r["unique_id"].split(".", 1)[1], r["execution_time"]) for r in results), key=lambda n: -n[1])
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return seconds, after.ru_maxrss / 1024 / 1024, nodes, cpu


def _loaded_warehouse(n_tasks: int, seed: int, base: list, tmp: Path, work: Path | None) -> tuple[Path, dict]:
    """The loaded raw warehouse for these plans in tmp, and the load figures.

    With --work, the first run keeps a copy of the loaded file (work/raw_<n>_<seed>.duckdb and its
    figures in .json) and later runs copy it instead of loading again (the loader is measured once)."""
    warehouse = tmp / "warehouse.duckdb"
    cache = work / f"raw_{n_tasks}_{seed}.duckdb" if work is not None else None
    if cache is not None and cache.exists():
        shutil.copyfile(cache, warehouse)
        with duckdb.connect(str(warehouse)) as con:  # a copy kept by older code gets the product's migration
            ensure_raw_schema(con)
        return warehouse, json.loads(cache.with_suffix(".json").read_text())
    bulk_s = bulk_insert(tmp / "bulk.duckdb", base)
    load_s = load_all(warehouse, base)
    figures = {"bulk_s": bulk_s, "loader_s": load_s, "loader_ratio": load_s / bulk_s}
    if cache is not None:
        shutil.copyfile(warehouse, cache)
        cache.with_suffix(".json").write_text(json.dumps(figures))
    return warehouse, figures


def bench(n_tasks: int, seed: int, work: Path | None = None) -> dict:
    plans = generate(n_tasks, seed)
    *base, new_plan = sorted(plans, key=lambda p: (p[1]["document"]["year"], p[0]["document_key"]))
    tasks = sum(len(e["tasks"]) for _, e in base)
    with tempfile.TemporaryDirectory(prefix="warehouse_bench_", dir=work) as tmp:
        tmp = Path(tmp)
        load_avg = [round(x, 1) for x in os.getloadavg()]
        warehouse, loaded = _loaded_warehouse(n_tasks, seed, base, tmp, work)
        full_s, rss, full_nodes, full_cpu = dbt_build(warehouse, tmp)
        load_one = load_all(warehouse, [new_plan])
        incr_s, rss2, incr_nodes, incr_cpu = dbt_build(warehouse, tmp)
        load_avg_after = [round(x, 1) for x in os.getloadavg()]
        with duckdb.connect(str(warehouse), read_only=True) as con:
            facts = con.execute("select count(*), (select count(*) from marts.fct_task_matches), "
                                "(select count(*) from marts.fct_plan_yoy) from marts.fct_work_plan_tasks").fetchone()
    return {"tasks": tasks, "documents": len(base), **loaded,
            "full_build_s": full_s, "full_build_cpu_s": full_cpu, "peak_rss_gb": max(rss, rss2),
            "new_plan_tasks": len(new_plan[1]["tasks"]), "new_plan_load_s": load_one,
            "incremental_build_s": incr_s, "incremental_build_cpu_s": incr_cpu, "incremental_ratio": incr_s / full_s,
            "fct_tasks": facts[0], "matches": facts[1], "yoy_rows": facts[2],
            "load_avg_before": load_avg, "load_avg_after": load_avg_after,
            "full_nodes": full_nodes[:12], "incremental_nodes": incr_nodes[:12]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, nargs="+", default=[10000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--work", type=Path,
                        help="keep the loaded raw warehouse per size here and reuse it (default: temp, removed)")
    parser.add_argument("--loader-only", action="store_true", help="time the loader vs bulk insert only (no dbt)")
    parser.add_argument("--rounds", type=int, default=3, help="with --loader-only: repetitions")
    parser.add_argument("--batch", type=int, default=0,
                        help="with --loader-only: also time load_documents on batches of this many documents")
    args = parser.parse_args()
    if args.loader_only:
        rows = [r for n in args.tasks for r in loader_only(n, args.seed, args.rounds, args.batch)]
        print("| tasks | docs | loader (docs a call) | loader s (CPU s) | ms / doc | bulk insert s (CPU s) "
              "| loader / bulk wall (CPU) | load avg |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for r in rows:
            print(f"| {r['tasks']} | {r['documents']} | {r['api']} ({r['batch']}) | "
                  f"{r['loader_s']:.2f} ({r['loader_cpu_s']:.2f}) | "
                  f"{r['loader_ms_per_doc']:.1f} | {r['bulk_s']:.2f} ({r['bulk_cpu_s']:.2f}) | "
                  f"{r['ratio']:.1f}× ({r['cpu_ratio']:.1f}×) | {r['load_average']:.1f} |")
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1))
        return
    import pandas

    if not any(Path(pandas.__file__).parent.glob("__pycache__/*.pyc")):
        # the Dockerfile installs with --compile-bytecode; a venv without .pyc files (and
        # PYTHONDONTWRITEBYTECODE=1) recompiles dbt, pandas, scipy and jieba on every dbt start
        print("warning: site-packages has no bytecode caches; every dbt start compiles its imports "
              "(`python -m compileall -j 2 .venv/lib/python3.11/site-packages` matches the image)", file=sys.stderr)
    results = [bench(n, args.seed, args.work) for n in args.tasks]
    print("| tasks | docs | loader s | bulk insert s | loader / bulk | full dbt build s (CPU s) | peak RSS GB "
          "| +1 plan: load s | incremental build s (CPU s) | incremental / full | matches | YoY rows |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r['tasks']} | {r['documents']} | {r['loader_s']:.2f} | {r['bulk_s']:.2f} | "
              f"{r['loader_ratio']:.1f}× | {r['full_build_s']:.1f} ({r['full_build_cpu_s']:.1f}) | "
              f"{r['peak_rss_gb']:.2f} | {r['new_plan_load_s']:.2f} | {r['incremental_build_s']:.1f} "
              f"({r['incremental_build_cpu_s']:.1f}) | {r['incremental_ratio']:.2f} | {r['matches']} | {r['yoy_rows']} |")
    for r in results:
        print(f"\n{r['tasks']} tasks, load average {r['load_avg_before']} → {r['load_avg_after']}; slowest nodes (s):")
        for label, key in (("full", "full_nodes"), ("incremental", "incremental_nodes")):
            print(f"- {label}: " + ", ".join(f"{n} {t:.1f}" for n, t in r[key]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
