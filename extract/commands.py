"""Operational subcommands: ``run`` (the main job), ``lineage`` (audit trail), ``quarantine`` (what was stopped)."""

from __future__ import annotations

import argparse
import json

from extract.cli import register


def _configure_run(p: argparse.ArgumentParser) -> None:
    p.add_argument("--portal", action="append", help="only these portal ids (default: all in config)")


def _run_run(args: argparse.Namespace) -> int:
    from extract import runner

    return runner.main(portal_ids=args.portal)


def _configure_lineage(p: argparse.ArgumentParser) -> None:
    p.add_argument("task_id", help="task_id of a row in marts.fct_work_plan_tasks")
    p.add_argument("--verify", action="store_true", help="re-read the WARC records and re-hash their bytes")
    p.add_argument("--db", help="DuckDB file (default: the published copy, else the working file)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def _run_lineage(args: argparse.Namespace) -> int:
    from extract.cli import CliError
    from extract.lineage import LineageError, format_trace, to_json, trace

    try:
        t = trace(args.task_id, verify=args.verify, db=args.db)
    except LineageError as exc:
        raise CliError(str(exc)) from exc
    print(to_json(t) if args.json else format_trace(t))
    return 0 if t.get("verified", True) else 3


def _configure_quarantine(p: argparse.ArgumentParser) -> None:
    p.add_argument("--all", action="store_true", help="include resolved entries")
    p.add_argument("--db", help="DuckDB file (default: the published copy, else the working file)")


def _run_quarantine(args: argparse.Namespace) -> int:
    from extract import warehouse
    from extract.lineage import _lineage_db

    with warehouse.connect(_lineage_db(args.db), read_only=True) as con:
        rows = con.execute(
            "select document_version_id, stage, source_url, reasons, warc_file, warc_offset, attempts, "
            "quarantined_at, resolved_at from raw.quarantine "
            + ("" if args.all else "where resolved_at is null ") + "order by quarantined_at").fetchall()
    for r in rows:
        reasons = json.loads(r[3]) if isinstance(r[3], str) else r[3]
        print(f"{r[0][:16]}  {r[1]:<8} {r[2]}\n    attempts {r[6]}, at {r[7]}"
              f"{', resolved ' + str(r[8]) if r[8] else ''}\n    bytes: {r[4]} @ {r[5]}")
        for reason in reasons.get("reasons", []):
            print(f"    - {reason}")
    print(f"{len(rows)} quarantined document(s)")
    return 0


register("run", "run the whole pipeline: sample portals, Airflow DAGs, dbt, publish, summary", _configure_run, _run_run)
register("lineage", "trace a task row to its archived bytes, URL, run, parser and checks", _configure_lineage,
         _run_lineage)
register("quarantine", "list documents stopped before the clean tables, with reasons", _configure_quarantine,
         _run_quarantine)
