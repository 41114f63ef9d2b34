#!/usr/bin/env bash
# The test suite: setup, then pytest (extra pytest arguments pass through).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
