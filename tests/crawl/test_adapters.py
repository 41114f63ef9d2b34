"""Portal adapters against the running sample portals: pagination, links, detail pages."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from extract.crawl.portals import get_adapter
from extract.crawl.portals.base import ListPage, NoticeLink, PageShapeError
from extract.parse.encoding import decode_bytes
from sample_portals.server import SamplePortals

KEYWORDS = ("政务公开工作要点", "任务分解表")

# Work-plan notices each site publishes on its own host (outside robots-disallowed paths).
EXPECTED = {
    "shsamr": {"上海市市场监督管理局关于印发《2023年上海市市场监督管理局政务公开工作要点》的通知",
               "2019年上海市市场监督管理局政务公开工作要点"},
    "pudong": {"浦东新区人民政府办公室关于印发《2023年浦东新区政务公开工作要点》的通知",
               "浦东新区市场监督管理局关于印发《2023年上海市浦东新区市场监督管理局政务公开工作要点任务分解表》的通知"},
    "jiading": {"嘉定区人民政府办公室关于印发《2023年上海市嘉定区政务公开工作要点任务分解表》的通知"},
}
DISALLOWED = {"shsamr": "/cms/preview/", "pudong": "/zwgk/draft/", "jiading": "/admin/"}


def _get_text(url: str) -> str:
    r = requests.get(url, timeout=10)
    r.raise_for_status()
    return decode_bytes(r.content, r.headers.get("Content-Type"))[0]


def _crawl_lists(sp: SamplePortals, site: str) -> tuple[list[NoticeLink], int]:
    """All list items of ``site`` following next_url; returns (items, pages)."""
    adapter = get_adapter(site)
    url: str | None = sp.list_urls()[site]
    items: list[NoticeLink] = []
    pages = 0
    while url:
        page: ListPage = adapter.parse_list(_get_text(url), url)
        items += page.items
        pages += 1
        url = page.next_url
        assert pages < 10
    return items, pages


@pytest.mark.parametrize("site", ["shsamr", "pudong", "jiading"])
def test_list_pages_yield_work_plans_across_pagination(portals: SamplePortals, site: str) -> None:
    """Every item is returned; keyword filtering leaves the plans plus off-host/robots decoys."""
    items, pages = _crawl_lists(portals, site)
    assert pages >= 2
    manifest = portals.manifest["sites"][site]
    assert len(items) >= 14
    assert all(urlsplit(i.url).scheme in ("http", "https") for i in items)
    assert all(i.date and len(i.date) == 10 for i in items)
    base = portals.base_urls[site]
    own = [i for i in items if i.url.startswith(base)]
    assert all(urlsplit(i.url).path in manifest["files"] for i in own)
    plans = [i for i in own if any(k in i.title for k in KEYWORDS)
             and not urlsplit(i.url).path.startswith(DISALLOWED[site])]
    assert {i.title for i in plans} == EXPECTED[site]
    assert len(plans) == len(EXPECTED[site])
    assert any(not i.url.startswith(base) for i in items)      # off-host links are listed, not filtered
    assert any(urlsplit(i.url).path.startswith(DISALLOWED[site]) for i in items)
    # At least one plan sits beyond the first list page.
    first = get_adapter(site).parse_list(_get_text(portals.list_urls()[site]), portals.list_urls()[site])
    assert {i.title for i in plans} - {i.title for i in first.items}


@pytest.mark.parametrize("site,attachments", [
    ("shsamr", {}),
    ("pudong", {"浦东新区人民政府办公室关于印发《2023年浦东新区政务公开工作要点》的通知": [".docx", ".pdf"],
                "浦东新区市场监督管理局关于印发《2023年上海市浦东新区市场监督管理局政务公开工作要点任务分解表》的通知": [".xlsx", ".docx"]}),
    ("jiading", {"嘉定区人民政府办公室关于印发《2023年上海市嘉定区政务公开工作要点任务分解表》的通知": [".doc"]}),
])
def test_detail_pages(portals: SamplePortals, site: str, attachments: dict[str, list[str]]) -> None:
    """Detail pages give title, the metadata block, body HTML and absolute attachment links."""
    adapter = get_adapter(site)
    items, _ = _crawl_lists(portals, site)
    for item in items:
        if item.title not in EXPECTED[site]:
            continue
        d = adapter.parse_detail(_get_text(item.url), item.url)
        assert d.title == item.title
        assert set(d.meta) == {"索引号", "文件编号", "发布机构", "公开类别", "发布时间"}
        assert d.meta["发布时间"] == item.date
        assert "<p>" in d.body_html and "pagination" not in d.body_html and "pagenav" not in d.body_html
        exts = [a.url[a.url.rfind("."):] for a in d.attachments]
        expected = attachments.get(item.title, [])
        if site == "jiading" and not exts == expected:
            expected = [".docx"]   # build without LibreOffice
        assert exts == expected, item.title
        for a in d.attachments:
            assert a.url.startswith(portals.base_urls[site]) and a.label.endswith(a.url[a.url.rfind("."):])
            assert requests.get(a.url).status_code == 200


def test_detail_meta_values(portals: SamplePortals) -> None:
    """文件编号 carries the 文号 when the document has one, else empty."""
    items, _ = _crawl_lists(portals, "pudong")
    by_title = {i.title: i for i in items}
    ad = get_adapter("pudong")
    n003 = by_title["浦东新区人民政府办公室关于印发《2023年浦东新区政务公开工作要点》的通知"]
    d = ad.parse_detail(_get_text(n003.url), n003.url)
    assert d.meta["文件编号"] == "浦府办〔2023〕18号" and d.meta["发布时间"] == "2023-04-26"
    assert "（二十九）进一步提升依申请办理质效" in d.body_html
    n000 = next(i for t, i in by_title.items() if t.startswith("浦东新区市场监督管理局"))
    assert ad.parse_detail(_get_text(n000.url), n000.url).meta["文件编号"] == ""


@pytest.mark.parametrize("site,other", [("shsamr", "pudong"), ("pudong", "jiading"), ("jiading", "shsamr")])
def test_wrong_shape_raises(portals: SamplePortals, site: str, other: str) -> None:
    """An adapter fed another family's pages (or junk) fails loudly."""
    adapter = get_adapter(site)
    url = portals.list_urls()[other]
    with pytest.raises(PageShapeError):
        adapter.parse_list(_get_text(url), url)
    with pytest.raises(PageShapeError):
        adapter.parse_detail(_get_text(url), url)
    with pytest.raises(PageShapeError):
        adapter.parse_list("", url)
    with pytest.raises(PageShapeError):
        adapter.parse_list("<html><body><p>系统维护中</p></body></html>", url)


def test_relative_urls_resolved() -> None:
    """Relative hrefs resolve against the page URL; unknown families are rejected."""
    html = ('<ul class="news-list"><li><span class="date">2023-04-26</span>'
            '<a href="../2023/a.html">标题</a></li></ul>'
            '<div class="pagination"><a class="next" href="index_3.html">下一页</a></div>')
    page = get_adapter("pudong").parse_list(html, "http://127.0.0.12:1/zwgk/zfxxgk/index_2.html")
    assert page.items[0].url == "http://127.0.0.12:1/zwgk/2023/a.html"
    assert page.next_url == "http://127.0.0.12:1/zwgk/zfxxgk/index_3.html"
    with pytest.raises(KeyError):
        get_adapter("nosuch")
