"""Every ``python -m extract`` subcommand, as a plain registry ``COMMANDS`` (name → Command).

``extract.cli`` reads this mapping to build its parser; this module imports nothing from
``extract.cli`` (no import cycle). Adding a command is one ``Command`` entry in ``COMMANDS``.
Each ``run`` returns the exit code; ``CliError`` (bad or unreadable input) is printed by the
CLI as one line on stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, NamedTuple

Configure = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], int]


class CliError(Exception):
    """User-facing failure: printed as one line, exit code 2."""


class Command(NamedTuple):
    """One subcommand: its help line, ``configure`` (adds its arguments) and ``run`` (returns the exit code)."""

    help_text: str
    configure: Configure
    run: Run


def _read_file(path: str) -> bytes:
    """Bytes of one input file; CliError when it cannot be read."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: cannot read file ({exc.strerror or exc})") from exc


def _configure_parse(p: argparse.ArgumentParser) -> None:
    """Arguments of ``parse``."""
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="parts of one document: the notice body first, then its attachments")
    p.add_argument("--explain", action="store_true",
                   help="print how the tasks were read (tables seen, column roles and why, skipped rows, "
                        "prose clauses) instead of JSON")


def _run_parse(args: argparse.Namespace) -> int:
    """Parse the files as one document and print document fields, tasks and warnings as JSON."""
    from extract.parse import ParseError, parse_bytes
    from extract.parse.limits import require_tasks
    from extract.tasks import extract_tasks

    docs = []
    for path in args.files:
        data = _read_file(path)
        try:
            docs.append(parse_bytes(data))
        except ParseError as exc:
            raise CliError(f"{path}: {exc}") from exc
    result = extract_tasks(docs)
    if args.explain:
        doc = result.document
        print(f"document: {doc.get('title')!r} issuer={doc.get('issuer')} jurisdiction={doc.get('jurisdiction')} "
              f"year={doc.get('year')} 文号={doc.get('doc_number')} layout={doc.get('layout')}")
        print("\n".join(result.explain))
        print(f"tasks: {len(result.tasks)}")
        for w in result.warnings:
            print(f"warning: {w}")
        return 0 if result.tasks else 2
    try:
        require_tasks(result, source=", ".join(args.files))
    except ParseError as exc:
        raise CliError(str(exc)) from exc
    json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


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
    from extract.lineage import read_db

    with warehouse.connect(read_db(args.db), read_only=True) as con:
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


COMMANDS: dict[str, Command] = {
    "parse": Command("read one work plan (body + attachments) and print its tasks as JSON", _configure_parse,
                     _run_parse),
    "run": Command("run the whole pipeline: sample portals, Airflow DAGs, dbt, publish, summary", _configure_run,
                   _run_run),
    "lineage": Command("trace a task row to its archived bytes, URL, run, parser and checks", _configure_lineage,
                       _run_lineage),
    "quarantine": Command("list documents stopped before the clean tables, with reasons", _configure_quarantine,
                          _run_quarantine),
}
