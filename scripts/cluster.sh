#!/usr/bin/env bash
# A throw-away loopback Airflow cluster (PostgreSQL, Redis, CeleryExecutor: api-server, scheduler,
# dag-processor, triggerer, one worker) with the sample portals, like tests/deploy/test_cluster.py
# but kept up until Ctrl-C. Prints the UI URL and the generated admin password.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m tests.deploy.cluster --keep "$@"
