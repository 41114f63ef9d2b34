"""Command line: ``python -m extract <command> …``.

The subcommands live in ``extract.commands`` as the plain mapping ``COMMANDS``
(name → Command(help_text, configure, run)); ``main(argv)`` builds the parser from
it. Commands return an exit code; a ``CliError`` (bad or unreadable input) prints
one line on stderr and exits with code 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from extract.commands import COMMANDS, CliError

__all__ = ["COMMANDS", "CliError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser with one subparser per command of ``COMMANDS``."""
    parser = argparse.ArgumentParser(prog="python -m extract", description="Shanghai 政务公开工作要点 pipeline tools")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, command in COMMANDS.items():
        command.configure(sub.add_parser(name, help=command.help_text, description=command.help_text))
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point: run the chosen subcommand; one-line error and exit code 2 on bad input."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
