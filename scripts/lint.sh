#!/usr/bin/env bash
# The linters the test command enforces (tests/test_lint.py):
#   ruff check        the whole repo            (rules: pyproject.toml [tool.ruff])
#   mypy              extract/                  (pyproject.toml [tool.mypy])
#   sqlfluff lint     dbt_project/, dbt templater (dbt_project/.sqlfluff)
# Usage: scripts/lint.sh [ruff] [mypy] [sqlfluff]   (no argument: all three). Exit 1 if any reports.
# SQLFLUFF_ARGS passes extra options to sqlfluff lint (the test uses -v to count the files read).
# Fixes: .venv/bin/ruff check --fix .   and   (cd dbt_project && ../.venv/bin/sqlfluff fix <file>)
set -uo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/sqlfluff ] || scripts/setup.sh >&2 || exit 2

tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(ruff mypy sqlfluff)
failed=()
for tool in "${tools[@]}"; do
  start=$SECONDS
  case "$tool" in
    ruff) .venv/bin/ruff check --no-cache --output-format concise . ;;
    mypy) .venv/bin/mypy ;;  # files, strictness and per-library overrides: pyproject.toml
    sqlfluff)
      # The dbt templater compiles each model; the profile needs no warehouse file (in-memory DuckDB)
      # and dbt's target/ and logs/ go to a temporary directory, never into dbt_project/.
      tmp=$(mktemp -d)
      printf '[sqlfluff:templater:dbt]\ntarget_path = %s\n' "$tmp/target" > "$tmp/target.cfg"
      (cd dbt_project && WP_WAREHOUSE=:memory: DBT_TARGET_PATH="$tmp/target" DBT_LOG_PATH="$tmp/logs" \
         DBT_SEND_ANONYMOUS_USAGE_STATS=false ../.venv/bin/sqlfluff lint . --config "$tmp/target.cfg" \
         --processes 2 --disable-progress-bar --nocolor ${SQLFLUFF_ARGS:-})
      status=$?; rm -rf "$tmp"; (exit $status) ;;
    *) echo "unknown linter: $tool (ruff, mypy, sqlfluff)" >&2; exit 2 ;;
  esac
  status=$?
  echo "[lint] $tool: $([ $status -eq 0 ] && echo clean || echo "FAILED (exit $status)") in $((SECONDS - start))s"
  [ $status -eq 0 ] || failed+=("$tool")
done
[ ${#failed[@]} -eq 0 ] || { echo "[lint] failed: ${failed[*]}"; exit 1; }
