"""extract/dbt_cli.py: dbt's command line with a fast exit keeps what the interpreter's exit does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from dbt_runner import REPO_ROOT, run_dbt
from extract.dbt_cli import exit_status
from raw_fixture import build_raw_warehouse

# Python's own buffering: the stdout tests must see a pipe's block buffer, which this would turn off.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


@pytest.mark.parametrize(("code", "status"), [(None, 0), (0, 0), (1, 1), (2, 2), (256 + 3, 3), ("bad args", 1)])
def test_exit_status_maps_systemexit_as_the_interpreter_does(code, status):
    assert exit_status(code) == status


def run_stand_in(tmp_path: Path, body: str, **popen) -> subprocess.CompletedProcess:
    """extract.dbt_cli.main() with the module dbt.cli.main replaced by a stand-in whose click-like
    ``cli.main(args, prog_name)`` runs ``body`` (``out``: tmp_path), argv ``dbt build --x``."""
    fake = tmp_path / "fake"
    (fake / "dbt" / "cli").mkdir(parents=True)
    for package in (fake / "dbt", fake / "dbt" / "cli"):
        (package / "__init__.py").write_text("")
    (fake / "dbt" / "cli" / "main.py").write_text(textwrap.dedent("""
        import atexit, sys, threading, time
        from pathlib import Path
        out = Path({out!r})

        class cli:
            @staticmethod
            def main(args, prog_name):
        {body}
    """).format(out=str(tmp_path), body=textwrap.indent(textwrap.dedent(body), " " * 8)))
    script = ("import sys; sys.path.insert(0, sys.argv[1]); sys.argv = ['dbt', 'build', '--x']; "
              "from extract.dbt_cli import main; main()")
    return subprocess.run([sys.executable, "-c", script, str(fake)], env=ENV, check=False, timeout=60,
                          cwd=REPO_ROOT, **popen)


def test_threads_and_exit_handlers_run_before_the_fast_exit(tmp_path: Path):
    """dbt leaves a non-daemon thread still working and registers an exit handler, then exits 3: the
    thread finishes, the handler runs after it, buffered stdout arrives, and the status is dbt's."""
    proc = run_stand_in(tmp_path, """
        def late_thread():
            time.sleep(0.3)
            (out / "thread").write_text("done")

        def handler():
            (out / "handler").write_text("after thread" if (out / "thread").exists() else "before thread")

        threading.Thread(target=late_thread).start()
        atexit.register(handler)
        sys.stdout.write("buffered " + " ".join(args))  # no newline, no flush
        raise SystemExit(3)
    """, capture_output=True, text=True)
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout == "buffered build --x"
    assert (tmp_path / "thread").read_text() == "done"
    assert (tmp_path / "handler").read_text() == "after thread"


def test_output_that_cannot_be_delivered_fails_like_the_interpreter(tmp_path: Path):
    """stdout on a full device: the flush fails, status 120 (CPython's own exit status then), not a
    silent 0; started with stdout closed (sys.stdout is None) or closed by dbt: dbt's status, no crash."""
    body = """
        if sys.stdout is not None:
            sys.stdout.write("lost")
        raise SystemExit(0)
    """
    with open("/dev/full", "w") as full:  # Linux: every write fails with ENOSPC
        assert run_stand_in(tmp_path / "full", body, stdout=full, stderr=subprocess.DEVNULL).returncode == 120
    closed = run_stand_in(tmp_path / "closed", body, stderr=subprocess.PIPE, text=True,
                          preexec_fn=lambda: os.close(1))  # the child starts without stdout
    assert (closed.returncode, closed.stderr) == (0, "")
    # a stream dbt closed itself: skipped, as the interpreter's exit skips it
    closed_by_dbt = run_stand_in(tmp_path / "closed_by_dbt", "sys.stdout.close()\nraise SystemExit(0)",
                                 capture_output=True, text=True)
    assert (closed_by_dbt.returncode, closed_by_dbt.stderr) == (0, "")


def plain_dbt(args: list[str], warehouse: Path, work: Path) -> subprocess.CompletedProcess:
    """run_dbt with ``.venv/bin/dbt``, the console script."""
    return run_dbt(args, warehouse, work, dbt=[str(Path(sys.executable).with_name("dbt"))])


def test_a_dbt_command_checkpoints_the_warehouse_and_exits_like_dbt(tmp_path: Path):
    """A real dbt command that writes (one seed): dbt's output to the end, exit 0, and the warehouse's
    WAL checkpointed into the file by dbt-duckdb's exit handler (no .wal left: readers open a clean
    file). A failing data test exits 1 and a command dbt cannot run exits 2, both as the console script."""
    warehouse = tmp_path / "warehouse.duckdb"
    build_raw_warehouse(warehouse, ())
    proc = run_dbt(["seed", "--select", "task_term_stoplist"], warehouse, tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    # the last line dbt prints (the seed and the project's hooks passed)
    assert re.search(r"Done\. PASS=(\d+) WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=\1$", proc.stdout.rstrip().splitlines()[-1])
    assert not warehouse.with_name(warehouse.name + ".wal").exists()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) > 0 from seeds.task_term_stoplist").fetchone() == (True,)

    cannot_run = ["run-operation", "no_such_macro"]
    failed, plain = run_dbt(cannot_run, warehouse, tmp_path), plain_dbt(cannot_run, warehouse, tmp_path)
    assert failed.returncode == plain.returncode == 2, (failed.stdout[-2000:], plain.stdout[-2000:])
    assert "no_such_macro" in failed.stdout

    with duckdb.connect(str(warehouse)) as con:  # a crawl state outside the accepted values
        con.execute("update raw.crawl_requests set state = 'bogus' "
                    "where request_id = (select min(request_id) from raw.crawl_requests)")
    test_fails = ["build", "--select", "stg_work_plans__crawl_requests"]
    failed, plain = run_dbt(test_fails, warehouse, tmp_path), plain_dbt(test_fails, warehouse, tmp_path)
    assert failed.returncode == plain.returncode == 1, (failed.stdout[-2000:], plain.stdout[-2000:])
    assert re.search(r"Done\. PASS=\d+ WARN=0 ERROR=1 ", failed.stdout)
    assert not warehouse.with_name(warehouse.name + ".wal").exists()
