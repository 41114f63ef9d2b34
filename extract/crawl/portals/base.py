"""What a portal adapter returns. One module per portal family implements
``parse_list`` and ``parse_detail``; both raise ``PageShapeError`` when the page
does not look as expected, so a redesign of a portal fails loudly instead of
silently yielding nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Protocol


class PageShapeError(Exception):
    """The page does not have the structure the adapter expects."""


@dataclass
class NoticeLink:
    url: str            # absolute
    title: str
    date: Optional[str] = None   # ISO date as listed, if any


@dataclass
class ListPage:
    items: list[NoticeLink]
    next_url: Optional[str] = None   # absolute URL of the next list page, None on the last
    total_pages: Optional[int] = None  # when the page (script or API) says how many pages there are


@dataclass
class AttachmentLink:
    url: str            # absolute
    label: str          # link text, e.g. "2023年…任务分解表.docx"


@dataclass
class NoticeDetail:
    title: str
    meta: dict[str, str] = field(default_factory=dict)  # 索引号, 文件编号, 发布机构, 公开类别, 发布时间
    body_html: str = ""      # the article body element's HTML (no navigation chrome)
    attachments: list[AttachmentLink] = field(default_factory=list)


class PortalAdapter(Protocol):
    def parse_list(self, html: str, url: str) -> ListPage: ...
    def parse_detail(self, html: str, url: str) -> NoticeDetail: ...
