"""Peer table extraction on the sample .docx/.html files (run in .venv-bench).

``python parse_peers.py JOBS.json REPEATS`` where JOBS.json is a list of
{"id", "path", "kind": "docx"|"html"}. For every (file, tool) it times
``REPEATS`` runs of conversion + mapping to the 5-column task grid and prints one
JSON object: {"results": [{"id", "tool", "times", "rows", "tables", "error"}]}.

Tools: docling MsWordDocumentBackend (docx), docling HTMLDocumentBackend (html),
pandas.read_html (html, lxml flavour). Mapping to the grid (same for all tools):
the task tables are those whose first row holds 序号 and 任务内容; columns are
picked by header name (序号, 任务名称, 任务内容, 责任单位|牵头部门|责任处室|…,
时间节点|完成时限|…); repeated header rows are dropped; an empty 任务名称/责任单位/
时间节点 cell is filled from the row above (merged-cell fill — docling and
pandas already repeat spanned cells, so this only matters for flat output).
"""

from __future__ import annotations

import io
import json
import math
import re
import sys
import time
from pathlib import Path

HEAD = {
    "seq": ("序号",),
    "task_name": ("任务名称", "工作任务", "任务"),
    "task_content": ("任务内容", "工作内容", "具体内容"),
    "units": ("责任单位", "牵头部门", "责任部门", "责任处室", "牵头单位"),
    "deadline": ("时间节点", "完成时限", "完成时间", "时限"),
}
ORDER = ("seq", "task_name", "task_content", "units", "deadline")


def _clean(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v).strip()


def _compact(s: str) -> str:
    return re.sub(r"\s+", "", s)


def to_task_grid(tables: list[list[list[str]]]) -> tuple[list[list[str]], int]:
    """Rows of [序号, 任务名称, 任务内容, 责任单位, 时间节点] from every task table."""
    out: list[list[str]] = []
    used = 0
    for t in tables:
        if not t:
            continue
        header = [_compact(c) for c in t[0]]
        if not any(h == "序号" for h in header) or not any(h in HEAD["task_content"] for h in header):
            continue
        used += 1
        cols = {}
        for key in ORDER:
            for j, h in enumerate(header):
                if h in HEAD[key] and j not in cols.values():
                    cols[key] = j
                    break
        prev = None
        for r in t[1:]:
            cells = [_clean(r[cols[k]]) if k in cols and cols[k] < len(r) else "" for k in ORDER]
            if [_compact(c) for c in cells] == [header[cols[k]] if k in cols else "" for k in ORDER]:
                continue  # repeated header row
            if not any(cells):
                continue
            if prev is not None:
                for i in (1, 3, 4):  # merged-cell fill for flat output
                    if not cells[i]:
                        cells[i] = prev[i]
            out.append(cells)
            prev = cells
    return out, used


def docling_tables(data: bytes, kind: str, name: str) -> list[list[list[str]]]:
    from docling.backend.html_backend import HTMLDocumentBackend
    from docling.backend.msword_backend import MsWordDocumentBackend
    from docling.datamodel.base_models import InputFormat
    from docling.datamodel.document import InputDocument

    fmt, backend = ((InputFormat.DOCX, MsWordDocumentBackend) if kind == "docx"
                    else (InputFormat.HTML, HTMLDocumentBackend))
    ind = InputDocument(path_or_stream=io.BytesIO(data), format=fmt, backend=backend, filename=name)
    doc = ind._backend.convert()  # noqa: SLF001 - the backend alone, no model pipeline
    return [[[c.text for c in row] for row in t.data.grid] for t in doc.tables]


def pandas_tables(data: bytes, kind: str, name: str) -> list[list[list[str]]]:
    import pandas as pd

    try:
        dfs = pd.read_html(io.BytesIO(data), flavor="lxml")
    except ValueError:  # "No tables found"
        return []
    out = []
    for df in dfs:
        rows = df.astype(object).values.tolist()
        if list(df.columns) != list(range(len(df.columns))):  # a header row became the column names
            cols = [c[-1] if isinstance(c, tuple) else c for c in df.columns]
            rows = [cols] + rows
        out.append([[_clean(c) for c in r] for r in rows])
    return out


TOOLS = {
    "docling": (("docx", "html"), docling_tables),
    "pandas.read_html": (("html",), pandas_tables),
}


def main() -> int:
    jobs = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    repeats = int(sys.argv[2])
    results = []
    for tool, (kinds, fn) in TOOLS.items():
        for job in jobs:
            if job["kind"] not in kinds:
                continue
            data = Path(job["path"]).read_bytes()
            name = Path(job["path"]).name
            times, rows, used, error = [], [], 0, None
            try:
                fn(data, job["kind"], name)  # warm-up (imports, caches), not timed
                for _ in range(repeats):
                    t = time.perf_counter()
                    rows, used = to_task_grid(fn(data, job["kind"], name))
                    times.append(time.perf_counter() - t)
            except Exception as exc:  # noqa: BLE001 - a peer failing on a file is a result
                error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            results.append({"id": job["id"], "tool": tool, "times": times, "rows": rows, "tables": used,
                            "error": error})
    print(json.dumps({"results": results}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
