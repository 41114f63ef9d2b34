"""Adapter for the Shanghai market-supervision bureau family (scjgj.sh.gov.cn, TRS CMS).

List: ``ul.list-date > li > a`` with the date in ``span``, pagination in ``div#pagenav``.
Detail: metadata table ``table.xxgk_table`` (label cell ``td.t1``), title ``#ivs_title``,
body ``#ivs_content``, attachments as ``附件：`` links after or inside the body.
"""

from __future__ import annotations

from extract.crawl.portals import _common as C
from extract.crawl.portals.base import ListPage, NoticeDetail, NoticeLink, PageShapeError


def parse_list(html: str, url: str) -> ListPage:
    """Notice links and the next-page URL of a list page."""
    root = C.parse_html(html, url)
    ul = C.one(root, "//ul[contains(concat(' ', normalize-space(@class), ' '), ' list-date ')]", url, "list")
    items = []
    for li in ul.xpath("./li"):
        a = li.xpath("./a[@href]")
        if not a:
            raise PageShapeError(f"list item without link at {url}")
        href = C.absolute(url, a[0].get("href"))
        if href is None:
            continue
        span = li.xpath("./span")
        items.append(NoticeLink(href, a[0].get("title") or C.text_of(a[0]),
                                C.iso_date(C.text_of(span[0])) if span else None))
    if not items:
        raise PageShapeError(f"empty notice list at {url}")
    return ListPage(items, C.next_link(root, "//div[@id='pagenav']", url))


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
    if not title or "发布时间" not in meta:
        raise PageShapeError(f"notice page without title or 发布时间 at {url}")
    containers = [body] + root.xpath("//p[contains(@class, 'attach')]")
    return NoticeDetail(title, meta, C.inner_html(body), C.attachment_links(containers, url))
