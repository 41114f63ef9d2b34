"""The linters are part of the test command: ruff (repo), mypy (extract/), sqlfluff (dbt_project/).

Each test runs ``scripts/lint.sh <tool>`` from the venv and fails with the tool's own report. Each
also checks that the tool read what it should (a linter that silently read nothing is not green).
Rules and their reasons: pyproject.toml ([tool.ruff], [tool.mypy]) and dbt_project/.sqlfluff.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINT = REPO / "scripts" / "lint.sh"


def _lint(tool: str, **env: str) -> str:
    proc = subprocess.run([str(LINT), tool], cwd=REPO, env={**os.environ, **env}, check=False,
                          capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{tool} reported problems (fix them, or see scripts/lint.sh):\n{out[-20000:]}"
    assert f"[lint] {tool}: clean" in proc.stdout, out[-5000:]
    return proc.stdout


def test_ruff_is_clean() -> None:
    assert "All checks passed!" in _lint("ruff")


def test_mypy_is_clean_on_extract() -> None:
    out = _lint("mypy")
    m = re.search(r"Success: no issues found in (\d+) source files", out)
    assert m, out[-3000:]
    assert int(m.group(1)) == len(list((REPO / "extract").rglob("*.py")))


def test_sqlfluff_is_clean_on_dbt_project() -> None:
    target = REPO / "dbt_project" / "target"
    had_target = target.exists()
    out = _lint("sqlfluff", SQLFLUFF_ARGS="-v")
    assert had_target or not target.exists(), "the dbt templater wrote dbt_project/target (lint.sh must redirect it)"
    passed = set(re.findall(r"== \[(\S+\.sql)\] PASS", out))
    # every model and singular test is compiled by the dbt templater and linted (sqlfluff lists the
    # macros as passed too, though the dbt templater skips them)
    expected = {str(p.relative_to(REPO / "dbt_project")) for sub in ("models", "tests")
                for p in (REPO / "dbt_project" / sub).rglob("*.sql")}
    assert expected and expected <= passed, f"not linted: {sorted(expected - passed)}"
