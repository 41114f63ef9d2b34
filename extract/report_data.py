"""The report's queries: rows the HTML report (``extract.report``) lays out, read from the marts.

Every function takes a ``MartReader`` over a read-only connection and returns plain dicts (column
name → value); a mart that is missing yields ``[]`` / ``None`` so the report can say "no data yet"
instead of failing. No HTML here and no rule of our own: which version of a document is current
comes from ``marts.fct_documents`` (dbt, ``int_document_versions_ranked``).
"""

from __future__ import annotations

from typing import Any

import duckdb

from extract.warehouse import fetch_row

ORGAN_LABELS = {"government": "人民政府", "market_supervision": "市场监督管理"}


class MartReader:
    """A read-only connection plus the set of tables it has (``schema.table``)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.tables = {(s, t) for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}

    def has(self, *names: str) -> bool:
        """True when every ``schema.table`` named exists."""
        return all(tuple(n.split(".", 1)) in self.tables for n in names)

    def rows(self, sql: str, params: list | None = None) -> list[dict[str, Any]]:
        """The result of ``sql`` as a list of dicts."""
        cur = self.con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def organ_labels(r: MartReader) -> dict[str, str]:
    """organ_type → Chinese label: the defaults, overridden by ``dim_publisher``'s labels."""
    labels = dict(ORGAN_LABELS)
    if r.has("marts.dim_publisher"):
        for row in r.rows("select distinct organ_type, organ_type_label from marts.dim_publisher "
                          "where organ_type_label is not null"):
            labels[row["organ_type"]] = row["organ_type_label"]
    return labels


def plan_yoy(r: MartReader) -> list[dict[str, Any]] | None:
    """One row per publisher × year vs its previous plan (``fct_plan_yoy``); None without the mart."""
    if not r.has("marts.fct_plan_yoy", "marts.dim_publisher"):
        return None
    return r.rows("""
        select y.plan_yoy_id, coalesce(p.publisher_name, y.publisher_id) as publisher, y.plan_year,
               y.previous_plan_year, y.tasks, y.tasks_previous, y.tasks_continued, y.tasks_new, y.tasks_dropped,
               y.units_added, y.units_removed
        from marts.fct_plan_yoy y left join marts.dim_publisher p using (publisher_id)
        order by p.jurisdiction_level, y.publisher_id, y.plan_year desc""")


def plan_yoy_themes(r: MartReader) -> list[dict[str, Any]] | None:
    """Per year-over-year pair and theme, the task change (``fct_plan_yoy_themes``); None without the mart."""
    if not r.has("marts.fct_plan_yoy_themes", "marts.dim_theme"):
        return None
    return r.rows("""
        select t.plan_yoy_id, coalesce(d.theme_name, t.theme_code) as theme, t.theme_code, t.tasks,
               t.tasks_previous, t.tasks_change, t.tasks_continued, t.tasks_new, t.tasks_dropped
        from marts.fct_plan_yoy_themes t left join marts.dim_theme d using (theme_code)
        order by t.plan_yoy_id, d.sort_order, t.theme_code""")


def continued_tasks(r: MartReader) -> list[dict[str, Any]] | None:
    """Year-over-year matched task pairs (``fct_task_matches``), best first; None without the mart."""
    if not r.has("marts.fct_task_matches"):
        return None
    return r.rows("""
        select coalesce(p.publisher_name, m.publisher_id) as publisher, m.plan_year, m.matched_plan_year,
               m.matched_seq, m.matched_task_name, m.matched_task_content, m.seq, m.task_name, m.task_content,
               m.similarity, m.confidence_band, m.key_terms
        from marts.fct_task_matches m left join marts.dim_publisher p using (publisher_id)
        where m.comparison_type = 'year_over_year'
        order by m.publisher_id, m.plan_year desc, m.similarity desc, m.seq""")


def jurisdiction_years(r: MartReader) -> list[dict[str, Any]]:
    """``fct_jurisdiction_year``, newest year first, the city before the districts."""
    if not r.has("marts.fct_jurisdiction_year"):
        return []
    return r.rows("""select * from marts.fct_jurisdiction_year
                     order by plan_year desc, case jurisdiction_level when 'city' then 0 else 1 end,
                              jurisdiction_code, organ_type""")


def jurisdiction_year_themes(r: MartReader) -> list[dict[str, Any]]:
    """Tasks per jurisdiction-year and theme (``fct_jurisdiction_year_themes``), in theme order."""
    if not r.has("marts.fct_jurisdiction_year_themes", "marts.dim_theme"):
        return []
    return r.rows("""
        select t.jurisdiction_year_id, t.theme_code, coalesce(d.theme_name, t.theme_code) as theme, t.tasks,
               d.sort_order
        from marts.fct_jurisdiction_year_themes t left join marts.dim_theme d using (theme_code)
        order by d.sort_order nulls last, t.theme_code""")


def documents(r: MartReader) -> list[dict[str, Any]]:
    """One row per document at its current version (``marts.fct_documents``) with its publisher's name."""
    if not r.has("marts.fct_documents"):
        return []
    pub = r.has("marts.dim_publisher")
    return r.rows(f"""
        select d.document_id, d.document_version_id, d.version_number, d.publisher_id, d.jurisdiction,
               d.jurisdiction_code, d.organ_type, d.issuer, d.plan_year, d.task_count as tasks, d.loaded_at,
               d.version_count as versions, d.is_validation_success as validation_ok, d.validation_suites as suites,
               d.validation_suites_passed as suites_passed, d.expectations_failed, d.source_format, d.notice_url,
               {"p.publisher_name" if pub else "d.issuer"} as publisher
        from marts.fct_documents d
        {"left join marts.dim_publisher p using (publisher_id)" if pub else ""}
        order by d.plan_year desc, d.jurisdiction_code, d.organ_type, d.document_id""")


def quarantined_versions(r: MartReader) -> int | None:
    """Open quarantine entries (``raw.quarantine``); None when the table is absent."""
    if not r.has("raw.quarantine"):
        return None
    return int(fetch_row(r.con, "select count(*) from raw.quarantine where resolved_at is null")[0])
