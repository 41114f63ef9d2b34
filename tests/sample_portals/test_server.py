"""The sample-portal server: conditional requests, charsets, faults, runtime changes, log."""

from __future__ import annotations

import time
from datetime import date

import requests

from extract.crawl.portals import get_adapter
from sample_portals.server import Fault, SamplePortals


def _url(sp: SamplePortals, site: str, path: str) -> str:
    return sp.base_urls[site].rstrip("/") + path


def test_addresses_and_charsets(portals: SamplePortals) -> None:
    """Each site on its own loopback address; charset in Content-Type as in the manifest."""
    assert set(portals.base_urls) == {"shsamr", "pudong", "jiading"}
    assert portals.base_urls["pudong"].startswith("http://127.0.0.12:")
    r = requests.get(_url(portals, "pudong", "/zwgk/zxxxgk/index.html"))
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    r = requests.get(_url(portals, "shsamr", "/1073/index_2.html"))
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/html"
    r = requests.get(_url(portals, "pudong", "/robots.txt"))
    assert "Disallow: /zwgk/draft/" in r.text


def test_conditional_requests(portals: SamplePortals) -> None:
    """Strong ETag and Last-Modified; 304 on If-None-Match and on If-Modified-Since."""
    url = _url(portals, "pudong", "/cmsres/52/5273651f5dde5e5f1d7b07c7d42b6010.docx")
    r = requests.get(url)
    etag, lm = r.headers["ETag"], r.headers["Last-Modified"]
    assert r.status_code == 200 and etag.startswith('"') and not etag.startswith("W/")
    assert r.content[:2] == b"PK"
    assert requests.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert requests.get(url, headers={"If-Modified-Since": lm}).status_code == 304
    assert requests.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert requests.get(url, headers={"If-Modified-Since": "Sun, 01 Jan 2023 00:00:00 GMT"}).status_code == 200
    log = portals.requests()
    assert [e["status"] for e in log] == [200, 304, 304, 200, 200]
    assert log[1]["if_none_match"] == etag and log[2]["if_modified_since"] == lm
    assert {"time", "host", "method", "path", "status", "user_agent"} <= set(log[0])


def test_faults(portals: SamplePortals) -> None:
    """503 N times then 200, 429 with Retry-After, 404, slow answers."""
    site, path = "jiading", "/publicity/zfxxgk/tzgg"
    portals.add_fault(Fault(path, 503, times=2, retry_after=3))
    statuses = [requests.get(_url(portals, site, path)) for _ in range(3)]
    assert [r.status_code for r in statuses] == [503, 503, 200]
    assert statuses[0].headers["Retry-After"] == "3"
    portals.add_fault(Fault("/publicity/zfxxgk/tzgg_2", 429, times=1, retry_after=7))
    r = requests.get(_url(portals, site, "/publicity/zfxxgk/tzgg_2"))
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    portals.add_fault(Fault("/robots.txt", 404, site="jiading"))
    assert requests.get(_url(portals, site, "/robots.txt")).status_code == 404
    assert requests.get(_url(portals, "pudong", "/robots.txt")).status_code == 200
    assert requests.get(_url(portals, site, "/no/such/page.html")).status_code == 404
    portals.add_fault(Fault("/", 200, delay=0.4))
    t0 = time.monotonic()
    assert requests.get(_url(portals, site, "/")).status_code == 200
    assert time.monotonic() - t0 >= 0.4
    portals.clear_faults()
    assert requests.get(_url(portals, site, "/robots.txt")).status_code == 200


def test_control_api(portals: SamplePortals) -> None:
    """Faults can be switched over HTTP too."""
    base = portals.base_urls["shsamr"].rstrip("/")
    assert requests.get(base + "/__control/fault?path=/robots.txt&status=503&times=1&retry_after=2").status_code == 200
    r = requests.get(base + "/robots.txt")
    assert r.status_code == 503 and r.headers["Retry-After"] == "2"
    assert requests.get(base + "/robots.txt").status_code == 200
    requests.get(base + "/__control/fault?path=/robots.txt&status=404")
    assert requests.get(base + "/robots.txt").status_code == 404
    requests.get(base + "/__control/reset")
    assert requests.get(base + "/robots.txt").status_code == 200


def test_replace_file_changes_etag(portals: SamplePortals) -> None:
    """Replacing an attachment's bytes gives a new ETag; the old one no longer matches."""
    path = "/cmsres/8b/8bc1e6698e19f1092ce3e25d2b8dabf7.xlsx"
    url = _url(portals, "pudong", path)
    old = requests.get(url).headers["ETag"]
    portals.replace_file("pudong", path, b"PK new bytes")
    r = requests.get(url, headers={"If-None-Match": old})
    assert r.status_code == 200 and r.content == b"PK new bytes" and r.headers["ETag"] != old


def test_add_notice_appears_on_first_list_page(portals: SamplePortals) -> None:
    """A notice added at runtime is listed first and its page and attachment are served."""
    site = "pudong"
    url = portals.add_notice(site, "浦东新区人民政府办公室关于印发《2024年浦东新区政务公开工作要点》的通知",
                             date(2024, 4, 25), meta={"发布机构": "浦东新区人民政府办公室"},
                             attachments=[("2024年任务分解表.docx", "/zwgk/zfxxgk/2024/0425/a.docx", b"PK..", "application/octet-stream")])
    ad = get_adapter("pudong")
    lst = portals.list_urls()[site]
    req = ad.list_request(lst, 1, {"channels": ["5144"]})
    page = ad.parse_list(requests.post(req.url, json=req.json_body).text, req.url)
    assert page.items[0].url == url and page.items[0].date == "2024-04-25"
    detail = ad.parse_detail(requests.get(url).text, url)
    assert detail.attachments[0].url.endswith("/zwgk/zfxxgk/2024/0425/a.docx")
    assert requests.get(detail.attachments[0].url).content == b"PK.."
    # the unchanged attachments keep their bytes
    assert requests.get(_url(portals, site, "/cmsres/91/91a073aa61a86cdada8828e2d35da491.pdf")).content[:4] == b"%PDF"


def test_challenge_switch_answers_412_with_a_ts_page_until_reset(portals: SamplePortals) -> None:
    """``challenge(site)`` (or /__control/challenge) makes every URL of that site a 412 $_ts page."""
    base = portals.base_urls["jiading"].rstrip("/")
    requests.get(base + "/__control/challenge?site=jiading&status=412")
    for path in ("/robots.txt", "/publicity/zfxxgk/tzgg"):
        r = requests.get(base + path)
        assert r.status_code == 412 and b"$_ts" in r.content and len(r.content) < 1024
    assert requests.get(portals.base_urls["shsamr"] + "robots.txt").status_code == 200
    r = requests.post(portals.list_urls()["pudong"], json={"channelList": ["5144"], "pageNo": 1})
    assert r.status_code == 200 and r.json()["data"]["totalCount"] == 16
    portals.clear_faults()
    assert requests.get(base + "/robots.txt").status_code == 200
