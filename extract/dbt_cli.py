"""``python -P -m extract.dbt_cli ARGS…``: dbt's own command line (``dbt ARGS…``), left without the
interpreter's teardown. Every dbt command of the product runs through it
(``extract.transform.DBT_COMMAND``: the warehouse build, the tests' and the benchmarks' runner).

When dbt's command returns, this does what the interpreter's exit does first, in its order: it joins
the non-daemon threads (``threading._shutdown``), then runs the exit handlers (``atexit``:
dbt-duckdb's drops its environment, which closes the warehouse and checkpoints its WAL into the
file; logging flushes and closes dbt.log; multiprocessing reaps its children), flushes stdout and
stderr, and only then leaves with ``os._exit``. What it skips is the rest of finalization: clearing
the modules of dbt, agate, pandas, scipy and jieba and freeing the parsed manifest, 0.5–0.6 s of
every dbt command on the 2-core machine (``import dbt.cli.main, pandas, scipy.sparse, jieba``
alone: 2.16 s with the teardown, 1.64 s without; docs/BENCHMARKS.md §4, "dbt's exit without the
interpreter's teardown"). No library offers this: ``os._exit`` is the standard library's one way
to end a process without finalization, so the steps before it are done here. Not done: flushing
a file that a Python model left open in a global (the teardown would; no model does).

An exception other than SystemExit escaping dbt is not caught: the interpreter reports it and
exits as usual.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


def exit_status(code: object) -> int:
    """The process exit status of ``SystemExit(code)``, as the interpreter maps it: None → 0, an
    int → itself (0–255 as the OS keeps it), anything else → printed to stderr, 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def main() -> NoReturn:
    """Run ``dbt`` with ``sys.argv[1:]`` (dbt reads ``sys.argv`` itself too, so no other argument
    list is taken) and end the process with dbt's exit status: 0 success, 1 a node failed, 2 dbt
    could not run (dbt's own codes); 120 when stdout or stderr cannot be flushed at the end (a full
    disk, a closed pipe), as the interpreter's own exit gives."""
    from dbt.cli.main import cli

    try:
        cli.main(args=sys.argv[1:], prog_name="dbt")  # click: always SystemExit
        status = 0
    except SystemExit as stop:
        status = exit_status(stop.code)
    # The interpreter's own first steps of an exit (Py_FinalizeEx): wait for non-daemon threads
    # (this also runs threading's exit callbacks, e.g. concurrent.futures stopping its workers),
    # then the atexit handlers. No public API runs either on demand. A Ctrl-C while waiting is
    # ignored there, as the interpreter ignores it at that point.
    try:
        threading._shutdown()  # type: ignore[attr-defined]  # noqa: SLF001 - no public API (see above)
    except KeyboardInterrupt:
        pass
    atexit._run_exitfuncs()  # noqa: SLF001 - no public API (see above)
    for stream in (sys.stdout, sys.stderr):
        if stream is None or stream.closed:  # no descriptor at start, or closed: nothing to deliver
            continue
        try:
            stream.flush()
        except OSError:  # output lost: fail as the interpreter does (exit status 120)
            status = 120
    os._exit(status)


if __name__ == "__main__":
    main()
