"""Static HTML report over the published warehouse copy (inline SVG charts, no JavaScript, no CDN).

``build_report(db_path, out_dir)`` opens ``db_path`` read-only (the published
copy, so it never blocks or waits for a writer of the working file), reads the
marts and writes ``out_dir/report.html`` atomically (temp file + rename).

Every chart is an ``<svg class="chart" data-chart="<id>">``; every mark carries
``data-series``, ``data-group`` and ``data-value`` so tests (and curious
analysts) can check what was drawn without parsing pixels. Sections whose mart
is missing or empty say so (``data-empty="true"``) instead of failing.
"""

from __future__ import annotations

import html
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

import duckdb

REPORT_NAME = "report.html"

# CJK-capable stack first (Debian: fonts-noto-cjk → "Noto Sans CJK SC"; fonts-wqy-zenhei), then the
# usual desktop fonts, then generic sans-serif.
FONT_STACK = ('"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", '
              '"WenQuanYi Micro Hei", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", '
              '"Noto Sans", "DejaVu Sans", sans-serif')

SHANGHAI_TZ = timezone(timedelta(hours=8), "UTC+08:00")

# Series keys → (label, colour). Colour-blind friendly (Okabe-Ito).
SERIES = {
    "tasks_previous": ("上一版任务数 previous", "#999999"),
    "tasks": ("本版任务数 tasks", "#0072B2"),
    "continued": ("延续 continued", "#56B4E9"),
    "new": ("新增 new", "#009E73"),
    "dropped": ("删除 dropped", "#D55E00"),
    "government": ("人民政府 government", "#0072B2"),
    "market_supervision": ("市场监督管理 market supervision", "#E69F00"),
    "change": ("净变化 net change", "#0072B2"),
    "deadlines": ("任务数 tasks", "#0072B2"),
}

DEADLINE_BUCKETS: list[tuple[str, str]] = (
    [("deadlines_full_year", "全年")]
    + [(f"deadlines_m{m:02d}", f"{m}月") for m in range(1, 13)]
    + [("deadlines_next_year", "次年"), ("deadlines_none", "未写"), ("deadlines_unparsed", "无法解析")]
)

ORGAN_LABELS = {"government": "人民政府", "market_supervision": "市场监督管理"}

FONT_PX = 12


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _text_width(text: str, size: float = FONT_PX) -> float:
    """Approximate rendered width: CJK/full-width glyphs are 1em, the rest ~0.6em."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.6 for ch in text)


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# --------------------------------------------------------------------------- charts
@dataclass
class Bar:
    series: str
    value: float
    tooltip: str = ""


def hbar_chart(chart_id: str, title: str, groups: Sequence[tuple[str, Sequence[Bar]]], *,
               bar_h: int = 16, gap: int = 10, plot_w: int = 520, attrs: dict[str, Any] | None = None) -> str:
    """Grouped horizontal bars: one block per group, one bar per series, value printed at the bar end."""
    if not groups or not any(b for _, bars in groups for b in bars):
        return _empty(chart_id, title)
    label_w = int(max(_text_width(label) for label, _ in groups)) + 16
    vmax = max((b.value for _, bars in groups for b in bars), default=0) or 1
    present = {b.series for _, bars in groups for b in bars}
    used_series = [s for s in SERIES if s in present] + sorted(present - set(SERIES))
    legend_h = 24
    y = legend_h + 6
    body: list[str] = []
    for label, bars in groups:
        block_h = len(bars) * bar_h + max(len(bars) - 1, 0) * 2
        body.append(f'<g class="bar-group" data-group="{_e(label)}">')
        body.append(f'<text x="{label_w - 8}" y="{y + block_h / 2 + 4:.1f}" text-anchor="end" '
                    f'class="group-label">{_e(label)}</text>')
        for i, b in enumerate(bars):
            by = y + i * (bar_h + 2)
            w = max(plot_w * b.value / vmax, 0)
            colour = SERIES.get(b.series, ("", "#666"))[1]
            tip = b.tooltip or f"{label} · {SERIES.get(b.series, (b.series,))[0]}: {_fmt(b.value)}"
            body.append(
                f'<rect class="bar" x="{label_w}" y="{by}" width="{w:.1f}" height="{bar_h}" fill="{colour}" '
                f'data-series="{_e(b.series)}" data-group="{_e(label)}" data-value="{_fmt(b.value)}">'
                f'<title>{_e(tip)}</title></rect>')
            body.append(f'<text x="{label_w + w + 4:.1f}" y="{by + bar_h - 4}" class="value">{_fmt(b.value)}</text>')
        body.append("</g>")
        y += block_h + gap
    width = label_w + plot_w + 60
    height = y + 4
    return _svg(chart_id, title, width, height, _legend(used_series, label_w) + "".join(body), attrs)


def diverging_chart(chart_id: str, title: str, rows: Sequence[tuple[str, float, dict[str, Any], str]], *,
                    bar_h: int = 16, half_w: int = 220, attrs: dict[str, Any] | None = None) -> str:
    """Bars left (negative) / right (positive) of a zero line; rows = (label, value, extra data attrs, tooltip)."""
    if not rows:
        return _empty(chart_id, title)
    label_w = int(max(_text_width(r[0]) for r in rows)) + 16
    vmax = max(abs(r[1]) for r in rows) or 1
    zero_x = label_w + half_w + 30
    y = 8
    body: list[str] = []
    for label, value, extra, tip in rows:
        w = half_w * abs(value) / vmax
        x = zero_x if value >= 0 else zero_x - w
        colour = SERIES["new"][1] if value > 0 else SERIES["dropped"][1] if value < 0 else "#999999"
        mark_attrs = "".join(f' data-{_e(k)}="{_fmt(v)}"' for k, v in extra.items())
        body.append(f'<g class="bar-group" data-group="{_e(label)}">'
                    f'<text x="{label_w - 8}" y="{y + bar_h - 4}" text-anchor="end" class="group-label">{_e(label)}</text>'
                    f'<rect class="bar" x="{x:.1f}" y="{y}" width="{max(w, 1 if value == 0 else w):.1f}" '
                    f'height="{bar_h}" fill="{colour}" data-series="change" data-group="{_e(label)}" '
                    f'data-value="{_fmt(value)}"{mark_attrs}><title>{_e(tip)}</title></rect>')
        tx = zero_x + w + 4 if value >= 0 else zero_x - w - 4
        anchor = "start" if value >= 0 else "end"
        body.append(f'<text x="{tx:.1f}" y="{y + bar_h - 4}" text-anchor="{anchor}" class="value">'
                    f'{"+" if value > 0 else ""}{_fmt(value)}</text></g>')
        y += bar_h + 6
    body.append(f'<line x1="{zero_x}" y1="2" x2="{zero_x}" y2="{y}" class="axis"/>')
    width = zero_x + half_w + 40
    return _svg(chart_id, title, width, y + 6, "".join(body), attrs)


def column_chart(chart_id: str, title: str, cats: Sequence[tuple[str, float]], *, series: str = "deadlines",
                 col_w: int = 34, plot_h: int = 180) -> str:
    """Vertical columns (one per category) with the value above each column."""
    if not cats or not any(v for _, v in cats):
        return _empty(chart_id, title)
    vmax = max(v for _, v in cats) or 1
    top, bottom, left = 18, 40, 10
    colour = SERIES.get(series, ("", "#0072B2"))[1]
    body: list[str] = []
    for i, (label, value) in enumerate(cats):
        h = plot_h * value / vmax
        x = left + i * (col_w + 8)
        y = top + plot_h - h
        body.append(f'<g class="bar-group" data-group="{_e(label)}">'
                    f'<rect class="bar" x="{x}" y="{y:.1f}" width="{col_w}" height="{h:.1f}" fill="{colour}" '
                    f'data-series="{_e(series)}" data-group="{_e(label)}" data-value="{_fmt(value)}">'
                    f'<title>{_e(label)}: {_fmt(value)}</title></rect>'
                    f'<text x="{x + col_w / 2}" y="{y - 4:.1f}" text-anchor="middle" class="value">{_fmt(value)}</text>'
                    f'<text x="{x + col_w / 2}" y="{top + plot_h + 16}" text-anchor="middle" class="group-label">'
                    f'{_e(label)}</text></g>')
    width = left + len(cats) * (col_w + 8) + 10
    body.append(f'<line x1="{left - 4}" y1="{top + plot_h}" x2="{width - 6}" y2="{top + plot_h}" class="axis"/>')
    return _svg(chart_id, title, width, top + plot_h + bottom, "".join(body))


def heatmap(chart_id: str, title: str, row_labels: Sequence[str], col_labels: Sequence[str],
            values: Sequence[Sequence[float]], *, cell_w: int = 92, cell_h: int = 22, colour: str = "0,114,178",
            series: str = "tasks", attrs: dict[str, Any] | None = None) -> str:
    """Matrix of shaded cells (row × column) with the count printed in each non-zero cell."""
    if not row_labels or not col_labels or not any(v for row in values for v in row):
        return _empty(chart_id, title)
    label_w = int(max(_text_width(r) for r in row_labels)) + 16
    head_lines = [c.split("\n") for c in col_labels]
    head_h = 16 * max(len(h) for h in head_lines) + 8
    cell_w = max(cell_w, int(max(_text_width(line) for h in head_lines for line in h)) + 8)
    vmax = max(v for row in values for v in row) or 1
    body: list[str] = []
    for j, lines in enumerate(head_lines):
        cx = label_w + j * cell_w + cell_w / 2
        for k, line in enumerate(lines):
            body.append(f'<text x="{cx:.1f}" y="{14 + 16 * k}" text-anchor="middle" class="col-label">{_e(line)}</text>')
    for i, rlabel in enumerate(row_labels):
        y = head_h + i * cell_h
        body.append(f'<text x="{label_w - 8}" y="{y + cell_h - 7}" text-anchor="end" class="group-label">{_e(rlabel)}</text>')
        for j, clabel in enumerate(col_labels):
            v = values[i][j]
            alpha = 0.08 + 0.92 * v / vmax if v else 0
            x = label_w + j * cell_w
            col = clabel.replace("\n", " ")
            body.append(f'<rect class="cell" x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                        f'fill="rgba({colour},{alpha:.3f})" stroke="#e5e5e5" data-series="{_e(series)}" '
                        f'data-row="{_e(rlabel)}" data-group="{_e(col)}" data-value="{_fmt(v)}">'
                        f'<title>{_e(rlabel)} · {_e(col)}: {_fmt(v)}</title></rect>')
            if v:
                fill = "#ffffff" if alpha > 0.55 else "#222222"
                body.append(f'<text x="{x + (cell_w - 2) / 2:.1f}" y="{y + cell_h - 7}" text-anchor="middle" '
                            f'class="value" style="fill:{fill}">{_fmt(v)}</text>')
    width = label_w + len(col_labels) * cell_w + 8
    height = head_h + len(row_labels) * cell_h + 6
    return _svg(chart_id, title, width, height, "".join(body), attrs)


def _legend(series: Iterable[str], x0: int) -> str:
    out, x = [], x0
    for s in series:
        label, colour = SERIES.get(s, (s, "#666"))
        out.append(f'<g class="legend-item" data-series="{_e(s)}"><rect x="{x}" y="6" width="12" height="12" '
                   f'fill="{colour}"/><text x="{x + 16}" y="16" class="legend">{_e(label)}</text></g>')
        x += 16 + int(_text_width(label, 11)) + 18
    return "".join(out)


def _svg(chart_id: str, title: str, width: float, height: float, body: str,
         attrs: dict[str, Any] | None = None) -> str:
    extra = "".join(f' data-{_e(k)}="{_e(v)}"' for k, v in (attrs or {}).items())
    return (f'<svg class="chart" data-chart="{_e(chart_id)}" data-empty="false"{extra} xmlns="http://www.w3.org/2000/svg" '
            f'role="img" aria-label="{_e(title)}" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}"><title>{_e(title)}</title>{body}</svg>')


def _empty(chart_id: str, title: str) -> str:
    return (f'<div class="chart empty" data-chart="{_e(chart_id)}" data-empty="true">'
            f'{_e(title)}: 暂无数据 (no data yet)</div>')


# --------------------------------------------------------------------------- data
class _Reader:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.tables = {(s, t) for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}

    def has(self, *names: str) -> bool:
        return all(tuple(n.split(".", 1)) in self.tables for n in names)

    def rows(self, sql: str, params: list | None = None) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def _organ_labels(r: _Reader) -> dict[str, str]:
    labels = dict(ORGAN_LABELS)
    if r.has("marts.dim_publisher"):
        for row in r.rows("select distinct organ_type, organ_type_label from marts.dim_publisher "
                          "where organ_type_label is not null"):
            labels[row["organ_type"]] = row["organ_type_label"]
    return labels


def _section_yoy(r: _Reader) -> str:
    if not r.has("marts.fct_plan_yoy", "marts.dim_publisher"):
        return _empty("yoy-publisher", "mart fct_plan_yoy")
    rows = r.rows("""
        select y.plan_yoy_id, coalesce(p.publisher_name, y.publisher_id) as publisher, y.plan_year,
               y.previous_plan_year, y.tasks, y.tasks_previous, y.tasks_continued, y.tasks_new, y.tasks_dropped,
               y.units_added, y.units_removed
        from marts.fct_plan_yoy y left join marts.dim_publisher p using (publisher_id)
        order by p.jurisdiction_level, y.publisher_id, y.plan_year desc""")
    groups = []
    for y in rows:
        label = f"{y['publisher']} {y['plan_year']} vs {y['previous_plan_year']}"
        groups.append((label, [Bar("tasks_previous", y["tasks_previous"]), Bar("tasks", y["tasks"]),
                               Bar("continued", y["tasks_continued"]), Bar("new", y["tasks_new"]),
                               Bar("dropped", y["tasks_dropped"])]))
    out = [hbar_chart("yoy-publisher", "同一发布机构逐年对比 Year over year per publisher", groups)]

    if r.has("marts.fct_plan_yoy_themes", "marts.dim_theme") and rows:
        themes = r.rows("""
            select t.plan_yoy_id, coalesce(d.theme_name, t.theme_code) as theme, t.theme_code, t.tasks,
                   t.tasks_previous, t.tasks_change, t.tasks_continued, t.tasks_new, t.tasks_dropped
            from marts.fct_plan_yoy_themes t left join marts.dim_theme d using (theme_code)
            order by t.plan_yoy_id, d.sort_order, t.theme_code""")
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


def _section_continued(r: _Reader) -> str:
    """Per publisher × year pair, the continued tasks side by side: previous text | new text | score."""
    if not r.has("marts.fct_task_matches"):
        return _empty("yoy-continued", "mart fct_task_matches")
    rows = r.rows("""
        select coalesce(p.publisher_name, m.publisher_id) as publisher, m.plan_year, m.matched_plan_year,
               m.matched_seq, m.matched_task_name, m.matched_task_content, m.seq, m.task_name, m.task_content,
               m.similarity, m.confidence_band, m.key_terms
        from marts.fct_task_matches m left join marts.dim_publisher p using (publisher_id)
        where m.comparison_type = 'year_over_year'
        order by m.publisher_id, m.plan_year desc, m.similarity desc, m.seq""")
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


def _jurisdiction_years(r: _Reader) -> list[dict[str, Any]]:
    if not r.has("marts.fct_jurisdiction_year"):
        return []
    return r.rows("""select * from marts.fct_jurisdiction_year
                     order by plan_year desc, case jurisdiction_level when 'city' then 0 else 1 end,
                              jurisdiction_code, organ_type""")


def _section_jurisdictions(r: _Reader, jy: list[dict[str, Any]], organs: dict[str, str]) -> str:
    if not jy:
        return _empty("jurisdiction-tasks", "mart fct_jurisdiction_year")
    out: list[str] = []
    years = list(dict.fromkeys(row["plan_year"] for row in jy))
    theme_rows = r.rows("""
        select t.jurisdiction_year_id, t.theme_code, coalesce(d.theme_name, t.theme_code) as theme, t.tasks,
               d.sort_order
        from marts.fct_jurisdiction_year_themes t left join marts.dim_theme d using (theme_code)
        order by d.sort_order nulls last, t.theme_code""") if r.has(
        "marts.fct_jurisdiction_year_themes", "marts.dim_theme") else []
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
        return _empty("deadline-months", "mart fct_jurisdiction_year")
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


def _documents(r: _Reader) -> list[dict[str, Any]]:
    if not r.has("marts.fct_work_plan_tasks"):
        return []
    lineage = r.has("marts.fct_task_lineage")
    pub = r.has("marts.dim_publisher")
    return r.rows(f"""
        with cur as (
            select document_id, document_version_id, publisher_id, jurisdiction, jurisdiction_code, organ_type,
                   any_value(issuer) as issuer, plan_year, count(*) as tasks, max(loaded_at) as loaded_at
            from marts.fct_work_plan_tasks group by all
        ), lin as (
            {'''select document_id, document_version_id, max(version_count) as versions,
                   bool_and(is_validation_success) as validation_ok, max(validation_suites) as suites,
                   max(validation_suites_passed) as suites_passed, max(expectations_failed) as expectations_failed,
                   any_value(source_format) as source_format, any_value(notice_url) as notice_url
            from marts.fct_task_lineage where is_current_version group by all''' if lineage else
              "select null::varchar as document_id, null::varchar as document_version_id, null::bigint as versions, "
              "null::boolean as validation_ok, null::bigint as suites, null::bigint as suites_passed, "
              "null::bigint as expectations_failed, null::varchar as source_format, null::varchar as notice_url"}
        )
        select cur.*, {"p.publisher_name" if pub else "cur.issuer"} as publisher, lin.versions, lin.validation_ok,
               lin.suites, lin.suites_passed, lin.expectations_failed, lin.source_format, lin.notice_url
        from cur left join lin using (document_id, document_version_id)
        {"left join marts.dim_publisher p using (publisher_id)" if pub else ""}
        order by cur.plan_year desc, cur.jurisdiction_code, cur.organ_type, cur.document_id""")


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
            f'<tr class="document" data-document-id="{_e(d["document_id"])}" data-tasks="{d["tasks"]}" '
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


def _quarantined(r: _Reader) -> int | None:
    if not r.has("raw.quarantine"):
        return None
    return int(r.con.execute("select count(*) from raw.quarantine where resolved_at is null").fetchall()[0][0])


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
    r = _Reader(con)
    built_at = built_at or datetime.now(timezone.utc)
    organs = _organ_labels(r)
    jy = _jurisdiction_years(r)
    docs = _documents(r)
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
{_section_yoy(r)}


<h2 id="jurisdictions">辖区对比 Jurisdictions side by side</h2>
<p class="meta">Current plans per plan year (marts <code>fct_jurisdiction_year</code>, <code>fct_jurisdiction_year_themes</code>).</p>
{_section_jurisdictions(r, jy, organs)}

<h2 id="deadlines">截止时间 Deadlines</h2>
{_section_deadlines(jy, organs)}

<h2 id="yoy-continued">延续任务对照 Continued tasks side by side</h2>
<p class="meta">Each continued task next to the task of the previous plan it was matched to (one-to-one), with the
similarity (cosine of jieba tf-idf terms), its confidence band and the shared key terms (mart <code>fct_task_matches</code>).</p>
{_section_continued(r)}

<h2 id="documents">文件 Documents</h2>
{_section_documents(docs, organs, _quarantined(r))}

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
