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

from dbt_runner import DBT_PROJECT_DIR, REPO_ROOT, run_dbt
from extract.dbt_cli import exit_status
from raw_fixture import build_raw_warehouse


@pytest.mark.parametrize(("code", "status"), [(None, 0), (0, 0), (1, 1), (2, 2), (256 + 3, 3), ("bad args", 1)])
def test_exit_status_maps_systemexit_as_the_interpreter_does(code, status):
    assert exit_status(code) == status


def test_threads_and_exit_handlers_run_before_the_fast_exit(tmp_path: Path):
    """A stand-in for dbt (the module dbt.cli.main with a click-like ``cli``) leaves a non-daemon
    thread still working and registers an exit handler, then exits 3: the thread finishes, the
    handler runs after it, buffered stdout arrives, and the status is dbt's."""
    fake = tmp_path / "fake"
    (fake / "dbt" / "cli").mkdir(parents=True)
    for package in (fake / "dbt", fake / "dbt" / "cli"):
        (package / "__init__.py").write_text("")
    (fake / "dbt" / "cli" / "main.py").write_text(textwrap.dedent(f"""
        import atexit, sys, threading, time
        from pathlib import Path
        out = Path({str(tmp_path)!r})

        def late_thread():
            time.sleep(0.3)
            (out / "thread").write_text("done")

        def handler():
            (out / "handler").write_text("after thread" if (out / "thread").exists() else "before thread")

        class cli:
            @staticmethod
            def main(args, prog_name):
                threading.Thread(target=late_thread).start()
                atexit.register(handler)
                sys.stdout.write("buffered " + " ".join(args))  # no newline, no flush
                raise SystemExit(3)
    """))
    proc = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                           "from extract.dbt_cli import main; main(['build', '--x'])", str(fake)],
                          check=False, capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout == "buffered build --x"
    assert (tmp_path / "thread").read_text() == "done"
    assert (tmp_path / "handler").read_text() == "after thread"


def test_a_dbt_command_checkpoints_the_warehouse_and_reports_like_dbt(tmp_path: Path):
    """A real dbt command that writes (one seed): dbt's output to the end, exit 0, and the warehouse's
    WAL checkpointed into the file by dbt-duckdb's exit handler (no .wal left: readers open a clean
    file). A command dbt cannot run exits with dbt's own status (2)."""
    warehouse = tmp_path / "warehouse.duckdb"
    build_raw_warehouse(warehouse, ())
    proc = run_dbt(["seed", "--select", "task_term_stoplist"], warehouse, tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    # the last line dbt prints (the seed and the project's hooks passed)
    assert re.search(r"Done\. PASS=(\d+) WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=\1$", proc.stdout.rstrip().splitlines()[-1])
    assert not warehouse.with_name(warehouse.name + ".wal").exists()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) > 0 from seeds.task_term_stoplist").fetchone() == (True,)

    failed = run_dbt(["run-operation", "no_such_macro"], warehouse, tmp_path)
    plain = subprocess.run([str(Path(sys.executable).with_name("dbt")), "run-operation", "no_such_macro",
                            "--project-dir", str(DBT_PROJECT_DIR), "--target-path", str(tmp_path / "target"),
                            "--log-path", str(tmp_path / "logs")],
                           env={**os.environ, "WP_WAREHOUSE": str(warehouse), "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
                                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
                           cwd=DBT_PROJECT_DIR, check=False, capture_output=True, text=True, timeout=300)
    assert failed.returncode == plain.returncode == 2, (failed.stdout[-2000:], plain.stdout[-2000:])
    assert "no_such_macro" in failed.stdout
