"""Issue 13, crawl and load: redirects, robots answers, dripping bodies, lying attachments,
partial versions and quarantine entries, against real loopback servers."""

from __future__ import annotations

import http.server
import json
import os
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from extract import pipeline
from extract.crawl.crawler import RunInfo
from extract.crawl.http import Fetcher
from sample_portals.server import Fault, SamplePortals
from tests.crawl.test_http import _Handler as _BaseHandler  # quiet log, _send
from tests.crawl.test_incremental import _q, _run_all, sp  # noqa: F401 - sp is a fixture


class _Handler(_BaseHandler):
    hits: list[str] = []  # type: ignore[assignment]  # noqa: RUF012 - "host/path" of every request
    robots: tuple[int, bytes, str] = (200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
    foreign = ""

    def do_GET(self) -> None:  # noqa: N802
        self.hits.append(f"{self.server.server_address[0]}{self.path}")
        if self.path == "/robots.txt":
            status, body, ctype = self.robots
            return self._send(status, body, {"Content-Type": ctype})
        if self.path == "/away":
            return self._send(302, headers={"Location": self.foreign + "/plan.docx"})
        if self.path == "/hop":
            return self._send(301, headers={"Location": "/ok"})
        if self.path == "/hop-private":
            return self._send(302, headers={"Location": "/private/x"})
        if self.path == "/loop":
            return self._send(302, headers={"Location": "/loop2"})
        if self.path == "/loop2":
            return self._send(302, headers={"Location": "/loop"})
        if self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(100):  # one byte every 0.2 s: 20 s in all
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)
            return None
        return self._send(200, b"hello")


def _serve(host: str) -> http.server.ThreadingHTTPServer:
    srv = http.server.ThreadingHTTPServer((host, 0), _Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.fixture
def hosts() -> Iterator[tuple[str, str]]:
    """(allowed origin on 127.0.0.1, foreign origin on 127.0.0.2)."""
    _Handler.hits = []
    _Handler.robots = (200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
    a, b = _serve("127.0.0.1"), _serve("127.0.0.2")
    _Handler.foreign = f"http://127.0.0.2:{b.server_port}"
    yield f"http://127.0.0.1:{a.server_port}", _Handler.foreign
    a.shutdown()
    b.shutdown()


def _fetcher(**kw: object) -> Fetcher:
    args = {"allowed_hosts": ("127.0.0.1",), "min_delay_s": 0.0, "backoff_base_s": 0.01, "max_retries": 0, **kw}
    return Fetcher(**args)  # type: ignore[arg-type]


# -- 1. redirects ----------------------------------------------------------------------
def test_redirect_to_a_host_outside_allowed_hosts_is_refused_before_it_is_requested(hosts) -> None:
    home, foreign = hosts
    res = _fetcher().fetch(home + "/away")
    assert res.body is None and res.status == 302
    assert res.error == f"redirect to {foreign}/plan.docx refused: off-host: not in allowed_hosts"
    assert [h for h in _Handler.hits if h.startswith("127.0.0.2")] == []


def test_each_hop_passes_robots_and_waits_its_politeness_turn(hosts) -> None:
    home, _ = hosts
    f = _fetcher(min_delay_s=0.4)
    started = time.monotonic()
    ok = f.fetch(home + "/hop")
    assert (ok.status, ok.body, ok.url, ok.final_url, ok.redirects) == (200, b"hello", home + "/hop", home + "/ok",
                                                                       [home + "/ok"])
    assert time.monotonic() - started >= 0.8  # robots.txt, /hop, /ok: two waits
    refused = f.fetch(home + "/hop-private")
    assert refused.error == f"redirect to {home}/private/x refused: disallowed by robots.txt"
    assert "127.0.0.1/private/x" not in _Handler.hits
    assert f.fetch(home + "/loop").error == f"redirect to {home}/loop refused: redirect loop"


# -- 2. robots.txt answers ------------------------------------------------------------------
@pytest.mark.parametrize("status, body, ctype, reason", [
    (401, b"", "text/plain", "robots.txt answered HTTP 401"),
    (403, b"", "text/plain", "robots.txt answered HTTP 403"),
    (412, b"<html><script>$_ts=1</script></html>", "text/html", "robots.txt answered HTTP 412"),
    (429, b"", "text/plain", "robots.txt answered HTTP 429"),
    (503, b"", "text/plain", "robots.txt answered HTTP 503"),
    (200, b"<html><body>Just a moment...</body></html>", "text/html",
     "robots.txt answered with an HTML page (challenge or error page)"),
    (200, b"hello there", "text/plain", "robots.txt answered with text that has no robots directive"),
])
def test_robots_answer_other_than_404_410_closes_the_host_for_this_run(
        hosts, status: int, body: bytes, ctype: str, reason: str) -> None:
    home, _ = hosts
    _Handler.robots = (status, body, ctype)
    f = _fetcher()
    assert f.fetch(home + "/page").error == "disallowed by robots.txt"
    assert f.blocked == {home: f"{reason}: host not crawled this run"}
    assert _Handler.hits == ["127.0.0.1/robots.txt"]


@pytest.mark.parametrize("status", [404, 410])
def test_robots_404_or_410_means_allow_all(hosts, status: int) -> None:
    home, _ = hosts
    _Handler.robots = (status, b"", "text/plain")
    f = _fetcher()
    assert f.fetch(home + "/private/page").body == b"hello" and f.blocked == {}


def test_robots_403_on_a_portal_is_recorded_and_alerted(sp: SamplePortals, wp_var: Path) -> None:  # noqa: F811
    sp.add_fault(Fault(path="/robots.txt", status=403, site="jiading"))
    p = pipeline.plan("jiading")
    discovery = pipeline.discover("jiading", p, RunInfo("test", "r1"))
    origin = discovery["requests"][0]["url"].rsplit("/", 1)[0]
    assert f"{origin}: robots.txt answered HTTP 403: host not crawled this run" in discovery["errors"]
    assert discovery["notices"] == []
    assert [r["path"] for r in sp.requests()] == ["/robots.txt"]
    alerts = [json.loads(line) for line in (wp_var / "alerts.log").read_text().splitlines()]
    assert [(a["kind"], a["portal_id"], a["origin"]) for a in alerts] == [("robots_blocked", "jiading", origin)]


# -- 3. a body that drips ---------------------------------------------------------------------
def test_a_dripping_body_is_cut_at_the_total_deadline(hosts) -> None:
    home, _ = hosts
    started = time.monotonic()
    res = _fetcher(timeout_s=1.0, deadline_s=1.5).fetch(home + "/drip")
    assert time.monotonic() - started < 5
    assert res.body is None and res.error == "Timeout: download exceeded the 2s deadline"


# -- 11. an attachment that is not the format it claims ------------------------------------------
CHALLENGE = b"<html><head><script>var $_ts={};</script></head><body>Please wait...</body></html>"


def _attachment(site: str, day: str, ext: str) -> str:
    """Path of one attachment of the sample portals (hashed names, as the real portals serve them)."""
    from sample_portals import build as B

    notice = next(n for n in B.build_sites(with_doc=True)[site].notices if n.day.isoformat() == day)
    return next(a.path for a in notice.attachments if a.path.endswith(ext))


DOCX_0426 = _attachment("pudong", "2023-04-26", ".docx")
PDF_0426 = _attachment("pudong", "2023-04-26", ".pdf")
NOTICE_0426 = f"(source_url like '%{DOCX_0426}' or source_url like '%{PDF_0426}')"


ERROR_PAGE = ("<html><head><title>系统维护</title></head><body><h1>系统维护中</h1><p>"
              + "网站正在维护，请稍后再试。" * 40 + "</p></body></html>").encode("utf-8")


@pytest.mark.parametrize("body,reason", [
    (CHALLENGE, "challenged: HTTP 200 ($_ts script)"),
    (ERROR_PAGE, "dropped: linked as .docx but the bytes are html (a challenge or error page?)"),
], ids=["challenge", "error-page"])
def test_challenge_page_in_place_of_the_docx_is_dropped_and_the_pdf_stands(
        sp: SamplePortals, body: bytes, reason: str) -> None:  # noqa: F811
    sp.replace_file("pudong", DOCX_0426, body)
    results = pipeline.run_portal("pudong", RunInfo("test", "r1"))
    assert sorted((r["status"], r["rows"]) for r in results) == [("loaded", 33), ("loaded", 70)]
    (fmt, warnings, missing), = _q(
        f"""select p.format, v.warnings, v.missing_parts from raw.version_parts p
           join raw.document_versions v using (document_version_id) where p.url like '%{PDF_0426}'""")
    assert fmt == "pdf"
    dropped = f"attachment http://127.0.0.12:{os.environ['WP_SAMPLE_PORT']}{DOCX_0426}: {reason}"
    assert json.loads(missing) == [dropped] and f"partial: {dropped}" in json.loads(warnings)


# -- 12. a partial version never replaces a complete one ---------------------------------------------
def test_partial_version_is_not_loaded_over_a_complete_one(sp: SamplePortals) -> None:  # noqa: F811
    _run_all("r1")
    before = _q("select document_version_id from raw.document_versions order by 1")
    sp.add_fault(Fault(path=DOCX_0426, status=503, site="pudong"))
    assert sorted(r["status"] for r in pipeline.run_portal("pudong", RunInfo("test", "r2"))) == ["skipped"] * 2
    sp.clear_faults()
    assert sorted(r["status"] for r in pipeline.run_portal("pudong", RunInfo("test", "r3"))) == ["skipped"] * 2
    assert _q("select document_version_id from raw.document_versions order by 1") == before
    assert _q("select count(*) from raw.tasks") == [(233,)]


def test_partial_version_loaded_first_is_retried_and_superseded(sp: SamplePortals) -> None:  # noqa: F811
    sp.add_fault(Fault(path=DOCX_0426, status=503, site="pudong"))
    assert sorted(r["status"] for r in pipeline.run_portal("pudong", RunInfo("test", "r1"))) == ["loaded"] * 2
    (fmt, missing), = _q("select source_format, json_array_length(missing_parts) from raw.document_versions "
                         f"where {NOTICE_0426}")
    assert (fmt, missing) == ("pdf", 1)
    sp.clear_faults()
    results = pipeline.run_portal("pudong", RunInfo("test", "r2"))
    assert sorted(r["status"] for r in results) == ["loaded", "skipped"]
    assert _q(f"""select source_format, coalesce(json_array_length(missing_parts), 0) from raw.document_versions
                 where {NOTICE_0426} order by fetched_at""") == [("pdf", 1), ("docx", 0)]


# -- 13. a quarantine entry is resolved when the document is healthy again -----------------------------
def test_quarantine_entry_is_resolved_when_the_loaded_version_comes_back(
        sp: SamplePortals, build_dir: Path) -> None:  # noqa: F811
    files = json.loads((build_dir / "manifest.json").read_text())["sites"]["jiading"]["files"]
    doc_path = next(p for p in files if p.endswith(".doc"))
    _run_all("r1")
    sp.add_fault(Fault(path=doc_path, status=404, site="jiading"))
    assert [r["status"] for r in pipeline.run_portal("jiading", RunInfo("test", "r2"))] == ["quarantined"]
    assert _q("select count(*) from raw.quarantine where resolved_at is null") == [(1,)]
    sp.clear_faults()
    assert [r["status"] for r in pipeline.run_portal("jiading", RunInfo("test", "r3"))] == ["skipped"]
    assert _q("select count(*) from raw.quarantine where resolved_at is null") == [(0,)]
