"""Build crawled-document descriptors like extract.crawl.crawler.fetch_notice returns, from gold rows."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from extract.crawl.archive import WarcArchive
from extract.crawl.crawler import document_key, version_id
from extract.crawl.http import FetchResult
from extract.validate import results_to_rows, validate_extraction
from tests.conftest import load_gold


def crawled_doc(seed: str, *, body: bytes | None = None) -> tuple[dict[str, Any], dict[str, Any], list[dict]]:
    """(descriptor, extraction, validation rows) for a gold seed, its bytes archived in WARC."""
    gold = load_gold(seed)
    url = f"http://127.0.0.12/notice/{seed}.html"
    att_url = f"http://127.0.0.12/files/{seed}.docx"
    body = body or f"<html>{seed}</html>".encode()
    attachment = ("\n".join(t["task_content"] for t in gold["tasks"])).encode()
    parts = []
    with WarcArchive("test") as arc:
        for role, u, data, fmt in (("body", url, body, "html"), ("attachment:t", att_url, attachment, "docx")):
            res = FetchResult(url=u, final_url=u, status=200, headers={"Content-Type": "text/html"}, body=data)
            a = arc.write(res)
            req = {"request_id": uuid.uuid4().hex, "portal_id": "test", "url": u, "final_url": u,
                   "kind": "detail" if role == "body" else "attachment", "status": 200, "error": None,
                   "fetched_at": datetime.now(timezone.utc).isoformat(), "etag": None, "last_modified": None,
                   "content_type": "text/html", "content_length": len(data), "sha256": a.sha256,
                   "warc_file": a.warc_file, "warc_offset": a.warc_offset, "warc_length": a.warc_length,
                   "source_request_id": None, "dag_id": "test", "run_id": "r1"}
            parts.append({"role": role, "url": u, "format": fmt, "request": req, "group": role})
    doc = {"portal_id": "test", "notice_url": url, "document_key": document_key("test", url), "title": seed,
           "list_url": None, "meta": {"发布时间": "2023-05-01"}, "parts": parts,
           "renditions": [{"url": att_url, "format": "docx", "sha256": parts[1]["request"]["sha256"],
                           "request_id": parts[1]["request"]["request_id"], "group": "t", "chosen": True}],
           "errors": [], "notes": [], "requests": [p["request"] for p in parts], "action": "process"}
    doc["document_version_id"] = version_id([p["request"]["sha256"] for p in parts])
    document = {k: gold[k] for k in ("jurisdiction", "level", "issuer", "year", "doc_number", "issued_on", "layout")}
    tasks = gold["tasks"]
    extraction = {"document": document, "tasks": tasks, "warnings": [], "parser_name": "extract.docx",
                  "parser_version": "test", "primary_part": parts[1]}
    outcome = validate_extraction(document, tasks, document_version_id=doc["document_version_id"])
    return doc, extraction, results_to_rows(outcome, doc["document_version_id"], None)


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


# A child loader whose load stalls inside its transaction once the versions' rows are written
# (then it writes the marker file): argv repo root, marker path; the caller appends the load.
STALLING_LOADER = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from tests.load.conftest import crawled_doc
from extract import load, warehouse
from extract.crawl.crawler import RunInfo
orig = load._write_versions
def stall(con, rows, seen, now):
    orig(con, rows, seen, now)
    open(sys.argv[2], "w").write("in-transaction")
    time.sleep(600)
load._write_versions = stall
"""


def kill_mid_transaction(script: str, tmp_path: Path) -> None:
    """Run ``STALLING_LOADER + script`` in a child process; once it writes the marker (it is inside its
    load transaction) SIGKILL it. Fails if it exits or stalls before that."""
    marker = tmp_path / "marker"
    repo = str(Path(__file__).resolve().parents[2])
    proc = subprocess.Popen([sys.executable, "-c", STALLING_LOADER + script, repo, str(marker)], env=os.environ.copy())
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, "loader exited before reaching the transaction"
        assert time.monotonic() < deadline, "loader never reached the transaction"
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
