"""Adapter for the Jiading District government family (jiading.gov.cn).

List: ``table.list-table`` rows with ``td.title > a`` and ``td.time`` ("[2023-05-10]"),
pagination in ``div#pagebar``. Detail: metadata ``table.info-table`` as th/td pairs,
title ``div.detail-title``, body ``div.detail-content`` (tables pasted inline), attachments
in ``p.attach`` (and links in the body).
"""

from __future__ import annotations

from extract.crawl.portals import _common as C
from extract.crawl.portals.base import ListPage, NoticeDetail, NoticeLink, PageShapeError


def parse_list(html: str, url: str) -> ListPage:
    """Notice links and the next-page URL of a list page."""
    root = C.parse_html(html, url)
    table = C.one(root, "//table[contains(@class, 'list-table')]", url, "list")
    items = []
    for tr in table.xpath(".//tr"):
        a = tr.xpath("./td[contains(@class, 'title')]//a[@href]")
        if not a:
            raise PageShapeError(f"list row without title link at {url}")
        href = C.absolute(url, a[0].get("href"))
        if href is None:
            continue
        td = tr.xpath("./td[contains(@class, 'time')]")
        items.append(NoticeLink(href, a[0].get("title") or C.text_of(a[0]),
                                C.iso_date(C.text_of(td[0])) if td else None))
    if not items:
        raise PageShapeError(f"empty notice list at {url}")
    return ListPage(items, C.next_link(root, "//div[@id='pagebar']", url))


def parse_detail(html: str, url: str) -> NoticeDetail:
    """Title, metadata, body and attachments of a notice page."""
    root = C.parse_html(html, url)
    title = C.text_of(C.one(root, "//div[contains(@class, 'detail-title')]", url, "title"))
    body = C.one(root, "//div[contains(@class, 'detail-content')]", url, "body")
    table = C.one(root, "//table[contains(@class, 'info-table')]", url, "metadata")
    meta: dict[str, str] = {}
    for th in table.xpath(".//th"):
        td = th.xpath("following-sibling::td[1]")
        if td:
            meta[C.text_of(th).rstrip("：:")] = C.text_of(td[0])
    if not title or "发布时间" not in meta:
        raise PageShapeError(f"notice page without title or 发布时间 at {url}")
    containers = [body] + root.xpath("//p[contains(@class, 'attach')]")
    return NoticeDetail(title, meta, C.inner_html(body), C.attachment_links(containers, url))
