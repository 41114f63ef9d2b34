"""The report's SVG chart kit: grouped horizontal bars, diverging bars, columns, heatmaps.

Pure functions from values to an inline ``<svg class="chart" data-chart="<id>">`` string (no
JavaScript, no CDN). Every mark carries ``data-series``, ``data-group`` and ``data-value`` so tests
(and curious analysts) can check what was drawn without parsing pixels; a chart with no data is a
``<div class="chart empty" data-empty="true">``. Sizes are CSS pixels; text widths are estimated
(CJK 1em, other glyphs 0.6em) because no font is measured at build time. Used by ``extract.report``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

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

FONT_PX = 12


def esc(value: Any) -> str:
    """HTML-escape a value for text or an attribute (None → empty)."""
    return html.escape("" if value is None else str(value), quote=True)


def text_width(text: str, size: float = FONT_PX) -> float:
    """Approximate rendered width: CJK/full-width glyphs are 1em, the rest ~0.6em."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.6 for ch in text)


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# --------------------------------------------------------------------------- charts
@dataclass
class Bar:
    """One bar of ``hbar_chart``: its series key (a key of ``SERIES``), value and optional tooltip."""

    series: str
    value: float
    tooltip: str = ""


def hbar_chart(chart_id: str, title: str, groups: Sequence[tuple[str, Sequence[Bar]]], *,
               bar_h: int = 16, gap: int = 10, plot_w: int = 520, attrs: dict[str, Any] | None = None) -> str:
    """Grouped horizontal bars: one block per group, one bar per series, value printed at the bar end."""
    if not groups or not any(b for _, bars in groups for b in bars):
        return empty_chart(chart_id, title)
    label_w = int(max(text_width(label) for label, _ in groups)) + 16
    vmax = max((b.value for _, bars in groups for b in bars), default=0) or 1
    present = {b.series for _, bars in groups for b in bars}
    used_series = [s for s in SERIES if s in present] + sorted(present - set(SERIES))
    legend_h = 24
    y = legend_h + 6
    body: list[str] = []
    for label, bars in groups:
        block_h = len(bars) * bar_h + max(len(bars) - 1, 0) * 2
        body.append(f'<g class="bar-group" data-group="{esc(label)}">')
        body.append(f'<text x="{label_w - 8}" y="{y + block_h / 2 + 4:.1f}" text-anchor="end" '
                    f'class="group-label">{esc(label)}</text>')
        for i, b in enumerate(bars):
            by = y + i * (bar_h + 2)
            w = max(plot_w * b.value / vmax, 0)
            colour = SERIES.get(b.series, ("", "#666"))[1]
            tip = b.tooltip or f"{label} · {SERIES.get(b.series, (b.series,))[0]}: {_fmt(b.value)}"
            body.append(
                f'<rect class="bar" x="{label_w}" y="{by}" width="{w:.1f}" height="{bar_h}" fill="{colour}" '
                f'data-series="{esc(b.series)}" data-group="{esc(label)}" data-value="{_fmt(b.value)}">'
                f'<title>{esc(tip)}</title></rect>')
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
        return empty_chart(chart_id, title)
    label_w = int(max(text_width(r[0]) for r in rows)) + 16
    vmax = max(abs(r[1]) for r in rows) or 1
    zero_x = label_w + half_w + 30
    y = 8
    body: list[str] = []
    for label, value, extra, tip in rows:
        w = half_w * abs(value) / vmax
        x = zero_x if value >= 0 else zero_x - w
        colour = SERIES["new"][1] if value > 0 else SERIES["dropped"][1] if value < 0 else "#999999"
        mark_attrs = "".join(f' data-{esc(k)}="{_fmt(v)}"' for k, v in extra.items())
        body.append(f'<g class="bar-group" data-group="{esc(label)}">'
                    f'<text x="{label_w - 8}" y="{y + bar_h - 4}" text-anchor="end" class="group-label">{esc(label)}</text>'
                    f'<rect class="bar" x="{x:.1f}" y="{y}" width="{max(w, 1 if value == 0 else w):.1f}" '
                    f'height="{bar_h}" fill="{colour}" data-series="change" data-group="{esc(label)}" '
                    f'data-value="{_fmt(value)}"{mark_attrs}><title>{esc(tip)}</title></rect>')
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
        return empty_chart(chart_id, title)
    vmax = max(v for _, v in cats) or 1
    top, bottom, left = 18, 40, 10
    colour = SERIES.get(series, ("", "#0072B2"))[1]
    body: list[str] = []
    for i, (label, value) in enumerate(cats):
        h = plot_h * value / vmax
        x = left + i * (col_w + 8)
        y = top + plot_h - h
        body.append(f'<g class="bar-group" data-group="{esc(label)}">'
                    f'<rect class="bar" x="{x}" y="{y:.1f}" width="{col_w}" height="{h:.1f}" fill="{colour}" '
                    f'data-series="{esc(series)}" data-group="{esc(label)}" data-value="{_fmt(value)}">'
                    f'<title>{esc(label)}: {_fmt(value)}</title></rect>'
                    f'<text x="{x + col_w / 2}" y="{y - 4:.1f}" text-anchor="middle" class="value">{_fmt(value)}</text>'
                    f'<text x="{x + col_w / 2}" y="{top + plot_h + 16}" text-anchor="middle" class="group-label">'
                    f'{esc(label)}</text></g>')
    width = left + len(cats) * (col_w + 8) + 10
    body.append(f'<line x1="{left - 4}" y1="{top + plot_h}" x2="{width - 6}" y2="{top + plot_h}" class="axis"/>')
    return _svg(chart_id, title, width, top + plot_h + bottom, "".join(body))


def heatmap(chart_id: str, title: str, row_labels: Sequence[str], col_labels: Sequence[str],
            values: Sequence[Sequence[float]], *, cell_w: int = 92, cell_h: int = 22, colour: str = "0,114,178",
            series: str = "tasks", attrs: dict[str, Any] | None = None) -> str:
    """Matrix of shaded cells (row × column) with the count printed in each non-zero cell."""
    if not row_labels or not col_labels or not any(v for row in values for v in row):
        return empty_chart(chart_id, title)
    label_w = int(max(text_width(r) for r in row_labels)) + 16
    head_lines = [c.split("\n") for c in col_labels]
    head_h = 16 * max(len(h) for h in head_lines) + 8
    cell_w = max(cell_w, int(max(text_width(line) for h in head_lines for line in h)) + 8)
    vmax = max(v for row in values for v in row) or 1
    body: list[str] = []
    for j, lines in enumerate(head_lines):
        cx = label_w + j * cell_w + cell_w / 2
        for k, line in enumerate(lines):
            body.append(f'<text x="{cx:.1f}" y="{14 + 16 * k}" text-anchor="middle" class="col-label">{esc(line)}</text>')
    for i, rlabel in enumerate(row_labels):
        y = head_h + i * cell_h
        body.append(f'<text x="{label_w - 8}" y="{y + cell_h - 7}" text-anchor="end" class="group-label">{esc(rlabel)}</text>')
        for j, clabel in enumerate(col_labels):
            v = values[i][j]
            alpha = 0.08 + 0.92 * v / vmax if v else 0
            x = label_w + j * cell_w
            col = clabel.replace("\n", " ")
            body.append(f'<rect class="cell" x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                        f'fill="rgba({colour},{alpha:.3f})" stroke="#e5e5e5" data-series="{esc(series)}" '
                        f'data-row="{esc(rlabel)}" data-group="{esc(col)}" data-value="{_fmt(v)}">'
                        f'<title>{esc(rlabel)} · {esc(col)}: {_fmt(v)}</title></rect>')
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
        out.append(f'<g class="legend-item" data-series="{esc(s)}"><rect x="{x}" y="6" width="12" height="12" '
                   f'fill="{colour}"/><text x="{x + 16}" y="16" class="legend">{esc(label)}</text></g>')
        x += 16 + int(text_width(label, 11)) + 18
    return "".join(out)


def _svg(chart_id: str, title: str, width: float, height: float, body: str,
         attrs: dict[str, Any] | None = None) -> str:
    extra = "".join(f' data-{esc(k)}="{esc(v)}"' for k, v in (attrs or {}).items())
    return (f'<svg class="chart" data-chart="{esc(chart_id)}" data-empty="false"{extra} xmlns="http://www.w3.org/2000/svg" '
            f'role="img" aria-label="{esc(title)}" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}"><title>{esc(title)}</title>{body}</svg>')


def empty_chart(chart_id: str, title: str) -> str:
    """The placeholder of a chart without data (``data-empty="true"``)."""
    return (f'<div class="chart empty" data-chart="{esc(chart_id)}" data-empty="true">'
            f'{esc(title)}: 暂无数据 (no data yet)</div>')
