"""One-off: turn the flat seed table dumps + gold merge structure into reviewed table sources.

Run once (``python -m sample_portals.tools.make_sources``); the YAML it writes under
``sample_portals/source/`` is the committed, reviewed input of the build. Cell text comes
from the dump (line breaks inside a cell kept); the 任务名称 merge groups come from the gold
(the dump misplaces some merged names, see tests/fixtures/gold/README.md); 责任单位 and
时间节点 merges come from empty cells in the dump. It cross-checks the result against gold.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "sample_portals" / "seeds"
GOLD = ROOT / "tests" / "fixtures" / "gold"
OUT = ROOT / "sample_portals" / "source"

_WS = re.compile(r"\s+")


def _squash(s: str) -> str:
    """Text with all whitespace removed (the gold's comparison rule)."""
    return _WS.sub("", s)


def _cells_indented(text: str) -> tuple[str, list[list[str]]]:
    """Parse a one-cell-per-tab-line dump into (title, rows of 5 cells)."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.strip() == "序号" and ln.startswith("\t"))
    title = "".join(ln.strip() for ln in lines[:start] if ln.strip() and ln.strip() != "附件")
    cells: list[str] = []
    for ln in lines[start:]:
        if ln.startswith("\t"):
            cells.append(ln[1:].strip())
        elif ln.strip():
            cells[-1] = cells[-1] + "\n" + ln.strip()
    if len(cells) % 5:
        raise ValueError(f"{len(cells)} cells is not a multiple of 5")
    rows = [cells[i:i + 5] for i in range(0, len(cells), 5)]
    return title, rows[1:]


def _cells_tabbed(text: str) -> tuple[str, list[list[str]]]:
    """Parse the tab-separated table at the end of seed 003 into (title, rows)."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("序号\t"))
    title = next(ln.strip() for ln in reversed(lines[:start]) if ln.strip())
    rows = [[c.strip() for c in ln.split("\t")] for ln in lines[start + 1:] if ln.count("\t") == 4]
    return title, rows


def _spans(flags: list[bool]) -> list[int]:
    """Given 'row starts a new cell' flags, the rowspan of each starting row (0 = covered)."""
    spans = [0] * len(flags)
    top = 0
    for i, starts in enumerate(flags):
        if starts:
            top = i
        spans[top] += 1
    return spans


def build_source(seed: str) -> dict:
    """Build the source dict for one table seed, cross-checked against its gold."""
    path = next(SEEDS.glob(f"{seed}_*.txt"))
    text = path.read_text(encoding="utf-8")
    title, rows = (_cells_tabbed if seed == "003" else _cells_indented)(text)
    gold = json.loads((GOLD / f"{seed}.json").read_text(encoding="utf-8"))
    tasks = gold["tasks"]
    if len(rows) != len(tasks):
        raise ValueError(f"{seed}: {len(rows)} rows vs {len(tasks)} gold tasks")
    names = [t["task_name"] for t in tasks]
    name_starts = [i == 0 or names[i] != names[i - 1] for i in range(len(rows))]
    unit_starts = [i == 0 or bool(r[3]) or name_starts[i] for i, r in enumerate(rows)]
    dl_starts = [i == 0 or bool(r[4]) for i, r in enumerate(rows)]
    name_sp, unit_sp, dl_sp = _spans(name_starts), _spans(unit_starts), _spans(dl_starts)
    out_rows: list[dict] = []
    unit = dl = ""
    for i, (r, t) in enumerate(zip(rows, tasks)):
        if str(t["seq"]) != r[0]:
            raise ValueError(f"{seed}: seq {r[0]} vs gold {t['seq']}")
        row: dict = {"seq": r[0]}
        if name_sp[i]:
            row["name"] = names[i]
            if name_sp[i] > 1:
                row["name_rows"] = name_sp[i]
        row["content"] = r[2]
        if unit_sp[i]:
            unit = r[3]
            row["units"] = unit
            if unit_sp[i] > 1:
                row["units_rows"] = unit_sp[i]
        if dl_sp[i]:
            dl = r[4]
            row["deadline"] = dl
            if dl_sp[i] > 1:
                row["deadline_rows"] = dl_sp[i]
        problems = []
        if _squash(r[2]) != _squash(t["task_content"]):
            problems.append("content")
        if _squash(unit) != _squash(t["responsible_raw"]):
            problems.append(f"units {unit!r} vs {t['responsible_raw']!r}")
        if _squash(dl) != _squash(t["deadline_raw"]):
            problems.append("deadline")
        if r[1] and _squash(r[1]) != _squash(names[i]):
            problems.append(f"name {r[1]!r} vs {names[i]!r}")
        if problems:
            print(f"{seed} row {r[0]}: " + "; ".join(problems))
        out_rows.append(row)
    return {"seed": seed, "title": title, "header": gold["header"], "rows": out_rows}


def main() -> None:
    """Write sample_portals/source/<seed>.yml for the three table seeds."""
    OUT.mkdir(exist_ok=True)
    for seed in ("000", "003", "004"):
        src = build_source(seed)
        body = yaml.safe_dump(src, allow_unicode=True, sort_keys=False, width=10_000)
        header = (f"# Task table of seed {seed}, reviewed source of the sample-portal build.\n"
                  "# name/units/deadline appear on the TOP row of a merged cell; *_rows = rowspan.\n")
        (OUT / f"{seed}.yml").write_text(header + body, encoding="utf-8")
        print(seed, len(src["rows"]), "rows")


if __name__ == "__main__":
    main()
