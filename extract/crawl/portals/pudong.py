"""Adapter for the Pudong New Area government family (pudong.gov.cn).

List: ``ul.news-list > li`` with ``span.date`` and one link, pagination in ``div.pagination``.
Detail: metadata ``div.xxgk-meta > dl > dt/dd``, title ``h1.article-title``, body
``div#zoom.article-content``, attachments in ``div.fujian`` (and links in the body).
"""

from __future__ import annotations

from extract.crawl.portals import _common as C
from extract.crawl.portals.base import ListPage, NoticeDetail, NoticeLink, PageShapeError


def parse_list(html: str, url: str) -> ListPage:
    """Notice links and the next-page URL of a list page."""
    root = C.parse_html(html, url)
    ul = C.one(root, "//ul[contains(concat(' ', normalize-space(@class), ' '), ' news-list ')]", url, "list")
    items = []
    for li in ul.xpath("./li"):
        a = li.xpath(".//a[@href]")
        if len(a) != 1:
            raise PageShapeError(f"list item with {len(a)} links at {url}")
        href = C.absolute(url, a[0].get("href"))
        if href is None:
            continue
        date = li.xpath("./span[contains(@class, 'date')]")
        items.append(NoticeLink(href, C.text_of(a[0]), C.iso_date(C.text_of(date[0])) if date else None))
    if not items:
        raise PageShapeError(f"empty notice list at {url}")
    return ListPage(items, C.next_link(root, "//div[contains(@class, 'pagination')]", url))


def parse_detail(html: str, url: str) -> NoticeDetail:
    """Title, metadata, body and attachments of a notice page."""
    root = C.parse_html(html, url)
    title = C.text_of(C.one(root, "//h1[contains(@class, 'article-title')]", url, "title"))
    body = C.one(root, "//div[@id='zoom']", url, "body")
    block = C.one(root, "//div[contains(@class, 'xxgk-meta')]", url, "metadata")
    meta: dict[str, str] = {}
    for dl in block.xpath(".//dl"):
        dt, dd = dl.xpath("./dt"), dl.xpath("./dd")
        if dt and dd:
            meta[C.text_of(dt[0]).rstrip("：:")] = C.text_of(dd[0])
    if not title or "发布时间" not in meta:
        raise PageShapeError(f"notice page without title or 发布时间 at {url}")
    containers = [body] + root.xpath("//div[contains(@class, 'fujian')]")
    return NoticeDetail(title, meta, C.inner_html(body), C.attachment_links(containers, url))
