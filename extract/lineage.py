"""Trace a warehouse task row to the bytes a portal served, the run that loaded it and its checks.

``python -m extract lineage TASK_ID [--verify]`` prints the chain; ``--verify``
re-reads every archived WARC record and re-hashes it against the recorded sha256.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Optional

from extract import warehouse


class LineageError(Exception):
    """Unknown task id or a broken chain."""


def read_db(db: Optional[Path]) -> Path:
    """Explicit path, else the published read-only copy (never blocks a writer), else the working file."""
    from extract import settings
    from extract.publish import published_db_path

    if db:
        return Path(db)
    return published_db_path() if published_db_path().exists() else settings.warehouse_path()


def trace(task_id: str, *, verify: bool = False, db: Optional[Path] = None) -> dict[str, Any]:
    """The lineage of one task row as a dict (task → version → parts → requests → load → checks)."""
    from extract.crawl.archive import read_record

    with warehouse.connect(read_db(db), read_only=True) as con:
        row = con.execute(
            """select t.task_id, t.seq, t.task_name, t.document_version_id, t.load_id,
                      dv.document_key, d.notice_url, d.portal_id, dv.title, dv.jurisdiction, dv.issuer, dv.plan_year,
                      dv.parser_name, dv.parser_version, dv.source_url, dv.source_format, dv.loaded_at
               from raw.tasks t join raw.document_versions dv using (document_version_id)
               join raw.documents d using (document_key) where t.task_id = ?""", [task_id]).fetchone()
        if row is None:
            raise LineageError(f"no task with task_id {task_id!r}")
        keys = ["task_id", "seq", "task_name", "document_version_id", "load_id", "document_key", "notice_url",
                "portal_id", "title", "jurisdiction", "issuer", "plan_year", "parser_name", "parser_version",
                "source_url", "source_format", "loaded_at"]
        out: dict[str, Any] = dict(zip(keys, row))
        parts = con.execute(
            """select p.part_no, p.role, p.url, p.format, p.sha256,
                      coalesce(src.request_id, r.request_id), coalesce(src.fetched_at, r.fetched_at),
                      coalesce(src.status, r.status), coalesce(src.warc_file, r.warc_file),
                      coalesce(src.warc_offset, r.warc_offset), coalesce(src.etag, r.etag),
                      coalesce(src.content_type, r.content_type), coalesce(src.dag_id, r.dag_id),
                      coalesce(src.run_id, r.run_id)
               from raw.version_parts p join raw.crawl_requests r on r.request_id = p.request_id
               left join raw.crawl_requests src on src.request_id = r.source_request_id
               where p.document_version_id = ? order by p.part_no""", [out["document_version_id"]]).fetchall()
        pkeys = ["part_no", "role", "url", "format", "sha256", "request_id", "fetched_at", "http_status", "warc_file",
                 "warc_offset", "etag", "content_type", "crawl_dag_id", "crawl_run_id"]
        out["parts"] = [dict(zip(pkeys, p)) for p in parts]
        audit = con.execute("select load_id, dag_id, run_id, task_id, started_at, ended_at, rows_loaded, status "
                            "from raw.load_audit where load_id = ?", [out["load_id"]]).fetchone()
        out["load"] = dict(zip(["load_id", "dag_id", "run_id", "airflow_task", "started_at", "ended_at", "rows",
                                "status"], audit)) if audit else None
        out["validation"] = [
            {"suite": v[0], "success": v[1], "evaluated": v[2], "failed": v[3], "gx_version": v[4],
             "validated_at": v[5]}
            for v in con.execute("select suite, success, evaluated, failed, gx_version, validated_at "
                                 "from raw.validation_results where document_version_id = ? order by suite",
                                 [out["document_version_id"]]).fetchall()]
    if verify:
        for p in out["parts"]:
            data = read_record(p["warc_file"], int(p["warc_offset"]))
            p["rehash_sha256"] = hashlib.sha256(data).hexdigest()
            p["verified"] = p["rehash_sha256"] == p["sha256"]
        out["verified"] = all(p["verified"] for p in out["parts"])
    return out


def format_trace(t: dict[str, Any]) -> str:
    """Human-readable chain, one hop per line."""
    lines = [f"task        {t['task_id']}  seq {t['seq']}  {t['task_name']}",
             f"document    {t['document_key']}  {t['jurisdiction']} {t['issuer']} {t['plan_year']}  «{t['title']}»",
             f"version     {t['document_version_id']}  (read from {t['source_format']}: {t['source_url']})",
             f"notice      {t['notice_url']}  (portal {t['portal_id']})"]
    for p in t["parts"]:
        lines.append(f"  part {p['part_no']}  {p['role']}: {p['url']}")
        lines.append(f"          fetched {p['fetched_at']}  HTTP {p['http_status']}  {p['content_type']}")
        lines.append(f"          sha256 {p['sha256']}")
        lines.append(f"          WARC {p['warc_file']} @ {p['warc_offset']}  (crawl run {p['crawl_dag_id']} / "
                     f"{p['crawl_run_id']})")
        if "verified" in p:
            lines.append(f"          re-read: sha256 {'MATCHES' if p['verified'] else 'DIFFERS: ' + p['rehash_sha256']}")
    if t["load"]:
        ld = t["load"]
        lines.append(f"load        {ld['load_id']}  dag {ld['dag_id']}  run {ld['run_id']}  task {ld['airflow_task']}"
                     f"  {ld['status']} {ld['rows']} rows at {ld['ended_at']}")
    lines.append(f"parser      {t['parser_name']} {t['parser_version']}")
    for v in t["validation"]:
        lines.append(f"validation  {v['suite']}: {'passed' if v['success'] else 'FAILED'} "
                     f"({v['evaluated']} expectations, {v['failed']} failed, GX {v['gx_version']})")
    if "verified" in t:
        lines.append(f"verified    {'yes: archived bytes re-hash to the recorded sha256' if t['verified'] else 'NO'}")
    return "\n".join(lines)


def to_json(t: dict[str, Any]) -> str:
    return json.dumps(t, ensure_ascii=False, indent=2, default=str)
