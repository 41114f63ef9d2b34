"""Command line: ``python -m extract <command> …``.

Each subcommand registers itself in ``COMMANDS`` (name → (configure, run));
``main(argv)`` builds the parser from that registry, so adding a command is
one ``register`` call. Commands return an exit code; a ``CliError`` (bad or
unreadable input) prints one line on stderr and exits with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Optional, Sequence

Configure = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], int]

COMMANDS: dict[str, tuple[str, Configure, Run]] = {}


class CliError(Exception):
    """User-facing failure: printed as one line, exit code 2."""


def register(name: str, help_text: str, configure: Configure, run: Run) -> None:
    """Add a subcommand: ``configure`` adds its arguments, ``run`` executes it and returns the exit code."""
    COMMANDS[name] = (help_text, configure, run)


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


register("parse", "read one work plan (body + attachments) and print its tasks as JSON", _configure_parse, _run_parse)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser with one subparser per registered command."""
    parser = argparse.ArgumentParser(prog="python -m extract", description="Shanghai 政务公开工作要点 pipeline tools")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (help_text, configure, _run) in COMMANDS.items():
        configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point: run the chosen subcommand; one-line error and exit code 2 on bad input."""
    import extract.commands  # noqa: F401 - registers run, lineage, quarantine

    args = build_parser().parse_args(argv)
    _help, _configure, run = COMMANDS[args.command]
    try:
        return run(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
