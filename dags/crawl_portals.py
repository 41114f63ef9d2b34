"""Airflow: one crawl DAG per portal in config/sources.<profile>.yml (see extract/orchestration.py)."""

from extract.orchestration import build_crawl_dag
from extract.sources import load_portals

for _portal in load_portals():
    globals()[f"crawl_{_portal.id}"] = build_crawl_dag(_portal)
