"""Parse + task-extraction speed and accuracy on every sample document, against peers.

``python -m benchmarks.parse_bench [--repeats N] [--json OUT]``

1. Builds the sample portals into a temp dir (``sample_portals.build``).
2. Times, per document, what the pipeline does with it (median of N runs, after
   one untimed warm-up): HTML detail pages are decoded, cut by the portal adapter
   and parsed (``parse_bytes``) then read (``extract_tasks``); attachments and the
   seed text dumps go ``parse_bytes`` → ``extract_tasks``. Wall time and CPU time
   (``time.process_time`` plus the CPU of reaped converter children: LibreOffice,
   antiword) are both recorded; on a shared, loaded machine compare CPU time.
   To time another tree (e.g. an older commit) with this script, run it by path from
   that tree: ``cd OLD && PYTHONPATH=OLD python NEW/benchmarks/parse_bench.py``.
3. Accuracy against ``tests/fixtures/gold``: the fraction of gold task fields
   equal after whitespace removal (tasks aligned by position, a missing task
   counts all its fields wrong). Only files that carry the whole task list are
   scored (a cover notice whose tasks are in the attachment is timed only).
4. Peers, in ``.venv-bench`` (subprocess): docling's Word and HTML backends and
   ``pandas.read_html`` on the same .docx/.html files; their tables are mapped to
   rows of [序号, 任务名称, 任务内容, 责任单位, 时间节点] (``peers/parse_peers.py``)
   and scored cell by cell against the same five gold fields; ours is scored on
   the same five fields for the side-by-side table.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from benchmarks import _common as C

# (site, notice date) of the sample work-plan notices → gold seed.
NOTICE_SEEDS = {("shsamr", "2019-05-14"): "001", ("shsamr", "2023-04-24"): "002",
                ("pudong", "2023-04-26"): "003", ("pudong", "2023-05-12"): "000",
                ("jiading", "2023-05-10"): "004"}
# Detail pages that carry the whole task list themselves (prose or inline table).
SELF_CONTAINED_PAGES = {"001", "002", "004"}
FORMATS = ("docx", "xlsx", "pdf", "doc", "doc (antiword path)", "html", "html (other notices)", "text")


@dataclass
class Doc:
    id: str
    fmt: str
    path: Path
    content_type: Optional[str]
    seed: Optional[str]           # gold seed the file is scored against (None = timed only)
    family: Optional[str] = None  # portal family for detail pages
    url: str = ""
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # CPU seconds per run, converter child processes included
    adapter_cpu: list[float] = field(default_factory=list)  # of which the portal adapter (detail pages)
    tasks: list[dict] = field(default_factory=list)
    error: Optional[str] = None


def catalogue(build_dir: Path) -> list[Doc]:
    """Every document served by the sample portals plus the seed text dumps."""
    from sample_portals import build as B

    manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    docs: list[Doc] = []
    for name, site in B.build_sites(with_doc=True).items():
        files = manifest["sites"][name]["files"]
        for n in site.notices:
            if n.href or n.path not in files:
                continue
            if n.meta.get("公开类别") == "内部":
                continue  # robots-disallowed preview pages: never crawled
            seed = NOTICE_SEEDS.get((name, n.day.isoformat()))
            e = files[n.path]
            ctype = e["content_type"] + (f"; charset={e['charset']}" if e["charset"] else "")
            if seed:
                docs.append(Doc(f"{name}:{seed}.html", "html", build_dir / e["file"], ctype,
                                seed if seed in SELF_CONTAINED_PAGES else None, site.family, n.path))
            else:
                docs.append(Doc(f"{name}:{n.path.rsplit('/', 1)[-1]}", "html (other notices)",
                                build_dir / e["file"], ctype, None, site.family, n.path))
            for a in n.attachments:
                ext = a.path.rsplit(".", 1)[-1]
                docs.append(Doc(f"{name}:{seed}.{ext}", ext, build_dir / files[a.path]["file"],
                                a.content_type, seed, None, a.path))
                if ext == "doc" and shutil.which("antiword"):
                    # parse_doc's fallback when LibreOffice is absent: timed and scored too.
                    docs.append(Doc(f"{name}:{seed}.doc/antiword", "doc (antiword path)",
                                    build_dir / files[a.path]["file"], a.content_type, seed, None, a.path))
    for p in sorted(C.SEEDS_DIR.glob("*.txt")):
        docs.append(Doc(f"seed:{p.name}", "text", p, None, p.name[:3]))
    return docs


def ours(doc: Doc) -> Any:
    """Exactly the pipeline's reading of one file (``extract.pipeline.parse_part_bytes``: the WARC read of
    ``parse_archived_part`` left out), then ``extract_tasks``."""
    from extract.pipeline import parse_part_bytes
    from extract.tasks import extract_tasks

    data = doc.path.read_bytes()
    if doc.fmt == "doc (antiword path)":
        from extract.parse.doc import _run_antiword, parse_antiword_text

        d = parse_antiword_text(_run_antiword(data))
        d.warnings.append("read with antiword: table merges unknown")
    else:
        d = parse_part_bytes(data, role="body" if doc.family else "attachment",
                             url="http://127.0.0.1" + (doc.url or ""), family=doc.family or "",
                             content_type=doc.content_type)
    return extract_tasks([d])


def _cpu_s() -> float:
    """CPU seconds used so far by this process plus its reaped children (LibreOffice, antiword)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def time_cpu_repeats(fn: Any, repeats: int) -> tuple[list[float], list[float], Any]:
    """(wall seconds, CPU seconds) of ``repeats`` calls and the last result. CPU time is what a
    loaded, shared machine disturbs least (other processes' load shows in wall time only)."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        c, t = _cpu_s(), time.perf_counter()
        result = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(_cpu_s() - c)
    return walls, cpus, result


def adapter_cpu(doc: Doc, repeats: int) -> list[float]:
    """CPU seconds of the portal adapter's share of ``ours`` (decode + ``parse_detail`` of a detail page,
    crawl code rather than parse + extract), timed apart from it ``repeats`` times; [] for attachments."""
    if not doc.family:
        return []
    from extract.crawl.portals import get_adapter
    from extract.parse.encoding import decode_bytes

    data = doc.path.read_bytes()
    out = []
    for _ in range(repeats):
        start = _cpu_s()
        html, _ = decode_bytes(data, doc.content_type)
        get_adapter(doc.family).parse_detail(html, "http://127.0.0.1" + (doc.url or ""))
        out.append(_cpu_s() - start)
    return out


def run_ours(docs: list[Doc], repeats: int) -> None:
    for d in docs:
        try:
            ours(d)  # warm-up: lazy imports, regex compilation
            n = max(1, min(repeats, 3)) if d.fmt in ("doc", "doc (antiword path)") else repeats  # .doc = a LibreOffice run each
            d.times, d.cpu, ex = time_cpu_repeats(lambda d=d: ours(d), n)
            d.adapter_cpu = adapter_cpu(d, n)
            d.tasks = ex.tasks
        except Exception as exc:  # noqa: BLE001 - report, keep going
            d.error = f"{type(exc).__name__}: {exc}"


def _grid_of_ours(tasks: list[dict]) -> list[list[Optional[str]]]:
    return [[str(t.get("seq")), t.get("task_name"), t.get("task_content"), t.get("responsible_raw"),
             t.get("deadline_raw")] for t in tasks]


def _pct(ok: int, total: int) -> str:
    return f"{100.0 * ok / total:.2f}%" if total else "n/a"


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7, help="timed runs per document (median reported)")
    ap.add_argument("--no-peers", action="store_true", help="skip docling/pandas (no .venv-bench needed)")
    ap.add_argument("--json", type=Path, help="also write the raw figures here")
    ap.add_argument("--formats", help="comma-separated subset of: " + ", ".join(FORMATS))
    args = ap.parse_args(argv)

    from sample_portals import build as B

    with tempfile.TemporaryDirectory(prefix="wp-parse-bench-") as tmp:
        build_dir = Path(tmp) / "build"
        B.build(build_dir, with_doc=True)
        docs = catalogue(build_dir)
        if args.formats:
            wanted = {f.strip() for f in args.formats.split(",")}
            docs = [d for d in docs if d.fmt in wanted]
        run_ours(docs, args.repeats)

        # ---- our figures per format
        print(f"\n## Ours: parse + extract_tasks per format (median of {args.repeats} runs per document)\n")
        rows, out_json = [], {"env": C.env_summary(), "repeats": args.repeats, "formats": {}, "documents": [],
                              "peers": {}}
        all_ok = all_total = 0
        for fmt in FORMATS:
            group = [d for d in docs if d.fmt == fmt]
            if not group:
                continue
            meds = [statistics.median(d.times) for d in group if d.times]
            cpu_meds = [statistics.median(d.cpu) for d in group if d.cpu]
            adapter_meds = [statistics.median(d.adapter_cpu) for d in group if d.adapter_cpu]
            ok = total = 0
            for d in group:
                if d.seed and not d.error:
                    o, t = C.field_accuracy(C.load_gold(d.seed)["tasks"], d.tasks)
                    ok, total = ok + o, total + t
                elif d.seed:
                    total += sum(len(t) for t in C.load_gold(d.seed)["tasks"])
            all_ok, all_total = all_ok + ok, all_total + total
            errors = [d.id for d in group if d.error]
            rows.append([fmt, len(group), f"{len(meds) / sum(meds):.1f}" if meds else "-",
                         f"{statistics.median(meds) * 1000:.2f}" if meds else "-",
                         f"{max(meds) * 1000:.2f}" if meds else "-",
                         f"{statistics.median(cpu_meds) * 1000:.2f}" if cpu_meds else "-",
                         f"{statistics.median(adapter_meds) * 1000:.2f}" if adapter_meds else "-",
                         f"{ok}/{total}" if total else "-", _pct(ok, total), ", ".join(errors) or ""])
            out_json["formats"][fmt] = {"docs": len(group), "docs_per_s": len(meds) / sum(meds) if meds else None,
                                        "median_ms": statistics.median(meds) * 1000 if meds else None,
                                        "median_cpu_ms": statistics.median(cpu_meds) * 1000 if cpu_meds else None,
                                        "median_adapter_cpu_ms": (statistics.median(adapter_meds) * 1000
                                                                  if adapter_meds else None),
                                        "fields_ok": ok, "fields_total": total}
        print(C.table(["format", "docs", "docs/s", "median ms/doc", "max ms/doc", "median CPU ms/doc",
                       "of which adapter CPU ms", "gold fields equal",
                       "accuracy", "errors"], rows))
        print(f"\nAll scored files: {all_ok}/{all_total} gold task fields equal ({_pct(all_ok, all_total)}).")

        print("\n## Ours: per scored document\n")
        rows = []
        for d in docs:
            if d.fmt == "html (other notices)":
                continue
            gold = C.load_gold(d.seed) if d.seed else None
            acc = C.field_accuracy(gold["tasks"], d.tasks) if gold else None
            rows.append([d.id, d.fmt, f"{C.median_ms(d.times):.2f}" if d.times else "-",
                         f"{C.median_ms(d.cpu):.2f}" if d.cpu else "-",
                         f"{len(d.tasks)}/{gold['task_count']}" if gold else f"{len(d.tasks)}/-",
                         _pct(*acc) if acc else "timed only", d.error or ""])
            out_json["documents"].append({"id": d.id, "format": d.fmt, "median_ms": C.median_ms(d.times) if d.times else None,
                                          "median_cpu_ms": C.median_ms(d.cpu) if d.cpu else None,
                                          "tasks": len(d.tasks), "gold_tasks": gold["task_count"] if gold else None,
                                          "fields_ok": acc[0] if acc else None, "fields_total": acc[1] if acc else None})
        print(C.table(["document", "format", "median ms", "median CPU ms", "tasks/gold", "field accuracy", "error"], rows))

        if args.no_peers:
            _dump(args.json, out_json)
            return 0

        # ---- peers on the same .docx and .html files
        same = [d for d in docs if d.fmt in ("docx", "html") and d.seed]
        jobs = [{"id": d.id, "path": str(d.path), "kind": d.fmt} for d in same]
        job_file = Path(tmp) / "jobs.json"
        job_file.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
        peer = C.run_peer("parse_peers.py", [str(job_file), str(args.repeats)])
        versions = C.peer_versions()
        print(f"\n## Side by side on the same .docx/.html files (median of {args.repeats}; "
              "grid accuracy = 5 table fields vs gold)\n")
        rows = []
        tot: dict[str, list[float]] = {}
        for d in same:
            gold = C.load_gold(d.seed)["tasks"]
            ours_ms = C.median_ms(d.times)
            g_ok, g_tot = C.grid_accuracy(gold, _grid_of_ours(d.tasks))
            rows.append([d.id, "ours (extract)", f"{ours_ms:.2f}", "1.00", f"{len(d.tasks)}/{len(gold)}",
                         _pct(g_ok, g_tot), ""])
            acc = tot.setdefault("ours (extract)", [0, 0, 0.0, 0.0])
            acc[0] += g_ok
            acc[1] += g_tot
            acc[2] += ours_ms
            acc[3] += ours_ms
            for r in peer["results"]:
                if r["id"] != d.id:
                    continue
                ms = C.median_ms(r["times"]) if r["times"] else None
                p_ok, p_tot = C.grid_accuracy(gold, r["rows"]) if not r["error"] else (0, len(gold) * 5)
                rows.append([d.id, r["tool"], f"{ms:.2f}" if ms else "-",
                             f"{ms / ours_ms:.2f}" if ms else "-", f"{len(r['rows'])}/{len(gold)}",
                             _pct(p_ok, p_tot), r["error"] or ("no task table found" if not r["tables"] else "")])
                acc = tot.setdefault(r["tool"], [0, 0, 0.0, 0.0])
                acc[0] += p_ok
                acc[1] += p_tot
                acc[2] += ms or 0.0
                acc[3] += ours_ms if ms else 0.0
                out_json["peers"].setdefault(r["tool"], []).append(
                    {"id": d.id, "median_ms": ms, "ours_ms": ours_ms, "rows": len(r["rows"]),
                     "cells_ok": p_ok, "cells_total": p_tot, "error": r["error"]})
            out_json["peers"].setdefault("ours (extract)", []).append(
                {"id": d.id, "median_ms": ours_ms, "cells_ok": g_ok, "cells_total": g_tot})
        print(C.table(["document", "tool", "median ms", "time ratio (tool/ours)", "rows/gold", "grid accuracy",
                       "note"], rows))
        print("\n### Totals over the files each tool ran on\n")
        rows = [[tool, f"{v[2]:.2f}", f"{v[3]:.2f}", f"{v[2] / v[3]:.2f}" if v[3] else "-", _pct(v[0], v[1])]
                for tool, v in tot.items()]
        print(C.table(["tool", "sum of medians ms", "ours on same files ms", "time ratio (tool/ours)",
                       "grid accuracy"], rows))
        tables_only = [d for d in same if C.load_gold(d.seed).get("layout") != "prose"]
        print("\n### Table-bearing files only (" + ", ".join(d.id for d in tables_only) + ")\n")
        rows = []
        for tool in tot:
            ok = total = 0
            ms = ours_ms = 0.0
            for d in tables_only:
                gold = C.load_gold(d.seed)["tasks"]
                if tool == "ours (extract)":
                    o, t = C.grid_accuracy(gold, _grid_of_ours(d.tasks))
                    m = C.median_ms(d.times)
                else:
                    r = next((r for r in peer["results"] if r["id"] == d.id and r["tool"] == tool), None)
                    if r is None:
                        continue
                    o, t = C.grid_accuracy(gold, r["rows"])
                    m = C.median_ms(r["times"]) if r["times"] else 0.0
                ok, total, ms, ours_ms = ok + o, total + t, ms + m, ours_ms + C.median_ms(d.times)
            rows.append([tool, f"{ms:.2f}", f"{ours_ms:.2f}", f"{ms / ours_ms:.2f}" if ours_ms else "-",
                         _pct(ok, total)])
        print(C.table(["tool", "sum of medians ms", "ours on same files ms", "time ratio (tool/ours)",
                       "grid accuracy"], rows))
        print("\nPeer versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
        out_json["peer_versions"] = versions
        _dump(args.json, out_json)
    return 0


def _dump(path: Optional[Path], data: dict) -> None:
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
