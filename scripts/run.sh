#!/usr/bin/env bash
# The main job: setup, then sample portals + Airflow DAG runs + dbt + publish + summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python -m extract run "$@"
