"""Environment for running Airflow locally (own AIRFLOW_HOME, SQLite, our dags/).

Call ``configure()`` before the first ``import airflow`` in a process.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from extract import settings


def configure(home: Optional[Path] = None) -> Path:
    """Set AIRFLOW_* variables (only those not already set) and return AIRFLOW_HOME."""
    home = Path(home or os.environ.get("AIRFLOW_HOME") or settings.var_dir() / "airflow")
    home.mkdir(parents=True, exist_ok=True)
    defaults = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "60",
        "AIRFLOW__OPENLINEAGE__TRANSPORT": '{"type": "file", "log_file_path": "%s", "append": true}'
        % (settings.var_dir() / "openlineage" / "events.jsonl"),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "workplans",
        "GX_ANALYTICS_ENABLED": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "NO_PROXY": "127.0.0.1,localhost,127.0.0.0/8",
    }
    (settings.var_dir() / "openlineage").mkdir(parents=True, exist_ok=True)
    for k, v in defaults.items():
        os.environ.setdefault(k, v)
    return home


def migrate() -> None:
    """``airflow db migrate`` (idempotent) and the pools the DAGs need."""
    import subprocess
    import sys

    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True, text=True)
    ensure_pools()


def ensure_pools() -> list[str]:
    """Create/update the writer pool (1 slot) and one politeness pool per portal host."""
    from airflow.models.pool import Pool

    from extract.orchestration import host_pool
    from extract.sources import load_portals

    pools = {settings.WAREHOUSE_POOL: (1, "Single writer of the DuckDB warehouse file (loads, dbt, publish)")}
    for p in load_portals():
        pools.setdefault(host_pool(p), (p.politeness.max_concurrency, f"Politeness for {', '.join(p.hosts)}"))
    for name, (slots, desc) in pools.items():
        Pool.create_or_update_pool(name=name, slots=slots, description=desc, include_deferred=False)
    return list(pools)
