"""Adapter for the Jiading District government family (jiading.gov.cn).

List: ``table.list-table`` rows with ``td.title > a`` and ``td.time`` ("[2023-05-10]"),
pagination in ``div#pagebar``. Detail: metadata ``table.info-table`` as th/td pairs,
title ``div.detail-title``, body ``div.detail-content`` (tables pasted inline), attachments
in ``p.attach`` (and links in the body).
"""

from __future__ import annotations

from extract.crawl.portals import _common as C
from extract.crawl.portals.base import ListPage, NoticeDetail


def parse_list(html: str, url: str) -> ListPage:
    """Notice links and the next-page URL of a list page."""
    return C.notice_list(
        C.parse_html(html, url), url,
        list_xpath="//table[contains(@class, 'list-table')]", row_xpath=".//tr",
        link_xpath="./td[contains(@class, 'title')]//a[@href]",
        date_xpath="./td[contains(@class, 'time')]", pager_xpath="//div[@id='pagebar']",
    )


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
    return C.notice_detail(root, url, title, meta, body, "//p[contains(@class, 'attach')]")
