"""Static HTML report over the published warehouse copy (inline SVG charts, no JavaScript, no CDN).

``build_report(db_path, out_dir)`` opens ``db_path`` read-only (the published
copy, so it never blocks or waits for a writer of the working file), reads the
marts and writes ``out_dir/report.html`` atomically (temp file + rename).

Three modules, one job each: ``extract.report_data`` runs the queries (rows from the
marts), ``extract.report_charts`` draws the SVG charts, and this module lays out the
page. Sections whose mart is missing or empty say so (``data-empty="true"``) instead
of failing.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb

from extract import report_data as data
from extract.report_charts import FONT_PX, Bar, column_chart, diverging_chart, empty_chart, hbar_chart, heatmap
from extract.report_charts import esc as _e

REPORT_NAME = "report.html"

# CJK-capable stack first (Debian: fonts-noto-cjk → "Noto Sans CJK SC"; fonts-wqy-zenhei), then the
# usual desktop fonts, then generic sans-serif.
FONT_STACK = ('"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", '
              '"WenQuanYi Micro Hei", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", '
              '"Noto Sans", "DejaVu Sans", sans-serif')

SHANGHAI_TZ = timezone(timedelta(hours=8), "UTC+08:00")

# One bucket per column of fct_jurisdiction_year's deadline profile (every deadline_kind but month/day,
# and month/day deadlines per month): the buckets partition the tasks.
DEADLINE_BUCKETS: list[tuple[str, str]] = (
    [("deadlines_full_year", "全年")]
    + [(f"deadlines_m{m:02d}", f"{m}月") for m in range(1, 13)]
    + [("deadlines_half_year", "半年"), ("deadlines_quarter", "季度"), ("deadlines_range", "区间"),
       ("deadlines_several", "多个"), ("deadlines_next_year", "次年"), ("deadlines_none", "未写"),
       ("deadlines_unparsed", "无法解析")]
)


def _section_yoy(rows: list[dict[str, Any]] | None, themes: list[dict[str, Any]] | None) -> str:
    """Year over year per publisher (grouped bars), then the change per theme of each pair."""
    if rows is None:
        return empty_chart("yoy-publisher", "mart fct_plan_yoy")
    groups = []
    for y in rows:
        label = f"{y['publisher']} {y['plan_year']} vs {y['previous_plan_year']}"
        groups.append((label, [Bar("tasks_previous", y["tasks_previous"]), Bar("tasks", y["tasks"]),
                               Bar("continued", y["tasks_continued"]), Bar("new", y["tasks_new"]),
                               Bar("dropped", y["tasks_dropped"])]))
    out = [hbar_chart("yoy-publisher", "同一发布机构逐年对比 Year over year per publisher", groups)]

    if themes is not None and rows:
        for y in rows:
            sub = [t for t in themes if t["plan_yoy_id"] == y["plan_yoy_id"]]
            chart_rows = [(t["theme"], t["tasks_change"],
                           {"theme": t["theme_code"], "tasks": t["tasks"], "tasks-previous": t["tasks_previous"],
                            "new": t["tasks_new"], "dropped": t["tasks_dropped"], "continued": t["tasks_continued"]},
                           f"{t['theme']}: {t['tasks_previous']} → {t['tasks']} (新增 {t['tasks_new']}, "
                           f"删除 {t['tasks_dropped']}, 延续 {t['tasks_continued']})") for t in sub]
            title = f"按主题的任务变化 Change per theme · {y['publisher']} {y['plan_year']} vs {y['previous_plan_year']}"
            out.append(f'<h3>{_e(title)}</h3>')
            out.append(diverging_chart("yoy-themes", title, chart_rows,
                                       attrs={"publisher": y["publisher"], "year": y["plan_year"],
                                              "previous-year": y["previous_plan_year"]}))
    return "".join(out)


def _clip(text: str | None, limit: int = 90) -> str:
    text = text or ""
    return text if len(text) <= limit else text[:limit] + "…"


def _section_continued(rows: list[dict[str, Any]] | None) -> str:
    """Per publisher × year pair, the continued tasks side by side: previous text | new text | score."""
    if rows is None:
        return empty_chart("yoy-continued", "mart fct_task_matches")
    if not rows:
        return '<p class="empty" data-empty="true">暂无延续任务 (no continued tasks)</p>'
    out, current = [], None
    head = ("<tr><th>上一年度任务 Previous plan</th><th>本年度任务 This plan</th><th>相似度 Score</th>"
            "<th>置信度 Band</th><th>共同关键词 Shared terms</th></tr>")
    for m in rows:
        group = (m["publisher"], m["plan_year"], m["matched_plan_year"])
        if group != current:
            if current is not None:
                out.append("</table>")
            current = group
            out.append(f'<h3>{_e(f"{group[0]} {group[1]} vs {group[2]}")}</h3>'
                       f'<table class="continued" data-publisher="{_e(group[0])}" data-year="{group[1]}" '
                       f'data-previous-year="{group[2]}">{head}')
        old = f"{m['matched_seq']}. {m['matched_task_name'] or ''}：{m['matched_task_content'] or ''}"
        new = f"{m['seq']}. {m['task_name'] or ''}：{m['task_content'] or ''}"
        out.append(f'<tr class="continued-task" data-band="{_e(m["confidence_band"])}" '
                   f'data-score="{m["similarity"]:.3f}"><td title="{_e(old)}">{_e(_clip(old))}</td>'
                   f'<td title="{_e(new)}">{_e(_clip(new))}</td><td class="num">{m["similarity"]:.3f}</td>'
                   f'<td>{_e(m["confidence_band"])}</td><td>{_e(m["key_terms"])}</td></tr>')
    out.append("</table>")
    return "".join(out)


def _section_jurisdictions(jy: list[dict[str, Any]], theme_rows: list[dict[str, Any]], organs: dict[str, str]) -> str:
    """Per plan year: tasks per jurisdiction × organ type (bars) and per theme (heatmap)."""
    if not jy:
        return empty_chart("jurisdiction-tasks", "mart fct_jurisdiction_year")
    out: list[str] = []
    years = list(dict.fromkeys(row["plan_year"] for row in jy))
    for year in years:
        rows = [x for x in jy if x["plan_year"] == year]
        by_j: dict[str, list[Bar]] = {}
        for x in rows:
            by_j.setdefault(x["jurisdiction_name"], []).append(
                Bar(x["organ_type"], x["tasks"],
                    f"{x['jurisdiction_name']} · {organs.get(x['organ_type'], x['organ_type'])} {year}: "
                    f"{x['tasks']} 项任务, {x['distinct_lead_units']} 个牵头单位"))
        out.append(f'<h3>{year} 年：各辖区任务数 Tasks per jurisdiction × organ type</h3>')
        out.append(hbar_chart("jurisdiction-tasks", f"{year} tasks per jurisdiction × organ type",
                              list(by_j.items()), attrs={"year": year}))
        cols = [f"{x['jurisdiction_name']}\n{organs.get(x['organ_type'], x['organ_type'])}" for x in rows]
        ids = [x["jurisdiction_year_id"] for x in rows]
        sub = [t for t in theme_rows if t["jurisdiction_year_id"] in ids]
        themes = list(dict.fromkeys(t["theme"] for t in sub))
        matrix = [[0] * len(ids) for _ in themes]
        for t in sub:
            matrix[themes.index(t["theme"])][ids.index(t["jurisdiction_year_id"])] += t["tasks"]
        out.append(f'<h3>{year} 年：各辖区按主题的任务数 Tasks per theme per jurisdiction</h3>')
        out.append(heatmap("jurisdiction-themes", f"{year} tasks per theme per jurisdiction", themes, cols, matrix,
                           attrs={"year": year}))
    return "".join(out)


def _section_deadlines(jy: list[dict[str, Any]], organs: dict[str, str]) -> str:
    if not jy:
        return empty_chart("deadline-months", "mart fct_jurisdiction_year")
    totals = [(label, sum(int(x[col] or 0) for x in jy)) for col, label in DEADLINE_BUCKETS]
    months = [(label, v) for (col, _), (label, v) in zip(DEADLINE_BUCKETS, totals) if col[-3] == "m"]
    out = [
        "<h3>所有现行计划：截止月份 Deadline month (tasks with a month or day deadline)</h3>",
        column_chart("deadline-months", "Deadline month profile, all current plans", months),
        "<h3>截止时间分布（按辖区）Deadline profile per jurisdiction × organ type × year</h3>",
        heatmap("deadline-profile", "Deadline profile per jurisdiction",
                [f"{x['jurisdiction_name']} · {organs.get(x['organ_type'], x['organ_type'])} · {x['plan_year']}"
                 for x in jy],
                [label for _, label in DEADLINE_BUCKETS],
                [[int(x[col] or 0) for col, _ in DEADLINE_BUCKETS] for x in jy], cell_w=46,
                colour="230,159,0", series="deadlines"),
    ]
    return "".join(out)


def _section_documents(docs: list[dict[str, Any]], organs: dict[str, str], quarantined: int | None) -> str:
    if not docs:
        return '<p class="empty" data-empty="true">暂无文件 (no documents yet)</p>'
    head = ("<tr><th>发布机构 Publisher</th><th>辖区 Jurisdiction</th><th>类型 Organ</th><th>年度 Year</th>"
            "<th>任务 Tasks</th><th>版本 Versions</th><th>格式 Format</th><th>校验 Validation</th>"
            "<th>入库 Loaded</th></tr>")
    body = []
    for d in docs:
        ok = d["validation_ok"]
        status = ("通过 passed" if ok else "未通过 failed" if ok is False else "—")
        detail = (f" ({d['suites_passed']}/{d['suites']} suites)" if d.get("suites") is not None else "")
        cls = "ok" if ok else "fail" if ok is False else ""
        loaded = d["loaded_at"].strftime("%Y-%m-%d %H:%M") if d.get("loaded_at") else ""
        publisher = _e(d["publisher"] or d["issuer"])
        if d.get("notice_url"):
            publisher = f'<a href="{_e(d["notice_url"])}">{publisher}</a>'
        body.append(
            f'<tr class="document" data-document-id="{_e(d["document_id"])}" '
            f'data-document-version-id="{_e(d["document_version_id"])}" data-tasks="{d["tasks"]}" '
            f'data-validation="{"passed" if ok else "failed" if ok is False else "unknown"}">'
            f'<td>{publisher}</td><td>{_e(d["jurisdiction"])}</td><td>{_e(organs.get(d["organ_type"], d["organ_type"]))}</td>'
            f'<td class="num">{_e(d["plan_year"])}</td><td class="num">{d["tasks"]}</td>'
            f'<td class="num">{_e(d["versions"])}</td><td>{_e(d["source_format"])}</td>'
            f'<td class="{cls}">{_e(status + detail)}</td><td>{_e(loaded)}</td></tr>')
    note = ""
    if quarantined is not None:
        note = (f'<p class="note" data-quarantined="{quarantined}">隔离中（未解决）的文件版本 Quarantined document '
                f'versions (unresolved, not in the marts): <b>{quarantined}</b></p>')
    return f'<table class="documents">{head}{"".join(body)}</table>{note}'


CSS = f"""
body {{ font-family: {FONT_STACK}; margin: 24px 32px; color: #222; background: #fff; max-width: 1300px; }}
h1 {{ font-size: 22px; margin-bottom: 4px; }}
h2 {{ font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }}
h3 {{ font-size: 14px; margin: 18px 0 6px; color: #444; font-weight: 600; }}
svg.chart {{ display: block; margin: 4px 0 12px; overflow: visible; }}
svg.chart text {{ font-family: {FONT_STACK}; font-size: {FONT_PX}px; fill: #222; }}
svg.chart text.value {{ font-size: 11px; }}
svg.chart text.legend {{ font-size: 11px; }}
svg.chart .axis {{ stroke: #888; stroke-width: 1; }}
.empty {{ color: #888; font-style: italic; padding: 8px 0; }}
.meta {{ color: #555; font-size: 13px; }}
.kpis {{ display: flex; gap: 24px; margin: 12px 0; }}
.kpi {{ border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 90px; }}
.kpi b {{ display: block; font-size: 22px; }}
table.documents, table.continued {{ border-collapse: collapse; font-size: 13px; }}
table.documents th, table.documents td, table.continued th, table.continued td {{ border: 1px solid #ddd; padding: 4px 8px; text-align: left; }}
table.documents th, table.continued th {{ background: #f4f4f4; }}
td.num {{ text-align: right; }}
td.ok {{ color: #00734d; }}
td.fail {{ color: #b00020; font-weight: 600; }}
"""


def render_report(con: duckdb.DuckDBPyConnection, *, source: str = "", built_at: datetime | None = None) -> str:
    """The report HTML for an open (read-only) connection."""
    r = data.MartReader(con)
    built_at = built_at or datetime.now(timezone.utc)
    organs = data.organ_labels(r)
    jy = data.jurisdiction_years(r)
    docs = data.documents(r)
    data_as_of = max((d["loaded_at"] for d in docs if d.get("loaded_at")), default=None)
    kpis = [("文件 documents", len(docs)), ("任务 tasks", sum(d["tasks"] for d in docs)),
            ("发布机构 publishers", len({d["publisher_id"] for d in docs})),
            ("辖区 jurisdictions", len({d["jurisdiction_code"] for d in docs})),
            ("年度 plan years", len({d["plan_year"] for d in docs}))]
    kpi_html = "".join(f'<div class="kpi" data-kpi="{_e(k)}"><b>{v}</b>{_e(k)}</div>' for k, v in kpis)
    built_local = built_at.astimezone(SHANGHAI_TZ)
    as_of = data_as_of.astimezone(SHANGHAI_TZ).strftime("%Y-%m-%d %H:%M %Z") if data_as_of else "—"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="extract.report">
<title>上海政务公开工作要点 · 报告 Work plan report</title>
<style>{CSS}</style>
</head>
<body>
<h1>上海政务公开工作要点 · 分析报告</h1>
<p class="meta">Work plans report · built <time id="built-at" datetime="{built_at.isoformat()}">{_e(built_local.strftime("%Y-%m-%d %H:%M:%S %Z"))}</time>
 · data loaded up to {_e(as_of)} · source <code>{_e(source)}</code> (read-only published copy)</p>
<div class="kpis">{kpi_html}</div>

<h2 id="yoy">逐年对比 Year over year</h2>
<p class="meta">Tasks of each publisher's plan against its previous plan: continued (matched one-to-one), new and dropped
(mart <code>fct_plan_yoy</code>, <code>fct_plan_yoy_themes</code>).</p>
{_section_yoy(data.plan_yoy(r), data.plan_yoy_themes(r))}


<h2 id="jurisdictions">辖区对比 Jurisdictions side by side</h2>
<p class="meta">Current plans per plan year (marts <code>fct_jurisdiction_year</code>, <code>fct_jurisdiction_year_themes</code>).</p>
{_section_jurisdictions(jy, data.jurisdiction_year_themes(r), organs)}

<h2 id="deadlines">截止时间 Deadlines</h2>
{_section_deadlines(jy, organs)}

<h2 id="yoy-continued">延续任务对照 Continued tasks side by side</h2>
<p class="meta">Each continued task next to the task of the previous plan it was matched to (one-to-one), with the
similarity (cosine of jieba tf-idf terms), its confidence band and the shared key terms (mart <code>fct_task_matches</code>).</p>
{_section_continued(data.continued_tasks(r))}

<h2 id="documents">文件 Documents</h2>
{_section_documents(docs, organs, data.quarantined_versions(r))}

<p class="meta">Generated by <code>extract/report.py</code> from the marts of the published warehouse; charts are static SVG (hover a mark for its value).</p>
</body>
</html>
"""


def build_report(db_path: Path, out_dir: Path) -> Path:
    """Write ``out_dir/report.html`` (atomic replace) from the DuckDB file ``db_path`` opened read-only."""
    db_path, out_dir = Path(db_path), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        text = render_report(con, source=str(db_path))
    finally:
        con.close()
    target = out_dir / REPORT_NAME
    fd, tmp = tempfile.mkstemp(prefix=".report.", suffix=".html.tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
