"""Hostile and unlucky files, generated in code, parsed one by one in a bounded child process.

``python -m benchmarks.hostile`` builds the battery (zip bombs, whole-sheet merges,
a 1,048,576-row sheet, a 2e9 gridSpan, 400 unclosed <div>s, mis-declared charsets,
UTF-16, CID-font PDFs, a 1-byte file, a CSV named .xls), parses each file in a
fresh ``python -m extract parse``-like child under an address-space limit, and
prints per file: outcome (tasks / error), wall seconds and peak RSS, against the
targets (≤ 60 s and ≤ 1.5 GB per file). Exit 1 when a file misses a target or
crashes instead of giving tasks or one clear error. The generators are also used
by the tests (``tests/parse/test_hostile_files.py``), with smaller sizes.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Callable, Optional

REPO = Path(__file__).resolve().parents[1]
TIME_TARGET_S = 60.0
RSS_TARGET_MB = 1536.0
AS_LIMIT_BYTES = 4 * 1024 ** 3  # safety net so a regression cannot take the shared machine down

HEADER = ("序号", "任务名称", "任务内容", "责任单位", "时间节点")
TITLE = "2024年政务公开工作要点任务分解表"


def task_rows(n: int) -> list[tuple[str, ...]]:
    """``n`` task rows of a 任务分解表 (序号, 任务名称, 任务内容, 责任单位, 时间节点)."""
    return [(str(i), f"任务名称{i}", f"推进第{i}项政务公开工作，做好信息发布。", "区政府办公室", "2024年12月底前")
            for i in range(1, n + 1)]


def html_table(n: int, *, meta: str = "utf-8", encoding: str = "utf-8") -> bytes:
    """An HTML page holding a title and an ``n``-row task table, encoded as asked."""
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>" for r in task_rows(n))
    head = "".join(f"<th>{h}</th>" for h in HEADER)
    page = (f"<html><head><meta charset='{meta}'><title>{TITLE}</title></head><body><h1>{TITLE}</h1>"
            f"<table><tr>{head}</tr>{body}</table></body></html>")
    return page.encode(encoding)


def deep_divs(n: int) -> bytes:
    """``n`` tasks, each a paragraph inside one more unclosed <div> than the last (prose layout)."""
    items = "".join(f"<div><p>（{i}）推进第{i}项政务公开工作。责任单位：区政府办公室。</p>" for i in range(1, n + 1))
    return (f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body><div class='article'>"
            f"<h1>{TITLE}</h1><p>一、重点任务</p>{items}</body></html>").encode()


def _rezip(data: bytes, replace: dict[str, Callable[[bytes], bytes]]) -> bytes:
    """Copy a ZIP container, passing the named members through a function."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename in replace:
                body = replace[info.filename](body)
            dst.writestr(info.filename, body, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def xlsx_table(n: int, *, merge: Optional[str] = None, blank_rows: int = 0) -> bytes:
    """An .xlsx with a title row and an ``n``-row task table; optionally one extra merge range
    (e.g. ``A20:XFD1048576``) and ``blank_rows`` further rows each holding one space."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([TITLE])
    ws.append(list(HEADER))
    for r in task_rows(n):
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)

    def patch(xml: bytes) -> bytes:
        if blank_rows:
            first = n + 3
            rows = "".join(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t xml:space="preserve"> </t></is></c></row>'
                           for i in range(first, first + blank_rows))
            xml = xml.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
        if merge:
            xml = xml.replace(b"</sheetData>", f'</sheetData><mergeCells count="1"><mergeCell ref="{merge}"/></mergeCells>'
                              .encode(), 1)
        return xml

    return _rezip(buf.getvalue(), {"xl/worksheets/sheet1.xml": patch})


def docx_table(n: int, *, grid_span: Optional[int] = None, padding_bytes: int = 0) -> bytes:
    """A .docx with a title and an ``n``-row task table; optionally one cell with a huge
    ``w:gridSpan`` and ``padding_bytes`` of whitespace in document.xml (a deflate bomb)."""
    import docx

    d = docx.Document()
    d.add_paragraph(TITLE)
    t = d.add_table(rows=n + 1, cols=len(HEADER))
    for j, h in enumerate(HEADER):
        t.cell(0, j).text = h
    for i, r in enumerate(task_rows(n), start=1):
        for j, v in enumerate(r):
            t.cell(i, j).text = v
    buf = io.BytesIO()
    d.save(buf)

    def patch(xml: bytes) -> bytes:
        if grid_span:
            xml = xml.replace(b"<w:tc><w:tcPr>", f'<w:tc><w:tcPr><w:gridSpan w:val="{grid_span}"/>'.encode(), 1)
        if padding_bytes:
            xml = xml.replace(b"</w:body>", b" " * padding_bytes + b"</w:body>", 1)
        return xml

    return _rezip(buf.getvalue(), {"word/document.xml": patch})


def cid_pdf(glyphs: int = 200) -> bytes:
    """A PDF whose only font is a Type0/Identity-H CID font without a ToUnicode map: its text
    extracts as ``(cid:N)``. Written by hand (objects + xref), no font file embedded."""
    hexes = "".join(f"{19 + i % 40:04X}" for i in range(glyphs))
    lines = "\n".join(f"BT /F1 10 Tf 40 {800 - 14 * k} Td <{hexes[k * 160:(k + 1) * 160]}> Tj ET"
                      for k in range((len(hexes) + 159) // 160))
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /AAAAAA+SimSun /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
        b"<< /Length %d >>\nstream\n" % len(lines) + lines.encode() + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /AAAAAA+SimSun /CIDSystemInfo << /Registry (Adobe) "
        b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /AAAAAA+SimSun /Flags 4 /FontBBox [0 -120 1000 880] /ItalicAngle 0 "
        b"/Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def csv_as_xls(n: int = 5) -> bytes:
    """A CSV export (GBK, as Excel writes it in China) saved under an .xls name."""
    lines = [",".join(HEADER)] + [",".join(r) for r in task_rows(n)]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def _docx_bomb_streamed(total_bytes: int) -> bytes:
    """A .docx whose document.xml inflates to ``total_bytes`` (written in chunks, never held whole)."""
    base = docx_table(3)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename != "word/document.xml":
                dst.writestr(info.filename, body)
                continue
            head, tail = body.split(b"</w:body>", 1)
            member = zipfile.ZipInfo(info.filename)
            member.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(member, "w", force_zip64=True) as fh:
                fh.write(head)
                chunk = b" " * (8 * 1024 * 1024)
                left = total_bytes
                while left > 0:
                    fh.write(chunk[:left])
                    left -= len(chunk)
                fh.write(b"</w:body>" + tail)
    return out.getvalue()


def battery() -> dict[str, tuple[bytes, Optional[str], str]]:
    """name → (bytes, HTTP content type or None, expected outcome: 'tasks:N' or 'error')."""
    return {
        "whole-sheet-merge.xlsx": (xlsx_table(5, merge="A20:XFD1048576"), None, "tasks:5"),
        "whole-sheet-merge-over-table.xlsx": (xlsx_table(5, merge="A1:XFD1048576"), None, "error"),
        "1048576-rows.xlsx": (xlsx_table(5, blank_rows=1_048_576 - 7), None, "tasks:5"),
        "gridspan-2e9.docx": (docx_table(5, grid_span=2_000_000_000), None, "tasks:5"),
        "deflate-bomb-2GiB.docx": (_docx_bomb_streamed(2 * 1024 ** 3), None, "error"),
        "deep-400-divs.html": (deep_divs(400), None, "tasks:400"),
        "gbk-as-latin1.html": (html_table(5, meta="gbk", encoding="gbk"), "text/html; charset=ISO-8859-1", "tasks:5"),
        "utf16-meta-on-utf8.html": (html_table(5, meta="utf-16"), None, "tasks:5"),
        "utf16-bom.html": (html_table(5, meta="utf-16", encoding="utf-16"), None, "tasks:5"),
        "cid-font.pdf": (cid_pdf(), None, "error"),
        "one-byte.doc": (b"x", None, "error"),
        "csv-named.xls": (csv_as_xls(), None, "error"),
    }


_CHILD = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[3]), int(sys.argv[3])))
from extract.parse import ParseError, parse_bytes
from extract.tasks import extract_tasks
try:
    from extract.parse.limits import require_tasks
except ImportError:  # code before issue 13 (to show what the battery catches there)
    def require_tasks(ex): pass
data = open(sys.argv[1], 'rb').read()
try:
    ex = extract_tasks([parse_bytes(data, content_type=sys.argv[2] or None)])
    require_tasks(ex)
    print(json.dumps({"tasks": len(ex.tasks), "warnings": ex.warnings}, ensure_ascii=False))
except ParseError as exc:
    print(json.dumps({"error": str(exc)}, ensure_ascii=False))
sys.stdout.flush()
time.sleep(0.15)  # let the parent sample the final high-water mark
"""


def _vm_hwm_kb(pid: int) -> int:
    """Peak resident set (VmHWM, KiB) of a live process; 0 once it is gone. (wait4's ru_maxrss
    would carry the parent's RSS over fork+exec, so the child's own high-water mark is polled.)"""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_bounded(data: bytes, content_type: Optional[str] = None, *, timeout_s: float = TIME_TARGET_S * 2,
                as_limit: int = AS_LIMIT_BYTES) -> dict:
    """Parse ``data`` in a fresh child process (own process group, address-space limit);
    returns its JSON outcome plus ``seconds`` (wall) and ``peak_mb`` (child's max RSS),
    or ``crash`` with the exit status / ``timeout``."""
    with tempfile.NamedTemporaryFile(prefix="hostile-", delete=False) as fh:
        fh.write(data)
        path = fh.name
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the child writes to it; read and closed below
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, path, content_type or "", str(as_limit)], cwd=str(REPO),
                            stdout=out, stderr=subprocess.PIPE, start_new_session=True)
    result: dict = {}
    peak_kb = 0
    try:
        while True:
            peak_kb = max(peak_kb, _vm_hwm_kb(proc.pid))
            pid, status, _usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout_s:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, _usage = os.wait4(proc.pid, 0)
                result["timeout"] = True
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        result["seconds"] = round(time.monotonic() - started, 2)
        result["peak_mb"] = round(peak_kb / 1024, 1)
        out.seek(0)
        lines = out.read().decode("utf-8", "replace").strip().splitlines()
        if proc.returncode == 0 and lines:
            result.update(json.loads(lines[-1]))
        elif "timeout" not in result:
            err = proc.stderr.read().decode("utf-8", "replace").strip().splitlines() if proc.stderr else []
            result["crash"] = f"exit {proc.returncode}: {err[-1] if err else ''}"
    finally:
        if proc.stderr:
            proc.stderr.close()
        out.close()
        os.unlink(path)
    return result


def main(argv: Optional[list[str]] = None) -> int:
    """Run the battery and print one line per file, then the worst figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", default="", help="only files whose name contains this")
    args = ap.parse_args(argv)
    failed = 0
    worst_s = worst_mb = 0.0
    print(f"{'file':36} {'bytes':>11} {'seconds':>8} {'peak MB':>8}  outcome")
    for name, (data, ctype, expected) in battery().items():
        if args.k not in name:
            continue
        r = run_bounded(data, ctype)
        outcome = (f"tasks:{r['tasks']}" if "tasks" in r else "error" if "error" in r
                   else "TIMEOUT" if r.get("timeout") else f"CRASH {r.get('crash')}")
        ok = outcome == expected and r["seconds"] <= TIME_TARGET_S and r["peak_mb"] <= RSS_TARGET_MB
        failed += not ok
        worst_s, worst_mb = max(worst_s, r["seconds"]), max(worst_mb, r["peak_mb"])
        detail = r.get("error") or "; ".join(r.get("warnings", [])[:2])
        print(f"{name:36} {len(data):>11} {r['seconds']:>8.2f} {r['peak_mb']:>8.1f}  {outcome:10} "
              f"{'ok' if ok else 'MISS (want ' + expected + ')'}  {detail[:90]}")
    print(f"worst: {worst_s:.2f} s (target ≤ {TIME_TARGET_S:.0f} s, ratio {worst_s / TIME_TARGET_S:.2f}), "
          f"{worst_mb:.0f} MB (target ≤ {RSS_TARGET_MB:.0f} MB, ratio {worst_mb / RSS_TARGET_MB:.2f})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
