"""Adapter for the Shanghai market-supervision bureau family (scjgj.sh.gov.cn, TRS CMS).

List: ``ul.list-date > li > a`` with the date in ``span``, pagination in ``div#pagenav``.
Detail: metadata table ``table.xxgk_table`` (label cell ``td.t1``), title ``#ivs_title``,
body ``#ivs_content``, attachments as ``附件：`` links after or inside the body.
"""

from __future__ import annotations

from extract.crawl.portals import _common as C
from extract.crawl.portals.base import ListPage, NoticeDetail


def parse_list(html: str, url: str) -> ListPage:
    """Notice links and the next-page URL of a list page."""
    return C.notice_list(
        C.parse_html(html, url), url,
        list_xpath="//ul[contains(concat(' ', normalize-space(@class), ' '), ' list-date ')]",
        row_xpath="./li", link_xpath="./a[@href]", date_xpath="./span",
        pager_xpath="//div[@id='pagenav']",
    )


def parse_detail(html: str, url: str) -> NoticeDetail:
    """Title, metadata, body and attachments of a notice page."""
    root = C.parse_html(html, url)
    title = C.text_of(C.one(root, "//*[@id='ivs_title']", url, "title"))
    body = C.one(root, "//*[@id='ivs_content']", url, "body")
    table = C.one(root, "//table[contains(@class, 'xxgk_table')]", url, "metadata")
    meta: dict[str, str] = {}
    for tr in table.xpath(".//tr"):
        tds = tr.xpath("./td")
        for i in range(0, len(tds) - 1, 2):
            key = C.text_of(tds[i]).rstrip("：:").strip()
            if key:
                meta[key] = C.text_of(tds[i + 1])
    return C.notice_detail(root, url, title, meta, body, "//p[contains(@class, 'attach')]")
