"""Every seed, in every format the sample portals serve, reads exactly as the gold.

Documents are read the way the pipeline reads them (notice body cut by the portal
adapter, then one attachment rendition), and matched to a gold file by what the
extractor itself says (jurisdiction, issuer, year) — nothing keyed on file names.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from extract.crawl.crawler import attachment_group
from extract.crawl.portals import get_adapter
from extract.parse.detect import detect_format
from extract.parse.encoding import decode_bytes
from extract.pipeline import parse_part_bytes
from extract.tasks import extract_tasks
from sample_portals.testing import build_once
from tests.conftest import gold_seeds, load_gold

WS = re.compile(r"\s+")
TASK_FIELDS = ("seq", "task_name", "section", "task_content", "responsible_raw", "lead_units", "support_units",
               "units_open_list", "deadline_raw", "deadline_date")
DOC_FIELDS = ("jurisdiction", "level", "issuer", "year", "doc_number", "issued_on", "layout")


def _norm(v):
    if isinstance(v, str):
        return WS.sub("", v)
    if isinstance(v, list):
        return [_norm(x) for x in v]
    return v


def _renditions(build_dir: Path) -> list[tuple[str, list[str], list]]:
    """(label, formats, parts) for every work-plan notice × every rendition of its attachment."""
    manifest = json.loads((build_dir / "manifest.json").read_text())
    out = []
    for site, info in manifest["sites"].items():
        adapter = get_adapter(info["family"])
        for path, f in info["files"].items():
            disallowed = [d for d in [info.get("robots_disallow")] if d]
            # Notice pages: HTML that is not the site root or a list page (jiading's are extensionless).
            if (f["content_type"] != "text/html" or path == "/" or path == info["list_url_path"]
                    or any(path.startswith(d) for d in disallowed)):
                continue
            data = (build_dir / f["file"]).read_bytes()
            html, _ = decode_bytes(data, f.get("content_type"))
            try:
                detail = adapter.parse_detail(html, "http://x" + path)
            except Exception:  # noqa: BLE001 - not a detail page
                continue
            if not ("政务公开工作要点" in detail.title or "任务分解表" in detail.title):
                continue
            body = parse_part_bytes(data, role="body", url="http://x" + path, family=info["family"],
                                 content_type=f.get("content_type"))
            atts = [a for a in detail.attachments if a.url.startswith("http://x/")]
            if not atts or body.tables:
                out.append((f"{site}{path}", ["html"], [body]))  # the notice page itself (inline table)
            # An attachment is read with the notice's prose but without any inline copy of its table.
            prose = type(body)(source_format=body.source_format, meta=body.meta,
                               blocks=[b for b in body.blocks if b.kind != "table"])
            for a in atts:
                apath = a.url.removeprefix("http://x")
                blob = (build_dir / info["files"][apath]["file"]).read_bytes()
                fmt = detect_format(blob)
                out.append((f"{site}{apath} ({attachment_group(a.label, a.url)})", ["html", fmt],
                            [prose, parse_part_bytes(blob, role="attachment", url=a.url, family=info["family"])]))
    return out


@pytest.fixture(scope="module")
def renditions(tmp_path_factory: pytest.TempPathFactory):
    return _renditions(build_once(tmp_path_factory.mktemp("sp_renditions")))


def test_every_format_is_served(renditions) -> None:
    formats = {fmts[-1] for _, fmts, _ in renditions}
    assert {"html", "docx", "pdf", "xlsx"} <= formats
    assert "doc" in formats or pytest.skip("LibreOffice missing: no .doc rendition built")


def test_every_rendition_equals_gold(renditions) -> None:
    golds = {(g["jurisdiction"], g["issuer"], g["year"]): g for g in map(load_gold, gold_seeds())}
    checked: dict[tuple, set[str]] = {}
    problems = []
    for label, fmts, docs in renditions:
        ex = extract_tasks(docs)
        key = (ex.document["jurisdiction"], ex.document["issuer"], ex.document["year"])
        gold = golds.get(key)
        if gold is None:
            problems.append(f"{label}: no gold for {key}")
            continue
        checked.setdefault(key, set()).add(fmts[-1] if len(fmts) > 1 or not docs[0].tables else "html-table")
        for f in DOC_FIELDS:
            if _norm(ex.document.get(f)) != _norm(gold.get(f)):
                problems.append(f"{label}: document.{f} {ex.document.get(f)!r} != {gold.get(f)!r}")
        if len(ex.tasks) != gold["task_count"]:
            problems.append(f"{label}: {len(ex.tasks)} tasks != {gold['task_count']}")
            continue
        for got, want in zip(ex.tasks, gold["tasks"]):
            for f in TASK_FIELDS:
                if _norm(got.get(f)) != _norm(want.get(f)):
                    problems.append(f"{label} seq {want['seq']}: {f} {got.get(f)!r} != {want.get(f)!r}")
    assert problems == [], "\n".join(problems[:40])
    assert len(checked) == 5, checked
    print("\nrenditions checked against gold:", {k[1] + str(k[2]): sorted(v) for k, v in checked.items()})
