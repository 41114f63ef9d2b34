"""The optional browser fetcher: Pudong's script-built column page rendered in the system Chromium."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from extract.crawl import crawler
from extract.crawl.archive import read_record
from extract.crawl.browser import BrowserUnavailable, chromium_path
from extract.crawl.crawler import RunInfo
from extract.sources import get_portal
from sample_portals.server import SamplePortals

try:
    chromium_path()
    import playwright  # noqa: F401
    HAVE_BROWSER = True
except (BrowserUnavailable, ImportError):
    HAVE_BROWSER = False


@pytest.mark.skipif(not HAVE_BROWSER, reason="system Chromium or playwright missing (scripts/setup.sh installs both)")
def test_rendered_list_finds_the_plans_and_archives_every_response(portals: SamplePortals, wp_var: Path) -> None:
    base = portals.base_urls["pudong"].rstrip("/")
    portal = dataclasses.replace(get_portal("pudong"), family="pudong_rendered", fetcher="browser",
                                 start_urls=(base + "/zwgk/zxxxgk/index.html",), list_params={})
    out = crawler.discover(portal, {}, RunInfo("test", "b1"))
    assert out["errors"] == [] and not out["degraded"]
    assert {n["title"] for n in out["notices"]} == {
        "浦东新区人民政府办公室关于印发《2023年浦东新区政务公开工作要点》的通知",
        "浦东新区市场监督管理局关于印发《2023年上海市浦东新区市场监督管理局政务公开工作要点任务分解表》的通知"}
    kinds = [(r["kind"], r["status"], r["url"].removeprefix(base)) for r in out["requests"] if r["kind"] != "robots"]
    # The raw column page and the API answer the script fetched are archived, then the rendered DOM.
    assert ("resource", 200, "/zwgk/zxxxgk/index.html") in kinds
    assert ("resource", 200, "/zwgk-search-front/api/data/affair") in kinds
    (listing,) = [r for r in out["requests"] if r["kind"] == "list"]
    dom = read_record(listing["warc_file"], listing["warc_offset"])
    assert dom.count(b"<li>") == 16 and listing["state"] == "fetched"
    # robots.txt still rules: the draft the page lists is skipped, never requested.
    assert {s["reason"] for s in out["skipped"]} >= {"disallowed by robots.txt"}
    assert not [r for r in portals.requests() if r["path"].startswith("/zwgk/draft/")]
