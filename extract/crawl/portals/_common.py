"""Shared helpers for the configured portal adapter (HTML tree, links, dates, attachments)."""

from __future__ import annotations

import re
from typing import Optional
from urllib.parse import urljoin

import lxml.html
from lxml.html import HtmlElement

from extract.crawl.portals.base import AttachmentLink, PageShapeError

_DATE_RE = re.compile(r"(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})")
ATTACHMENT_EXTS = (".doc", ".docx", ".xls", ".xlsx", ".pdf", ".wps", ".et", ".ofd", ".zip", ".rar", ".txt")


def parse_html(html: str, url: str) -> HtmlElement:
    """Parse ``html`` into an lxml tree; PageShapeError when it is not HTML at all."""
    if not html or not html.strip():
        raise PageShapeError(f"empty page: {url}")
    try:
        return lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise PageShapeError(f"unparsable HTML at {url}: {exc}") from exc


def text_of(el: HtmlElement) -> str:
    """Element text with whitespace collapsed (``str.split`` splits on exactly the characters ``\\s``
    matches in a str pattern: both use ``str.isspace``). An element without child nodes other than
    text (``len(el) == 0``: no element, comment, PI) has all its text in ``el.text``; only others pay
    for ``text_content()`` (an XPath ``string()`` call, ~15k instructions: a metadata cell is a leaf)."""
    text = el.text_content() if len(el) else el.text
    return " ".join(text.split()) if text else ""


def iso_date(text: str) -> Optional[str]:
    """First yyyy-mm-dd-like date in ``text`` as ISO, or None."""
    m = _DATE_RE.search(text or "")
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}"


def absolute(base: str, href: Optional[str]) -> Optional[str]:
    """Absolute http(s) URL of ``href`` or None for javascript:/mailto:/anchors."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    return urljoin(base, href)


def next_link(root: HtmlElement, nav_xpath: str, url: str) -> Optional[str]:
    """URL of the 下一页 link inside the pagination element(s), None on the last page."""
    for a in root.xpath(nav_xpath + "//a"):
        if text_of(a) in ("下一页", "下页", ">", "›"):
            return absolute(url, a.get("href"))
    return None


def attachment_links(containers: list[HtmlElement], url: str) -> list[AttachmentLink]:
    """Attachment links (by file extension) inside ``containers``, in order, deduplicated."""
    out: list[AttachmentLink] = []
    seen: set[str] = set()
    for c in containers:
        for a in c.iter("a"):
            href = absolute(url, a.get("href"))
            if not href or href in seen:
                continue
            if href.split("?", 1)[0].lower().endswith(ATTACHMENT_EXTS):
                seen.add(href)
                out.append(AttachmentLink(href, text_of(a) or a.get("title", "")))
    return out


def inner_html(el: HtmlElement) -> str:
    """Serialized HTML of ``el`` (the element itself included)."""
    return lxml.html.tostring(el, encoding="unicode")
