"""Shared helpers: the peer venv, gold rows, whitespace-insensitive comparison, timing."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

from tests.gold import load_gold, nows  # noqa: F401  (load_gold re-exported for the scripts)

REPO = Path(__file__).resolve().parents[1]
SEEDS_DIR = REPO / "sample_portals" / "seeds"
BENCH_VENV = Path(os.environ.get("WP_BENCH_VENV", REPO / ".venv-bench"))
PEERS_DIR = Path(__file__).resolve().parent / "peers"

# The five columns of a task table as served (序号, 任务名称, 任务内容, 责任单位, 时间节点)
# and the gold task field each one feeds.
GRID_FIELDS = ("seq", "task_name", "task_content", "responsible_raw", "deadline_raw")


def bench_python() -> Path:
    """Python of the peer venv (created by hand, see docs/BENCHMARKS.md)."""
    py = BENCH_VENV / "bin" / "python"
    if not py.exists():
        raise SystemExit(f"peer venv missing: {py} (see docs/BENCHMARKS.md, 'Peer venv')")
    return py


def run_peer(script: str, args: list[str], timeout: float = 3600) -> dict[str, Any]:
    """Run ``benchmarks/peers/<script>`` in the peer venv; it prints one JSON object last."""
    proc = subprocess.run([str(bench_python()), str(PEERS_DIR / script), *args], check=False, capture_output=True,
                          text=True, timeout=timeout, cwd=str(REPO))
    if proc.returncode != 0:
        raise RuntimeError(f"{script} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def peer_versions() -> dict[str, str]:
    """Installed versions of the peer packages (empty when the venv is missing)."""
    try:
        py = bench_python()
    except SystemExit:
        return {}
    code = ("import json,importlib.metadata as m\nout={}\n"
            "for n in ('docling-slim','docling-core','pandas','lxml','beautifulsoup4','python-docx','Scrapy','Twisted'):\n"
            "  try: out[n]=m.version(n)\n  except Exception: pass\n"
            "import sys; out['python']=sys.version.split()[0]\nprint(json.dumps(out))")
    proc = subprocess.run([str(py), "-c", code], check=False, capture_output=True, text=True, timeout=60)
    return json.loads(proc.stdout) if proc.returncode == 0 else {}


def field_accuracy(gold_tasks: list[dict], got_tasks: list[dict],
                   fields: Optional[tuple[str, ...]] = None) -> tuple[int, int]:
    """(equal fields, gold fields): tasks aligned by position; a missing task counts all its fields wrong."""
    ok = total = 0
    for i, want in enumerate(gold_tasks):
        got = got_tasks[i] if i < len(got_tasks) else {}
        for name in (fields or tuple(want)):
            if name not in want:
                continue
            total += 1
            ok += nows(got.get(name)) == nows(want[name])
    return ok, total


def grid_accuracy(gold_tasks: list[dict], rows: list[list[Optional[str]]]) -> tuple[int, int]:
    """(equal cells, gold cells) of a 5-column task grid against the gold's table fields.

    序号 is compared as text (gold ints → str); a null gold deadline matches an empty cell.
    """
    ok = total = 0
    for i, want in enumerate(gold_tasks):
        total += len(GRID_FIELDS)
        if i >= len(rows):
            continue  # a missing row gets no credit, not even for a null gold deadline
        for name, cell in zip(GRID_FIELDS, rows[i]):
            w = want.get(name)
            w = "" if w is None else str(w)
            ok += nows(w) == nows(cell or "")
    return ok, total


def time_repeats(fn: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    """Wall seconds of ``repeats`` calls and the last result."""
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return times, result


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000.0


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A GitHub-markdown table (also readable on a terminal)."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, cells)])


def env_summary() -> dict[str, str]:
    import platform

    return {"python": sys.version.split()[0], "platform": platform.platform(),
            "cpus": str(os.cpu_count()), "machine": platform.machine()}
