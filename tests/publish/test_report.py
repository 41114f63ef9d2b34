"""The HTML report: built from the published copy, self-contained, and rendered with
data by a real headless Chromium (DOM dump + screenshot decoded with stdlib zlib)."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from conftest import SEED_TASKS
from tests.chromium import CHROMIUM_FLAGS, find_chromium

TASKS = SEED_TASKS + 23  # + the synthetic 2024 city plan

SERIES_COLOURS = {  # extract.report.SERIES
    "tasks": (0x00, 0x72, 0xB2), "continued": (0x56, 0xB4, 0xE9), "new": (0x00, 0x9E, 0x73),
    "dropped": (0xD5, 0x5E, 0x00),
    "market_supervision": (0xE6, 0x9F, 0x00),
}


# ------------------------------------------------------------------ helpers
class ChartDom(HTMLParser):
    """Marks (elements with data-value) per enclosing chart, table rows, and visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str] | None]] = []
        self.marks: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.charts: list[dict[str, str]] = []
        self.documents: list[dict[str, str]] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        self.elements.append((tag, a))
        chart = a if "data-chart" in a else (self.stack[-1][1] if self.stack else None)
        if "data-chart" in a:
            self.charts.append(a)
        if "data-value" in a and chart:  # a mark inherits its chart's year
            self.marks[chart["data-chart"]].append({"chart-year": chart.get("data-year", ""), **a})
        if tag == "tr" and "data-document-id" in a:
            self.documents.append(a)
        if tag not in ("rect", "line", "meta", "br", "img", "input", "link"):
            self.stack.append((tag, chart))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def values(self, chart: str, series: str | None = None) -> list[float]:
        return [float(m["data-value"]) for m in self.marks[chart] if series in (None, m.get("data-series"))]

    def groups(self, chart: str) -> set[str]:
        return {m.get("data-group", "") for m in self.marks[chart]}


def parse_dom(html_text: str) -> ChartDom:
    p = ChartDom()
    p.feed(html_text)
    p.close()
    return p


def decode_png(path: Path) -> tuple[int, int, int, list[bytes]]:
    """(width, height, bytes per pixel, rows) of an 8-bit RGB/RGBA non-interlaced PNG — stdlib only."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif typ == b"IDAT":
            idat.append(body)
    assert depth == 8 and interlace == 0 and ctype in (2, 6), (depth, ctype, interlace)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


@pytest.fixture(scope="module")
def chromium() -> str:
    return find_chromium()


def run_chromium(binary: str, url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    profile.mkdir(parents=True, exist_ok=True)
    cmd = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, f"chromium failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def rendered(published_seeds, chromium: str, tmp_path_factory: pytest.TempPathFactory):
    report = Path(published_seeds.result["report"])
    work = tmp_path_factory.mktemp("chromium")
    dom = run_chromium(chromium, report.as_uri(), work / "profile-dom", "--dump-dom").stdout
    shot = work / "report.png"
    run_chromium(chromium, report.as_uri(), work / "profile-shot", f"--screenshot={shot}", "--window-size=1400,3000")
    return parse_dom(dom), shot


# ------------------------------------------------------------------ tests
def test_publish_writes_report_next_to_the_copy(published_seeds):
    report = Path(published_seeds.result["report"])
    assert report == published_seeds.publish_dir / "report.html"
    assert not list(report.parent.glob("*.tmp")) and not list(report.parent.glob(".report.*"))
    text = report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text


def test_report_figures_match_the_marts(published_seeds):
    dom = parse_dom(Path(published_seeds.result["report"]).read_text(encoding="utf-8"))
    yoy: dict[str, dict[str, float]] = defaultdict(dict)
    for m in dom.marks["yoy-publisher"]:
        yoy[m["data-group"]][m["data-series"]] = float(m["data-value"])
    assert yoy == {
        "上海市市场监督管理局 2024 vs 2023": {"tasks_previous": 23, "tasks": 23, "continued": 22, "new": 1, "dropped": 1},
        "上海市市场监督管理局 2023 vs 2019": {"tasks_previous": 16, "tasks": 23, "continued": 8, "new": 15, "dropped": 8},
    }
    # the continued tasks side by side: one row per continued task, with score, band and shared terms
    text = Path(published_seeds.result["report"]).read_text(encoding="utf-8")
    assert text.count('<tr class="continued-task"') == 22 + 8
    assert '<table class="continued" data-publisher="上海市市场监督管理局" data-year="2023" data-previous-year="2019">' in text
    assert "11. 扎实推进市局重大行政决策事项目录管理" in text
    # per-theme changes sum to each plan's net change
    themes = [c for c in dom.charts if c["data-chart"] == "yoy-themes"]
    assert sorted(c["data-year"] for c in themes) == ["2023", "2024"]
    assert sum(float(m["data-value"]) for m in dom.marks["yoy-themes"] if m["chart-year"] == "2023") == 23 - 16
    assert sum(float(m["data-value"]) for m in dom.marks["yoy-themes"] if m["chart-year"] == "2024") == 0
    jur = {(m["data-group"], m["data-series"]): float(m["data-value"])
           for m in dom.marks["jurisdiction-tasks"] if m["chart-year"] == "2023"}
    assert jur == {("上海市", "market_supervision"): 23, ("嘉定区", "government"): 91,
                   ("浦东新区", "government"): 70, ("浦东新区", "market_supervision"): 33}
    assert [m["data-value"] for m in dom.marks["jurisdiction-tasks"] if m["chart-year"] == "2019"] == ["16"]
    assert sum(dom.values("jurisdiction-tasks")) == TASKS
    assert sum(dom.values("jurisdiction-themes")) == TASKS
    assert sum(dom.values("deadline-profile")) == TASKS
    months = published_seeds.query(
        "select count(*) from marts.fct_work_plan_tasks where deadline_kind in ('month', 'day')")[0][0]
    assert sum(dom.values("deadline-months")) == months >= 14  # 13 in the seeds + 9月 of the new 2024 task
    assert len(dom.documents) == 6
    assert sum(int(d["data-tasks"]) for d in dom.documents) == TASKS
    assert {d["data-validation"] for d in dom.documents} == {"passed"}
    built = [a for t, a in dom.elements if t == "time" and a.get("id") == "built-at"]
    assert built and built[0]["datetime"].startswith("20")
    quarantined = [a for t, a in dom.elements if "data-quarantined" in a]
    assert quarantined and quarantined[0]["data-quarantined"] == "1"


def test_report_is_self_contained(published_seeds):
    text = Path(published_seeds.result["report"]).read_text(encoding="utf-8")
    dom = parse_dom(text)
    assert not [a for t, a in dom.elements if t in ("script", "link", "img", "iframe")]
    assert "@import" not in text and "url(" not in text
    # the only absolute URLs are the source notice links of the documents table
    assert all(a.get("href", "").startswith("https://") for t, a in dom.elements if t == "a")


def test_report_renders_with_data_in_chromium(rendered):
    dom, _ = rendered
    assert {c["data-chart"] for c in dom.charts} >= {
        "yoy-publisher", "yoy-themes", "jurisdiction-tasks", "jurisdiction-themes", "deadline-months",
        "deadline-profile"}
    assert all(c["data-empty"] == "false" for c in dom.charts)
    assert len([v for v in dom.values("yoy-publisher") if v > 0]) >= 5
    assert {"上海市", "浦东新区", "嘉定区"} <= dom.groups("jurisdiction-tasks")
    assert len([v for v in dom.values("jurisdiction-themes") if v > 0]) >= 20
    assert len([v for v in dom.values("deadline-months") if v > 0]) >= 4
    text = "".join(dom.text)
    assert "营商环境" in text and "逐年对比" in text and "上海市市场监督管理局" in text


def test_report_screenshot_is_not_blank(rendered):
    _, shot = rendered
    w, h, bpp, rows = decode_png(shot)
    assert (w, h) == (1400, 3000)
    colours: dict[tuple[int, int, int], int] = defaultdict(int)
    non_white = 0
    for row in rows:
        for x in range(0, w * bpp, bpp):
            px = (row[x], row[x + 1], row[x + 2])
            if px != (255, 255, 255):
                non_white += 1
                colours[px] += 1
    share = non_white / (w * h)
    assert 0.02 < share < 0.7, f"non-white share {share:.3f}"
    for series, rgb in SERIES_COLOURS.items():
        assert colours[rgb] > 2000, f"{series} bars ({rgb}) barely visible: {colours[rgb]} px"
    # text was drawn (many distinct anti-aliased greys), not only flat bars
    assert len(colours) > 200


def test_cjk_font_available_for_rendering():
    """Without a CJK font Chromium draws tofu boxes for the Chinese labels."""
    if not shutil.which("fc-list"):
        pytest.skip("fontconfig (fc-list) not installed")
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=True, timeout=30).stdout
    assert out.strip(), "no CJK font: install Debian package fonts-noto-cjk (or fonts-wqy-zenhei)"


def test_report_on_a_warehouse_without_marts(tmp_path: Path):
    from extract.report import build_report
    from extract.warehouse import ensure_raw_schema

    db = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(db))
    ensure_raw_schema(con)
    con.close()
    out = build_report(db, tmp_path / "out")
    dom = parse_dom(out.read_text(encoding="utf-8"))
    empties = [a for t, a in dom.elements if a.get("data-empty") == "true"]
    assert len(empties) >= 3
    assert all(c["data-empty"] == "true" for c in dom.charts)
    assert not dom.documents
    assert os.stat(out).st_mode & 0o777 == 0o644
