"""Airflow warehouse DAG: dbt build on the raw Asset, then publish for BI (see extract/orchestration.py)."""

from extract.orchestration import build_warehouse_dag

warehouse = build_warehouse_dag()
