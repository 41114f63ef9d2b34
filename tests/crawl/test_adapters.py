"""The configured adapter (config/platforms.yml) on saved pages of each real portal shape
(tests/fixtures/portal_shapes, written from public evidence) and on the live loopback replicas;
challenge detection as a pure function."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from extract.crawl.challenge import detect_challenge
from extract.crawl.portals import get_adapter
from extract.crawl.portals.base import NoticeLink, PageShapeError
from extract.parse.encoding import decode_bytes
from sample_portals.server import SamplePortals

SHAPES = Path(__file__).resolve().parents[1] / "fixtures" / "portal_shapes"
KEYWORDS = ("政务公开工作要点", "任务分解表")
EXPECTED = {
    "shsamr": {"上海市市场监督管理局关于印发《2023年上海市市场监督管理局政务公开工作要点》的通知",
               "2019年上海市市场监督管理局政务公开工作要点"},
    "pudong": {"浦东新区人民政府办公室关于印发《2023年浦东新区政务公开工作要点》的通知",
               "浦东新区市场监督管理局关于印发《2023年上海市浦东新区市场监督管理局政务公开工作要点任务分解表》的通知"},
    "jiading": {"嘉定区人民政府办公室关于印发《2023年上海市嘉定区政务公开工作要点任务分解表》的通知"},
}
DISALLOWED = {"shsamr": "/cms/preview/", "pudong": "/zwgk/draft/", "jiading": "/admin/"}


def _shape(name: str) -> str:
    return (SHAPES / name).read_text(encoding="utf-8")


# -- saved pages of the real shapes --------------------------------------------------------
def test_scjgj_list_rows_titles_dates_and_page_count() -> None:
    url = "https://scjgj.sh.gov.cn/1073/index.html"
    page = get_adapter("shsamr").parse_list(_shape("scjgj_list.html"), url)
    assert [(i.url, i.date) for i in page.items] == [
        ("https://scjgj.sh.gov.cn/1073/20240412/2c9bf2f68ea8a31b018ec9a1e4ff6e5d.html", "2024-04-12"),
        ("https://scjgj.sh.gov.cn/cmsres/8a/8a1b2c3d4e5f60718293a4b5c6d7e8f9.pdf", "2024-04-12"),
        ("https://scjgj.sh.gov.cn/1073/20240328/0f0e0d0c0b0a09080706050403020100.html", "2024-03-28")]
    # The full title is the link's title attribute (the text is cut with …).
    assert page.items[0].title == "上海市市场监督管理局关于印发《2024年上海市市场监督管理局政务公开工作要点》的通知"
    assert page.total_pages == 7 and page.next_url is None
    assert get_adapter("shsamr").list_request(url, 3).url == "https://scjgj.sh.gov.cn/1073/index_3.html"


def test_scjgj_notice_meta_tags_body_and_hashed_attachment_names() -> None:
    d = get_adapter("shsamr").parse_detail(_shape("scjgj_notice.html"), "https://scjgj.sh.gov.cn/1073/20240412/x.html")
    assert d.title == "上海市市场监督管理局关于印发《2024年上海市市场监督管理局政务公开工作要点》的通知"
    assert d.meta == {"发布时间": "2024-04-12", "发布机构": "上海市市场监督管理局"}
    assert d.body_html.startswith('<div class="Article_content" id="ivs_content">')
    assert [(a.url.rsplit("/", 1)[-1], a.label) for a in d.attachments] == [
        ("3fa9c1e2d4b5a6978812ab34cd56ef70.docx", "2024年政务公开工作要点任务分解表.docx"),
        ("77aa1b2c3d4e5f60718293a4b5c6d7e8.pdf", "2024年政务公开工作要点任务分解表.pdf")]


def test_pudong_api_request_body_items_dates_and_pages() -> None:
    ad = get_adapter("pudong")
    endpoint = "https://www.pudong.gov.cn/zwgk-search-front/api/data/affair"
    req = ad.list_request(endpoint, 2, {"channels": ["5144"]})
    assert (req.url, req.json_body) == (endpoint, {"channelList": ["5144"], "pageNo": 2, "pageSize": 8})
    assert req.key == endpoint + '#{"channelList":["5144"],"pageNo":2,"pageSize":8}'
    page = ad.parse_list(_shape("pudong_affair.json"), endpoint)
    assert [(i.url, i.date) for i in page.items] == [
        ("https://www.pudong.gov.cn/zwgk/zxxxgk/2024/116/321654.html", "2024-04-23"),   # ms → Beijing day
        ("https://www.pudong.gov.cn/zwgk/zxxxgk/2024/89/300111.html", "2024-03-29")]
    assert page.total_pages == 31
    with pytest.raises(PageShapeError, match="did not answer JSON"):
        ad.parse_list(_shape("challenge_412.html"), endpoint)
    with pytest.raises(PageShapeError, match=r"expected a list at 'data\.list'"):
        ad.parse_list('{"code": 0, "data": {}}', endpoint)
    with pytest.raises(PageShapeError, match="empty notice list from the list API"):
        ad.parse_list('{"code": 0, "data": {"list": [], "totalPage": 0}}', endpoint)


def test_jiading_letter_spaced_labels_and_fawen_date() -> None:
    d = get_adapter("jiading").parse_detail(_shape("jiading_notice.html"), "https://www.jiading.gov.cn/publicity/x/1")
    assert d.meta == {"索引号": "JD0001-2024-00051", "文件编号": "嘉府办发〔2024〕9号", "发布机构": "嘉定区人民政府办公室",
                      "公开类别": "主动公开", "发布时间": "2024年4月26日"}
    assert [a.label for a in d.attachments] == ["2024年嘉定区政务公开工作要点任务分解表.xlsx"]
    ad = get_adapter("jiading")
    assert ad.list_request("https://www.jiading.gov.cn/publicity/jcgk/shxw", 4).url == \
        "https://www.jiading.gov.cn/publicity/jcgk/shxw_4"


@pytest.mark.parametrize("platform,page", [("shsamr", "jiading_notice.html"), ("jiading", "scjgj_notice.html"),
                                           ("pudong", "scjgj_list.html")])
def test_wrong_shape_fails_loudly_with_the_url(platform: str, page: str) -> None:
    with pytest.raises(PageShapeError, match="https://h/p"):
        get_adapter(platform).parse_detail(_shape(page), "https://h/p")


def test_unknown_platform() -> None:
    with pytest.raises(KeyError, match="unknown portal platform 'nosuch'"):
        get_adapter("nosuch")


# -- challenge detection ---------------------------------------------------------------------
def test_challenge_detection_rules() -> None:
    page = (SHAPES / "challenge_412.html").read_bytes()
    html = {"Content-Type": "text/html"}
    assert detect_challenge(412, html, page) == "HTTP 412 ($_ts script)"
    assert detect_challenge(521, html, b"<script>document.cookie='a=b';location.reload()</script>") == \
        "HTTP 521 (cookie script)"
    assert detect_challenge(200, html, page) == "HTTP 200 ($_ts script)"
    assert detect_challenge(403, html, "<p>您所在的地区无法访问本站</p>".encode()) == "HTTP 403 (region block)"
    assert detect_challenge(403, html, b"<p>Forbidden</p>") is None          # a plain 403 stays an HTTP error
    assert detect_challenge(200, html, b"<html><body>x</body></html>", min_page_bytes=512).startswith(
        "HTTP 200 (HTML body of 27 bytes < portal minimum 512)")
    assert detect_challenge(200, {"Content-Type": "application/pdf"}, b"%PDF-1.4", min_page_bytes=512) is None
    assert detect_challenge(200, html, _shape("scjgj_notice.html").encode(), min_page_bytes=512) is None
    assert detect_challenge(304, {}, None) is None and detect_challenge(None, {}, None) is None


# -- the loopback replicas -------------------------------------------------------------------
def _fetch(url: str, body: dict | None = None) -> str:
    r = requests.post(url, json=body, timeout=10) if body is not None else requests.get(url, timeout=10)
    r.raise_for_status()
    return decode_bytes(r.content, r.headers.get("Content-Type"))[0]


def _walk(sp: SamplePortals, site: str) -> tuple[list[NoticeLink], int]:
    """Every list item of a replica by the platform's pagination rule; (items, pages)."""
    ad, start = get_adapter(site), sp.list_urls()[site]
    params = {"channels": [sp.manifest["sites"][site].get("channel")]}
    items: list[NoticeLink] = []
    n = 0
    while True:
        n += 1
        req = ad.list_request(start, n, params)
        page = ad.parse_list(_fetch(req.url, req.json_body), req.url)
        items += page.items
        assert page.total_pages is not None and n < 10
        if n >= page.total_pages:
            return items, n


@pytest.mark.parametrize("site", ["shsamr", "pudong", "jiading"])
def test_replica_lists_yield_work_plans_across_pages(portals: SamplePortals, site: str) -> None:
    items, pages = _walk(portals, site)
    assert pages == 2 and len(items) >= 14
    assert all(i.date and len(i.date) == 10 for i in items)
    base = portals.base_urls[site]
    own = [i for i in items if i.url.startswith(base)]
    assert all(urlsplit(i.url).path in portals.manifest["sites"][site]["files"] for i in own)
    plans = {i.title for i in own if any(k in i.title for k in KEYWORDS)
             and not urlsplit(i.url).path.startswith(DISALLOWED[site])}
    assert plans == EXPECTED[site]
    assert any(not i.url.startswith(base) for i in items)      # off-host links are listed, not filtered


@pytest.mark.parametrize("site,n_attachments", [("shsamr", 0), ("pudong", 2), ("jiading", 1)])
def test_replica_detail_pages(portals: SamplePortals, site: str, n_attachments: int) -> None:
    items, _ = _walk(portals, site)
    url = next(i.url for i in items if i.title in EXPECTED[site] and "2023" in i.title)
    d = get_adapter(site).parse_detail(_fetch(url), url)
    assert d.title in EXPECTED[site] and d.meta["发布时间"].startswith("2023-")
    assert set(d.meta) >= {"索引号", "发布机构", "公开类别", "发布时间"}
    atts = [a for a in d.attachments if "/cmsres/" in a.url]
    assert len(atts) == n_attachments
    assert all(a.label.startswith("2023年") and "." in a.label for a in atts)   # real names, hashed paths


def test_replica_pudong_column_page_is_a_script_shell(portals: SamplePortals) -> None:
    html = _fetch(portals.base_urls["pudong"].rstrip("/") + "/zwgk/zxxxgk/index.html")
    assert "zwgk-search-front/api/data/affair" in html and "<li>" not in html
    assert json.loads(_fetch(portals.list_urls()["pudong"], {"channelList": ["5144"], "pageNo": 9,
                                                             "pageSize": 8}))["data"]["list"] == []
