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
2. full `dbt build` as the product runs it (seeds, models, data tests; extract.transform.BUILD_FLAGS) on the loaded warehouse, wall time, CPU time
   and the peak RSS of the dbt process, and dbt's own time per node (run_results.json);
3. one new plan (next year of one publisher) loaded, then `dbt build` again (incremental), as the
   product's routine build runs it (``run_dbt``: unchanged seeds, views and seed-only models skipped, data
   tests on the rebuilt rows);
4. with ``--refresh``: ``dbt build --full-refresh`` of the same warehouse, as an operator's full refresh runs
   it (dbt's saved parse reused; step 2 is a first build that parses the whole project).
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

from dbt_runner import run_dbt as _run_dbt  # noqa: E402
from extract import records as rec  # noqa: E402
from extract.crawl.crawler import RunInfo  # noqa: E402
from extract.load import document_rows, load_document, load_documents  # noqa: E402
from extract.transform import BUILD_FLAGS, keep_state, project_file_bytes, routine_args  # noqa: E402
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
    request = rec.CrawlRequest(request_id=f"req-{slug}", portal_id=f"p{p_no}", url=url, final_url=url, kind="attachment",
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


def raw_records(plans: list[tuple[dict, dict]], now: datetime = BASE_TIME + timedelta(days=1)
                ) -> dict[type[rec.Record], list[list]]:
    """Every raw row the product's loader writes for ``plans`` (first loads), per record class, as
    value lists in the record's column order.

    The rows come from the loader's own builder (``extract.load.document_rows``), plus one
    load_audit row per document (status ``loaded``, its rows), so that a bulk-inserted warehouse
    has the same tables, keys and lineage as a loaded one. Differences by design: ``load_id`` is
    derived from the version id instead of a uuid4, every timestamp the loader takes from the
    clock is ``now``. ``tests/load/test_bulk_records.py`` compares the two row for row."""
    out: dict[type[rec.Record], list[list]] = {cls: [] for cls in BULK_TABLES}
    for doc, extraction in plans:
        vid = doc["document_version_id"]
        load_id = "bulk-" + vid[:27]
        out[rec.LoadAudit].append(rec.LoadAudit(load_id=load_id, dag_id="bench", run_id="bench", task_id="load",
                                                document_version_id=vid, started_at=now, ended_at=now,
                                                status="loaded", rows_loaded=len(extraction["tasks"])).row())
        for cls, rows in document_rows(doc, extraction, _validation(doc), load_id, now).items():
            out[cls].extend(rows)
    return out


BULK_TABLES = (rec.LoadAudit, rec.CrawlRequest, rec.CrawlState, rec.Notice, rec.Document, rec.Rendition,
               rec.VersionPart, rec.DocumentVersion, rec.TaskRow, rec.ValidationResult)


def insert_records(con: duckdb.DuckDBPyConnection, rows: dict[type[rec.Record], list[list]]) -> None:
    """DuckDB's own bulk insert: one ``insert … select`` per table from a DataFrame of its columns,
    each cast to the record's column type (one transaction for all tables)."""
    con.begin()
    for cls, records in rows.items():
        if not records:
            continue
        cols = cls.columns()
        frame = pd.DataFrame(records, columns=[c.name for c in cols])
        con.register("_bulk_batch", frame)
        con.execute(f"insert into {cls.TABLE} ({', '.join(c.name for c in cols)}) select "
                    + ", ".join(f"{c.name}::{c.type}" for c in cols) + " from _bulk_batch")
        con.unregister("_bulk_batch")
    con.commit()


def bulk_insert(path: Path, plans: list[tuple[dict, dict]]) -> float:
    """Seconds for DuckDB's own insert of the same raw rows as the loader (``raw_records``)."""
    return _timed_bulk(path, plans)[0]


def _timed_bulk(path: Path, plans: list[tuple[dict, dict]]) -> tuple[float, float]:
    """(wall s, CPU s) of ``bulk_insert``: the rows (records, built before the clock starts, as the
    loader's callers hand it extracted documents) into DataFrames and DuckDB, every table the loader writes."""
    records = raw_records(plans)
    with duckdb.connect(str(path)) as con:
        ensure_raw_schema(con)
        start, cpu = time.perf_counter(), time.process_time()
        insert_records(con, records)
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


# --stages: the full build as consecutive `dbt build` commands on the same warehouse, each within the
# 600 s bound of one command (a loaded 2-core machine needs more than that for 1M tasks in one go):
# the three Python models one by one with their upstream (tests only when all their parents are built:
# `cautious`), then every other node and every remaining test. Each stage pays dbt's start and parse
# again and stages 2 and 4 rebuild the small upstream (seeds, staging views), so the sums overstate
# one build by that much.
PYTHON_MODELS = ["int_task_terms", "int_task_pairs_scored", "int_task_pairs_matched"]
STAGES = [["--select", "+int_task_terms", "--indirect-selection", "cautious"],
          ["--select", "+int_plan_pairs_enumerated", "int_task_pairs_scored", "--indirect-selection", "cautious"],
          ["--select", "int_task_pairs_matched", "--indirect-selection", "cautious"],
          ["--exclude", *PYTHON_MODELS]]


def run_dbt(args: list[str], warehouse: Path, work: Path):
    """tests/dbt's run_dbt (target and logs in ``work``). A ``dbt build`` without a selection of its
    own runs as the product's routine build (extract.transform.dbt_build): routine_args with the state
    in ``work/state``, kept after the build passes."""
    if args[:1] != ["build"] or {"--select", "-s", "--selector", "--exclude", "--full-refresh"} & set(args):
        return _run_dbt(args, warehouse, work)
    project = project_file_bytes()
    proc = _run_dbt([*args, *routine_args(warehouse, work / "state", project)], warehouse, work)
    if proc.returncode == 0:
        keep_state(work / "target", work / "state", project)
    return proc


def dbt_build(warehouse: Path, work: Path, stages: list[list[str]] | None = None
              ) -> tuple[float, float, list[tuple[str, float]], float]:
    """(wall seconds, peak RSS GB of the largest dbt process so far, [(node, seconds)] slowest first,
    CPU seconds user + system of the dbt process) of `dbt build`, or of one `dbt build` per stage
    (selection arguments) summed. On a shared machine CPU seconds move less with the load than wall seconds.

    Node times come from dbt's own target/run_results.json (execution_time per model, seed and test)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    nodes = []
    for selection in stages or [[]]:
        proc = run_dbt(["build", *BUILD_FLAGS, *selection], warehouse, work)
        if proc.returncode != 0:
            raise RuntimeError(f"dbt build {' '.join(selection)} failed:\n{proc.stdout[-5000:]}")
        results = json.loads((work / "target" / "run_results.json").read_text())["results"]
        nodes += [(r["unique_id"].split(".", 1)[1], r["execution_time"]) for r in results]
        print(f"dbt build {' '.join(selection)}: {len(results)} nodes, {time.perf_counter() - start:.1f} s so far",
              file=sys.stderr, flush=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return seconds, after.ru_maxrss / 1024 / 1024, sorted(nodes, key=lambda n: -n[1]), cpu


BULK_BASE_ABOVE = 100_000  # larger base warehouses are bulk-inserted: the loader would take ~1 h at 1M
LOADER_BATCH = 10_000  # tasks of the batch the loader is timed on against bulk insert, for bulk-built sizes
BULK_PLANS_PER_CHUNK = 2_000  # plans per bulk transaction: bounds the records held in memory at once


def _loaded_warehouse(n_tasks: int, seed: int, base: list, tmp: Path, work: Path | None) -> tuple[Path, dict]:
    """The loaded raw warehouse for these plans in tmp, and the load figures.

    Up to BULK_BASE_ABOVE tasks the product's loader loads it (and is timed against bulk insert on the
    same plans); above, DuckDB's bulk insert writes the same rows (``raw_records``, checked against the
    loader by tests/load/test_bulk_records.py) and the loader is timed against bulk on a LOADER_BATCH batch.
    With --work, the first run keeps a copy of the loaded file (work/raw_<n>_<seed>.duckdb and its
    figures in .json, both moved into place whole) and later runs copy it instead of loading again."""
    warehouse = tmp / "warehouse.duckdb"
    cache = work / f"raw_{n_tasks}_{seed}.duckdb" if work is not None else None
    if cache is not None and cache.exists():
        shutil.copyfile(cache, warehouse)
        with duckdb.connect(str(warehouse)) as con:  # a copy kept by older code gets the product's migration
            ensure_raw_schema(con)
        return warehouse, json.loads(cache.with_suffix(".json").read_text())
    if n_tasks > BULK_BASE_ABOVE:
        start = time.perf_counter()
        with duckdb.connect(str(warehouse)) as con:
            ensure_raw_schema(con)
            for i in range(0, len(base), BULK_PLANS_PER_CHUNK):
                insert_records(con, raw_records(base[i:i + BULK_PLANS_PER_CHUNK]))
        figures = {"base": "bulk insert", "base_bulk_s": time.perf_counter() - start}
        batch = loader_only(LOADER_BATCH, seed, 1)[0]
        figures |= {"bulk_s": batch["bulk_s"], "loader_s": batch["loader_s"], "loader_ratio": batch["ratio"],
                    "loader_batch_tasks": batch["tasks"]}
    else:
        bulk_s = bulk_insert(tmp / "bulk.duckdb", base)
        load_s = load_all(warehouse, base)
        figures = {"base": "loader", "bulk_s": bulk_s, "loader_s": load_s, "loader_ratio": load_s / bulk_s}
    if cache is not None:
        partial = cache.with_name(cache.name + ".partial")
        shutil.copyfile(warehouse, partial)
        cache.with_suffix(".json").write_text(json.dumps(figures))
        os.replace(partial, cache)  # other engineers copy this file: never a half-written one
    return warehouse, figures


def bench(n_tasks: int, seed: int, work: Path | None = None, *, incremental: bool = True,
          raw_only: bool = False, staged: bool = False, refresh: bool = False) -> dict:
    """Figures of one size (keys as printed by ``main``). ``raw_only``: build (or reuse) the base raw
    warehouse and stop; ``incremental=False``: the full build only (no new plan, no second build);
    ``staged``: the full build as the STAGES commands; ``refresh``: last, time a ``dbt build
    --full-refresh`` of the same warehouse, as an operator's full refresh runs (dbt's saved parse of
    the earlier builds reused: the first full build parses the whole project, ~6 s at any size)."""
    plans = generate(n_tasks, seed)
    *base, new_plan = sorted(plans, key=lambda p: (p[1]["document"]["year"], p[0]["document_key"]))
    tasks = sum(len(e["tasks"]) for _, e in base)
    out: dict = {"tasks": tasks, "documents": len(base)}
    with tempfile.TemporaryDirectory(prefix="warehouse_bench_", dir=work) as tmp:
        tmp = Path(tmp)
        out["load_avg_before"] = [round(x, 1) for x in os.getloadavg()]
        warehouse, loaded = _loaded_warehouse(n_tasks, seed, base, tmp, work)
        out |= loaded
        if raw_only:
            return out
        full_s, rss, full_nodes, full_cpu = dbt_build(warehouse, tmp, STAGES if staged else None)
        out |= {"full_build_s": full_s, "full_build_cpu_s": full_cpu, "peak_rss_gb": rss,
                "full_nodes": full_nodes[:12], "nodes": len(full_nodes), "staged": staged,
                "all_full_nodes": full_nodes}
        if incremental:
            out["new_plan_tasks"] = len(new_plan[1]["tasks"])
            out["new_plan_load_s"] = load_all(warehouse, [new_plan])
            incr_s, rss2, incr_nodes, incr_cpu = dbt_build(warehouse, tmp)
            out |= {"incremental_build_s": incr_s, "incremental_build_cpu_s": incr_cpu,
                    "incremental_ratio": incr_s / full_s, "peak_rss_gb": max(rss, rss2),
                    "incremental_nodes": incr_nodes[:12]}
        if refresh:
            refresh_s, rss3, refresh_nodes, refresh_cpu = dbt_build(warehouse, tmp, [["--full-refresh"]])
            out |= {"full_refresh_s": refresh_s, "full_refresh_cpu_s": refresh_cpu,
                    "peak_rss_gb": max(out["peak_rss_gb"], rss3), "refresh_nodes": refresh_nodes[:12]}
        out["load_avg_after"] = [round(x, 1) for x in os.getloadavg()]
        with duckdb.connect(str(warehouse), read_only=True) as con:
            facts = con.execute("select count(*), (select count(*) from marts.fct_task_matches), "
                                "(select count(*) from marts.fct_plan_yoy) from marts.fct_work_plan_tasks").fetchone()
        out |= {"fct_tasks": facts[0], "matches": facts[1], "yoy_rows": facts[2]}
        (work or tmp).joinpath(f"run_results_{n_tasks}.json").write_bytes(
            (tmp / "target" / "run_results.json").read_bytes())  # the last build's per-node times
    return out


def _figure(r: dict, key: str, fmt: str = ".1f", cpu: str | None = None) -> str:
    """One table cell: the figure (and its CPU seconds), or – when that step did not run."""
    if key not in r:
        return "–"
    return f"{r[key]:{fmt}}" + (f" ({r[cpu]:.1f})" if cpu else "")


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
    parser.add_argument("--raw-only", action="store_true",
                        help="build (or reuse, with --work) the base raw warehouse of each size, no dbt")
    parser.add_argument("--full-only", action="store_true", help="the full build only (no incremental build)")
    parser.add_argument("--stages", action="store_true",
                        help="the full build as consecutive dbt commands (STAGES), each within dbt's 600 s bound")
    parser.add_argument("--refresh", action="store_true",
                        help="last, time `dbt build --full-refresh` of the built warehouse (dbt's parse cache warm)")
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
    results = [bench(n, args.seed, args.work, incremental=not args.full_only, raw_only=args.raw_only,
                     staged=args.stages, refresh=args.refresh)
               for n in args.tasks]
    print("| tasks | docs | base by | loader s | bulk insert s | loader / bulk | full dbt build s (CPU s) | peak RSS GB "
          "| +1 plan: load s | incremental build s (CPU s) | incremental / full | full refresh s (CPU s) | matches "
          "| YoY rows |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        batch = f" ({r['loader_batch_tasks']} tasks)" if "loader_batch_tasks" in r else ""
        print(f"| {r['tasks']} | {r['documents']} | {r.get('base', 'loader')} | {r['loader_s']:.2f}{batch} | "
              f"{r['bulk_s']:.2f} | {r['loader_ratio']:.1f}× | {_figure(r, 'full_build_s', cpu='full_build_cpu_s')} | "
              f"{_figure(r, 'peak_rss_gb', '.2f')} | {_figure(r, 'new_plan_load_s', '.2f')} | "
              f"{_figure(r, 'incremental_build_s', cpu='incremental_build_cpu_s')} | "
              f"{_figure(r, 'incremental_ratio', '.2f')} | {_figure(r, 'full_refresh_s', cpu='full_refresh_cpu_s')} | "
              f"{r.get('matches', '–')} | {r.get('yoy_rows', '–')} |")
    for r in results:
        print(f"\n{r['tasks']} tasks, load average {r['load_avg_before']} → {r.get('load_avg_after')}; "
              "slowest nodes (s):")
        for label, key in (("full", "full_nodes"), ("incremental", "incremental_nodes"), ("full refresh", "refresh_nodes")):
            if key in r:
                print(f"- {label}: " + ", ".join(f"{n} {t:.1f}" for n, t in r[key]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
