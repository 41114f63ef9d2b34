"""Adapter for the Pudong New Area government family (pudong.gov.cn).

List: ``ul.news-list > li`` with ``span.date`` and one link, pagination in ``div.pagination``.
Detail: metadata ``div.xxgk-meta > dl > dt/dd``, title ``h1.article-title``, body
``div#zoom.article-content``, attachments in ``div.fujian`` (and links in the body).
"""

from __future__ import annotations

from extract.crawl.portals import _common as C
from extract.crawl.portals.base import ListPage, NoticeDetail


def parse_list(html: str, url: str) -> ListPage:
    """Notice links and the next-page URL of a list page."""
    return C.notice_list(
        C.parse_html(html, url), url,
        list_xpath="//ul[contains(concat(' ', normalize-space(@class), ' '), ' news-list ')]",
        row_xpath="./li", link_xpath=".//a[@href]",
        date_xpath="./span[contains(@class, 'date')]",
        pager_xpath="//div[contains(@class, 'pagination')]", one_link_per_row=True,
    )


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
    return C.notice_detail(root, url, title, meta, body, "//div[contains(@class, 'fujian')]")
