"""Crawl + load against the running sample portals (no Airflow): the server's log is the witness.

Each test runs the pipeline stages in-process (``pipeline.run_portal``), the same
functions the crawl DAG's tasks call.
"""

from __future__ import annotations

import io
import re
import threading
from datetime import date
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest

from extract import pipeline, warehouse
from extract.crawl.crawler import RunInfo
from extract.runner import common_free_port
from extract.sources import load_portals
from sample_portals.server import Fault, SamplePortals, start_sample_portals


@pytest.fixture()
def sp(build_dir: Path, wp_var: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SamplePortals]:
    port = common_free_port(20000 + (hash(str(tmp_path)) % 20000))
    monkeypatch.setenv("WP_SAMPLE_PORT", str(port))
    with start_sample_portals(build_dir, port=port, log_path=tmp_path / "requests.jsonl") as portals:
        yield portals


def _run_all(run_id: str) -> dict[str, list[dict[str, Any]]]:
    return {p.id: pipeline.run_portal(p.id, RunInfo("test", run_id)) for p in load_portals()}


def _statuses(results: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    return {k: sorted(r["status"] for r in v) for k, v in results.items()}


_LIST_PATH = re.compile(r"/index(_\d+)?\.html$|/tzgg(_\d+)?$")


def _is_list(r: dict[str, Any]) -> bool:
    """A list request in the server log: shsamr index_N.html, jiading tzgg_N, pudong's API POST."""
    return r["method"] == "POST" or bool(_LIST_PATH.search(r["path"]))


def _q(sql: str, *params: Any) -> list[tuple]:
    with warehouse.connect() as con:
        return con.execute(sql, list(params)).fetchall()


def test_pagination_and_keywords_find_exactly_the_work_plans(sp: SamplePortals) -> None:
    results = _run_all("r1")
    assert _statuses(results) == {"jiading": ["loaded"], "pudong": ["loaded", "loaded"],
                                  "shsamr": ["loaded", "loaded"]}
    assert sorted(r["rows"] for v in results.values() for r in v) == [16, 23, 33, 70, 91]
    # Every list page of every site was walked (two per site), and nothing else but robots, details, attachments.
    lists = [(r["host"], r["method"], r["path"]) for r in sp.requests() if _is_list(r)]
    assert len(lists) == 6 and len(set(lists)) == 5  # pudong: one API path, POSTed for pageNo 1 and 2
    assert sorted(p for _, m, p in lists if m == "GET" and "127.0.0.13" in _) == [
        "/publicity/zfxxgk/tzgg", "/publicity/zfxxgk/tzgg_2"]
    titles = [t for (t,) in _q("select title from raw.notices order by 1")]
    assert len(titles) == 5 and all("政务公开工作要点" in t or "任务分解表" in t for t in titles)


def test_second_run_sends_only_conditional_requests_answered_304(sp: SamplePortals) -> None:
    _run_all("r1")
    seen = len(sp.requests())
    results = _run_all("r2")
    assert all(r["status"] == "skipped" for v in results.values() for r in v)
    second = sp.requests()[seen:]
    gets = [r for r in second if r["method"] == "GET"]
    assert gets and {r["status"] for r in gets} == {304}
    assert all(r.get("if_none_match") or r.get("if_modified_since") for r in gets), gets[:3]
    # A POST cannot be conditional (RFC 9110): the API's first page answers 200 with the same bytes,
    # which counts as unchanged, so its second page is not asked for.
    assert [(r["method"], r["status"]) for r in second if r["method"] == "POST"] == [("POST", 200)]
    api = _q("select count(distinct sha256), count(*), bool_and(state = 'fetched') from raw.crawl_requests "
             "where url like '%/api/data/affair#%\"pageNo\":1%'")
    assert api == [(1, 2, True)]
    assert _q("select count(*) from raw.tasks") == [(233,)]


def test_robots_disallowed_and_off_host_urls_are_never_requested(sp: SamplePortals) -> None:
    trap_hits: list[str] = []
    trap = _trap_server(trap_hits)
    _run_all("r1")
    if trap:
        trap.shutdown()
    assert trap_hits == []
    paths = [r["path"] for r in sp.requests()]
    assert not [p for p in paths if p.startswith(("/cms/preview/", "/zwgk/draft/", "/admin/"))]
    hosts = {urlsplit(u).hostname for (u,) in _q("select url from raw.crawl_requests")}
    assert hosts <= {"127.0.0.11", "127.0.0.12", "127.0.0.13"}


def _trap_server(hits: list[str]):
    """Listen on 127.0.0.99:80 (the off-host links' address) when we may, recording any request."""
    import http.server

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a: object) -> None:
            pass
    try:
        srv = http.server.ThreadingHTTPServer(("127.0.0.99", 80), H)
    except OSError:
        return None
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def test_added_notice_is_found_and_loaded_next_run(sp: SamplePortals, build_dir: Path) -> None:
    _run_all("r1")
    docx = next(build_dir.rglob("*.docx")).read_bytes()
    url = sp.add_notice("jiading", "关于印发《2024年嘉定区政务公开工作要点任务分解表》的通知", date(2024, 5, 6),
                        attachments=[("2024年任务分解表.docx", "/cmsres/ab/0123456789abcdef0123456789abcdef.docx", docx,
                                      "application/vnd.openxmlformats-officedocument.wordprocessingml.document")])
    results = _run_all("r2")
    assert [r["status"] for r in results["jiading"] if r["notice_url"] == url] == ["loaded"]
    assert sorted(r["status"] for r in results["jiading"] if r["notice_url"] != url) == ["skipped"]
    assert _q("select count(*) from raw.documents") == [(6,)]


def test_changed_attachment_becomes_a_new_version_old_one_kept(sp: SamplePortals, build_dir: Path) -> None:
    import docx as pydocx

    _run_all("r1")
    (key, url, old_vid), = _q("""select d.document_key, p.url, dv.document_version_id from raw.version_parts p
                                 join raw.document_versions dv using (document_version_id)
                                 join raw.documents d using (document_key)
                                 where p.format = 'docx' and dv.task_count = 33""")
    path = urlsplit(url).path
    served = sp.lookup("pudong", path)
    d = pydocx.Document(io.BytesIO(served.data))
    cell = d.tables[0].rows[1].cells[2]
    cell.paragraphs[0].text = "依法依规做好浦东新区促进质量发展专项资金项目申报、成果奖励等内容公开。（修订）"
    buf = io.BytesIO()
    d.save(buf)
    sp.replace_file("pudong", path, buf.getvalue())
    results = _run_all("r2")
    assert sorted(r["status"] for r in results["pudong"]) == ["loaded", "skipped"]
    versions = _q("select document_version_id, task_count from raw.document_versions where document_key = ? "
                  "order by fetched_at", key)
    assert len(versions) == 2 and versions[0] == (old_vid, 33) and versions[1][1] == 33
    new_text = _q("select task_content from raw.tasks where document_version_id = ? and seq = 1", versions[1][0])
    old_text = _q("select task_content from raw.tasks where document_version_id = ? and seq = 1", old_vid)
    assert new_text[0][0].endswith("（修订）") and not old_text[0][0].endswith("（修订）")


def test_503_then_200_is_retried_and_loaded(sp: SamplePortals) -> None:
    sp.add_fault(Fault(path="/publicity/zfxxgk/tzgg", status=503, times=2, retry_after=0, site="jiading"))
    results = pipeline.run_portal("jiading", RunInfo("test", "r1"))
    assert [(r["status"], r["rows"]) for r in results] == [("loaded", 91)]
    log = [r["status"] for r in sp.requests() if r["path"] == "/publicity/zfxxgk/tzgg"]
    assert log == [503, 503, 200]


def test_404_attachment_is_recorded_and_the_run_goes_on(sp: SamplePortals, build_dir: Path) -> None:
    import json

    files = json.loads((build_dir / "manifest.json").read_text())["sites"]["jiading"]["files"]
    doc_path = next(p for p in files if p.endswith(".doc"))
    sp.add_fault(Fault(path=doc_path, status=404, site="jiading"))
    results = _run_all("r1")
    # The notice's only copy of that attachment is missing: the notice is quarantined, nothing else suffers.
    assert [r["status"] for r in results["jiading"]] == ["quarantined"]
    assert sorted(r["status"] for r in results["pudong"] + results["shsamr"]) == ["loaded"] * 4
    assert _q("select status, kind from raw.crawl_requests where url like ? ", "%" + doc_path) == [(404, "attachment")]
    (stage, reasons), = _q("select stage, reasons from raw.quarantine where resolved_at is null")
    assert stage == "fetch" and "HTTP 404" in reasons
    # The portal fixes the file: the next run loads the notice and closes its quarantine entry.
    sp.clear_faults()
    results = _run_all("r2")
    assert [(r["status"], r["rows"]) for r in results["jiading"]] == [("loaded", 91)]
    assert _q("select count(*) from raw.quarantine where resolved_at is null") == [(0,)]


def test_malformed_document_is_quarantined_while_others_load_and_retried_by_fixed_parser(
        sp: SamplePortals, monkeypatch: pytest.MonkeyPatch) -> None:
    import extract.tasks as tasks_pkg

    real = tasks_pkg.extract_tasks

    def buggy(docs):  # a parser bug: loses the content of task 3 of every table
        ex = real(docs)
        for t in ex.tasks:
            if t["seq"] == 3 and ex.document.get("layout") == "table":
                t["task_content"] = ""
        return ex

    monkeypatch.setattr(tasks_pkg, "extract_tasks", buggy)
    results = pipeline.run_portal("pudong", RunInfo("test", "r1"))
    statuses = sorted((r["status"]) for r in results)
    assert statuses == ["loaded", "quarantined"]  # 000 (table) stopped, 003 (prose+table) loaded
    (stage, reasons, warc), = _q("select stage, json_extract_string(reasons, '$.reasons'), warc_file "
                                 "from raw.quarantine where resolved_at is null")
    assert stage == "validate" and "task_content" in reasons and warc
    # Same parser again: not retried. Fixed parser (new version): retried and loaded.
    assert sorted(r["status"] for r in pipeline.run_portal("pudong", RunInfo("test", "r2"))) == ["skipped"] * 2
    monkeypatch.setattr(tasks_pkg, "extract_tasks", real)
    monkeypatch.setattr(tasks_pkg, "PARSER_VERSION", tasks_pkg.PARSER_VERSION + "+fix")
    statuses = sorted(r["status"] for r in pipeline.run_portal("pudong", RunInfo("test", "r3")))
    assert statuses == ["loaded", "loaded"]
    assert _q("select count(*) from raw.quarantine where resolved_at is null") == [(0,)]
    assert _q("select sum(task_count) from raw.document_versions") == [(103,)]


def test_weekly_revalidation_policy_makes_a_no_op_run_one_request_per_site(
        sp: SamplePortals, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from extract import settings

    cfg = (settings.CONFIG_DIR / "sources.sample.yml").read_text(encoding="utf-8")
    weekly = tmp_path / "sources.weekly.yml"
    weekly.write_text(cfg.replace("revalidate_days: 0", "revalidate_days: 7"), encoding="utf-8")
    monkeypatch.setenv("WP_SOURCES_FILE", str(weekly))
    assert all(p.revalidate_days == 7 for p in load_portals())
    _run_all("r1")
    seen = len(sp.requests())
    results = _run_all("r2")
    assert results == {"jiading": [], "pudong": [], "shsamr": []}  # nothing due, nothing new
    second = sp.requests()[seen:]
    # robots.txt and the first list page of each site (304; pudong's API POST: 200, same bytes); no detail.
    assert sorted((r["path"].rsplit("/", 1)[-1], r["status"]) for r in second) == \
        [("affair", 200), ("index.html", 304)] + [("robots.txt", 304)] * 3 + [("tzgg", 304)]
    # A new notice changes page 1: it is fetched, the known ones are not.
    url = sp.add_notice("pudong", "2024年浦东新区政务公开工作要点任务分解表", date(2024, 6, 1))
    seen = len(sp.requests())
    results = _run_all("r3")
    assert [r["notice_url"] for r in results["pudong"]] == [url]
    detail_paths = [r["path"] for r in sp.requests()[seen:] if r["path"].endswith(".html") and not _is_list(r)]
    assert detail_paths == [urlsplit(url).path]


def test_notices_to_fetch_policy() -> None:
    from datetime import datetime, timezone

    from extract.pipeline import notices_to_fetch

    now = datetime(2026, 6, 10, tzinfo=timezone.utc)
    known = [
        {"notice_url": "a", "title": "A", "list_url": "l", "checked_at": "2026-06-09T00:00:00+00:00", "loaded": True},
        {"notice_url": "b", "title": "B", "list_url": "l", "checked_at": "2026-05-01T00:00:00+00:00", "loaded": True},
        {"notice_url": "c", "title": "C", "list_url": "l", "checked_at": "2026-06-09T00:00:00+00:00", "loaded": False},
    ]
    discovered = [{"notice_url": "a", "title": "A", "list_url": "l"}, {"notice_url": "n", "title": "N", "list_url": "l"}]
    urls = lambda xs: sorted(x["notice_url"] for x in xs)  # noqa: E731
    assert urls(notices_to_fetch(discovered, known, 7, now)) == ["b", "c", "n"]
    assert urls(notices_to_fetch(discovered, known, 0, now)) == ["a", "b", "c", "n"]
    assert urls(notices_to_fetch([], [], 7, now)) == []


def test_challenged_portal_is_a_crawl_state_archived_alerted_once_and_parsed_never(
        sp: SamplePortals, wp_var: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """412 + $_ts page on every URL of one site: robots.txt unreadable → do not crawl; recorded, archived."""
    from extract.crawl.archive import read_record

    alerts = wp_var / "alerts-test.log"
    monkeypatch.setenv("WP_ALERT_LOG", str(alerts))
    sp.challenge("jiading")
    results = _run_all("r1")
    assert _statuses(results) == {"jiading": [], "pudong": ["loaded", "loaded"], "shsamr": ["loaded", "loaded"]}
    # Only robots.txt was asked (and challenged): no list page, no notice.
    assert [(r["path"], r["status"]) for r in sp.requests() if r["site"] == "jiading"] == [("/robots.txt", 412)]
    rows = _q("select kind, status, state, error, warc_file, warc_offset from raw.crawl_requests "
              "where portal_id = 'jiading'")
    assert [(k, st, state) for k, st, state, *_ in rows] == [("robots", 412, "challenged")]
    assert rows[0][3].startswith("challenged: HTTP 412 ($_ts script)")
    assert b"$_ts" in read_record(rows[0][4], rows[0][5])
    # Once per run, even when the same run meets the challenge again.
    pipeline.run_portal("jiading", RunInfo("test", "r1"))
    sent = [ln for ln in alerts.read_text(encoding="utf-8").splitlines() if "portal_challenged" in ln]
    assert len(sent) == 1 and '"degraded"' in sent[0]
    # The portal lifts the challenge: the next run crawls it in full.
    sp.clear_faults()
    assert [r["status"] for r in pipeline.run_portal("jiading", RunInfo("test", "r2"))] == ["loaded"]


def test_challenge_page_with_200_on_a_notice_is_not_parsed(sp: SamplePortals, wp_var: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A notice answered 200 with a tiny $_ts page: challenged, skipped, never a page-shape error."""
    from extract.sources import get_portal

    monkeypatch.setenv("WP_ALERT_LOG", str(wp_var / "alerts-test.log"))
    pipeline.run_portal("shsamr", RunInfo("test", "r1"))
    url = _q("select notice_url from raw.notices where title like '2019%'")[0][0]
    sp.replace_file("shsamr", urlsplit(url).path, __import__("sample_portals.server").server.CHALLENGE_PAGE)
    plan = pipeline.plan("shsamr")
    doc = pipeline.fetch("shsamr", {"notice_url": url, "title": "x"}, plan, RunInfo("test", "r2"))
    assert doc["action"] == "skip-challenged" and doc["document_version_id"] is None
    assert doc["errors"] == [] and "HTTP 200 ($_ts script)" in doc["challenged"]
    assert [(r["kind"], r["state"]) for r in doc["requests"] if r["kind"] == "detail"] == [("detail", "challenged")]
    assert get_portal("shsamr").family == "shsamr"


def test_known_urls_are_fetched_without_list_markup(sp: SamplePortals, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan found by hand (portal known_urls) is fetched and loaded although no list shows it."""
    from extract import settings

    cfg = (settings.CONFIG_DIR / "sources.sample.yml").read_text(encoding="utf-8")
    import json as _json

    files = _json.loads((Path(sp.build_dir) / "manifest.json").read_text())["sites"]["shsamr"]["files"]
    path = next(p for p in files if p.startswith("/1073/20190514/"))
    url = f"http://127.0.0.11:{sp.port}{path}"
    # The list no longer links the 2019 plan (keywords match nothing), the config names it by hand.
    cfg = cfg.replace("keywords: [政务公开工作要点, 任务分解表]", "keywords: [不存在的关键词]")
    cfg = cfg.replace("    allowed_hosts: [127.0.0.11]", f'    allowed_hosts: [127.0.0.11]\n    known_urls: ["{url}"]')
    custom = tmp_path / "sources.known.yml"
    custom.write_text(cfg, encoding="utf-8")
    monkeypatch.setenv("WP_SOURCES_FILE", str(custom))
    results = pipeline.run_portal("shsamr", RunInfo("test", "r1"))
    assert [(r["notice_url"], r["status"], r["rows"]) for r in results] == [(url, "loaded", 16)]
    assert _q("select notice_url, list_url from raw.notices") == [(url, None)]  # no list page showed it
