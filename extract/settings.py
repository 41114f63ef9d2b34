"""Paths, environment names and limits in one place, so no module hard-codes them.

Every path can be overridden by an environment variable (names below); the
defaults keep all state under ``var/`` in the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT: Path = Path(__file__).resolve().parent.parent


def _path(env: str, default: Path) -> Path:
    return Path(os.environ.get(env) or default).resolve()


def var_dir() -> Path:
    """Root of all mutable state (warehouse, archives, logs); env ``WP_VAR_DIR``."""
    return _path("WP_VAR_DIR", REPO_ROOT / "var")


def warehouse_path() -> Path:
    """The working DuckDB file (single writer); env ``WP_WAREHOUSE``."""
    return _path("WP_WAREHOUSE", var_dir() / "warehouse" / "workplans.duckdb")


def archive_dir() -> Path:
    """Where WARC files are written; env ``WP_ARCHIVE_DIR``."""
    return _path("WP_ARCHIVE_DIR", var_dir() / "archive")


def publish_dir() -> Path:
    """Read-only BI copy, Parquet marts and the HTML report; env ``WP_PUBLISH_DIR``."""
    return _path("WP_PUBLISH_DIR", var_dir() / "publish")


def data_docs_dir() -> Path:
    """Great Expectations Data Docs site; env ``WP_DATA_DOCS_DIR``."""
    return _path("WP_DATA_DOCS_DIR", var_dir() / "data_docs")


def sample_build_dir() -> Path:
    """Generated sample-portal sites (pages + attachments); env ``WP_SAMPLE_BUILD_DIR``."""
    return _path("WP_SAMPLE_BUILD_DIR", var_dir() / "sample_portals")


CONFIG_DIR: Path = REPO_ROOT / "config"
EXPECTATIONS_DIR: Path = REPO_ROOT / "expectations"
DBT_PROJECT_DIR: Path = REPO_ROOT / "dbt_project"


def sources_profile() -> str:
    """Which ``config/sources.<profile>.yml`` to crawl: ``sample`` (default) or ``live``."""
    return os.environ.get("WP_SOURCES_PROFILE", "sample")


def sources_file() -> Path:
    """The sources config in use: env ``WP_SOURCES_FILE``, else ``config/sources.<profile>.yml``."""
    return _path("WP_SOURCES_FILE", CONFIG_DIR / f"sources.{sources_profile()}.yml")


# Sample portals listen on distinct loopback addresses so that each portal is
# its own host (allowed hosts, per-host politeness) without DNS.
SAMPLE_PORT: int = int(os.environ.get("WP_SAMPLE_PORT", "8731"))

USER_AGENT: str = os.environ.get(
    "WP_USER_AGENT",
    "workplans-crawler/0.1 (+https://github.com/workplans/workplans; data-team@workplans.example)",
)

# Crawl limits.
MAX_RESPONSE_BYTES: int = int(os.environ.get("WP_MAX_RESPONSE_BYTES", str(50 * 1024 * 1024)))
REQUEST_TIMEOUT_S: float = float(os.environ.get("WP_REQUEST_TIMEOUT_S", "30"))
MAX_RETRIES: int = int(os.environ.get("WP_MAX_RETRIES", "4"))
MAX_LIST_PAGES: int = int(os.environ.get("WP_MAX_LIST_PAGES", "50"))

# Airflow pool that serializes every writer of the DuckDB file (dbt included).
WAREHOUSE_POOL: str = "duckdb_writer"
# Asset the crawl DAGs update and the warehouse DAG is scheduled on.
RAW_ASSET_URI: str = "file://workplans/raw_work_plan_tables"

# Bounds on hostile or unlucky input (issue 13). Each is a ceiling per request or per part.
# A request's whole download (not only the gap between chunks) must end within this many seconds.
REQUEST_DEADLINE_S: float = float(os.environ.get("WP_REQUEST_DEADLINE_S", "120"))
MAX_REDIRECTS: int = int(os.environ.get("WP_MAX_REDIRECTS", "5"))
# ZIP containers (.docx/.xlsx): total uncompressed bytes, and uncompressed/compressed ratio per member.
MAX_UNZIPPED_BYTES: int = int(os.environ.get("WP_MAX_UNZIPPED_BYTES", str(200 * 1024 * 1024)))
MAX_ZIP_RATIO: float = float(os.environ.get("WP_MAX_ZIP_RATIO", "200"))
# Tables: rows per sheet/table, cells per sheet, and the widest span a cell may claim.
MAX_TABLE_ROWS: int = int(os.environ.get("WP_MAX_TABLE_ROWS", "20000"))
MAX_TABLE_CELLS: int = int(os.environ.get("WP_MAX_TABLE_CELLS", "2000000"))
MAX_SPAN: int = int(os.environ.get("WP_MAX_SPAN", "1000"))
# External converters (LibreOffice, antiword): seconds per file, then their process group is killed.
CONVERTER_TIMEOUT_S: float = float(os.environ.get("WP_CONVERTER_TIMEOUT_S", "120"))
# Airflow: execution_timeout of every task (seconds).
TASK_TIMEOUT_S: float = float(os.environ.get("WP_TASK_TIMEOUT_S", "3600"))
# Airflow UI: the owner link shown next to every DAG (env ``WP_OWNER_LINK``, a mailto: or https: URL)
# and the path under which the ``workplans`` plugin (plugins/workplans_plugin.py) serves the report,
# Data Docs, lineage and quarantine pages on the api-server.
OWNER_LINK: str = os.environ.get("WP_OWNER_LINK", "mailto:data-team@workplans.example")
UI_PREFIX: str = "/workplans"
