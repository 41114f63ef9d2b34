#!/usr/bin/env bash
# A live Airflow on loopback with our DAGs: setup if needed, sample portals, AIRFLOW_HOME (migrate, pools),
# `airflow standalone`, DAGs unpaused + a first crawl of every portal, then the UI URL and login.
# Ctrl-C stops every process it started. Options: --port N (default 8080), --no-trigger. See docs/OPERATIONS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python -m extract.standalone "$@"
