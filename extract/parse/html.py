"""HTML (portal pages and HTML attachments) → Document.

Finds the article body of a full portal page, captures the portal's metadata block
(索引号/文件编号/发布机构/…) into ``Document.meta``, and turns data tables with
rowspan/colspan into span-aware grids. Layout tables are read as running text.
"""

from __future__ import annotations

import re
from typing import Optional

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, ProcessingInstruction, Tag

from extract.parse.encoding import decode_bytes, sniff_charset
from extract.parse.grid import (
    PlacedCell,
    clean_inline,
    data_extent,
    drop_rows,
    grid_from_placed,
    unwrap_source_newlines,
)
from extract.parse.model import Block, Cell, Document, ParseError, Table

# Label words of Chinese government portals' document metadata blocks (信息公开目录 fields).
META_LABELS = (
    "索引号", "文件编号", "发文字号", "文号", "发布机构", "发文机关", "发文单位", "发布单位",
    "公开类别", "公开方式", "公开范围", "公开属性", "公开时限", "发布时间", "发布日期", "成文日期",
    "生成日期", "印发日期", "实施日期", "废止日期", "主题分类", "主题词", "体裁分类", "组配分类",
    "信息分类", "信息来源", "来源", "有效性", "时效性", "效力状态", "名称", "标题", "文件名称",
    "信息名称", "所属机构", "关键词", "关键字",
)
_CJK_IDEO = "\u4e00-\u9fff"
_LABEL_ALT = "|".join(r"\s*".join(map(re.escape, lab)) for lab in sorted(META_LABELS, key=len, reverse=True))
_EXACT_LABEL_RE = re.compile(rf"^(?:{_LABEL_ALT})\s*[:：]?$")
_INLINE_LABEL_RE = re.compile(rf"(?<![{_CJK_IDEO}])({_LABEL_ALT})\s*[:：]\s*")
_CONTENT_RE = re.compile(
    r"content|article|zoom|trs_?editor|artibody|main_?text|detail|zhengwen|zwnr|news_?text", re.I
)
_NAV_TOKENS = {
    "nav", "navbar", "menu", "footer", "breadcrumb", "breadcrumbs", "crumb", "crumbs", "topbar",
    "sidebar", "share", "copyright", "header", "pagination",
}
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "select", "input", "button", "textarea", "object", "svg")
_STRUCTURE_TAGS = ("nav", "header", "footer")
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "aside", "ul", "ol", "li", "dl", "dt", "dd",
    "blockquote", "pre", "center", "form", "table", "tr", "td", "th", "tbody", "thead", "tfoot",
    "hr", "address", "figure", "figcaption", "header", "footer", "nav", "caption", "fieldset",
    "h1", "h2", "h3", "h4", "h5", "h6",
}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_TITLE_SPLIT_RE = re.compile(r"\s*(?:_|\||｜|\s-\s|——|--)\s*")
_SINGLE_BYTE_CODECS = re.compile(r"^(latin|iso8859|cp125|ascii|mac|windows-125)", re.I)


def decode_html(data: bytes, content_type: Optional[str] = None) -> str:
    """Decode HTML bytes; bytes that are valid UTF-8 are UTF-8 whatever a stale <meta> claims."""
    data = data.replace(b"\x00", b"")
    declared = sniff_charset(data, content_type)
    if declared and declared.startswith("utf-16"):
        return decode_bytes(data, content_type)[0]
    if not data.isascii():
        try:
            return data.decode("utf-8").lstrip("\ufeff")
        except UnicodeDecodeError:
            pass
    text, codec = decode_bytes(data, content_type)
    if _SINGLE_BYTE_CODECS.match(codec) and not data.isascii():
        # A Latin charset label on a Chinese page: GB bytes decoding strictly win.
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            pass
    return text


def _soup(text: str) -> BeautifulSoup:
    """Parse with lxml (fast, lenient), falling back to the stdlib parser."""
    try:
        return BeautifulSoup(text, "lxml")
    except Exception:  # pragma: no cover - lxml refuses very odd input
        return BeautifulSoup(text, "html.parser")


def _text(node: Tag | NavigableString) -> str:
    """Whole text of a node, whitespace collapsed."""
    if isinstance(node, NavigableString):
        return unwrap_source_newlines(str(node))
    return unwrap_source_newlines(node.get_text(" "))


def _compact(text: str) -> str:
    """Text with all whitespace removed (for label matching)."""
    return re.sub(r"\s+", "", text)


def _norm_label(label: str) -> str:
    """Label as a meta key: whitespace and trailing colon removed."""
    return _compact(label).rstrip(":：")


def _clean_value(value: str) -> str:
    """Meta value without surrounding separators."""
    return clean_inline(value).strip(" |｜;；,，")


class _MetaCollector:
    """Finds label/value pairs of a portal metadata block anywhere on the page."""

    def __init__(self) -> None:
        self.meta: dict[str, str] = {}
        self.consumed: set[int] = set()  # id() of elements whose text was metadata

    def put(self, label: str, value: str) -> None:
        key, value = _norm_label(label), _clean_value(value)
        if key and value and key not in self.meta:
            self.meta[key] = value

    def collect(self, soup: BeautifulSoup) -> None:
        for table in soup.find_all("table"):
            self._table(table)
        for el in soup.find_all(True):
            if id(el) in self.consumed or el.name in ("table", "tbody", "thead", "tr", "td", "th", "html", "body"):
                continue
            text = _text(el)
            if not text or len(text) > 300:
                continue
            if _EXACT_LABEL_RE.match(text):
                if any(_text(ch) == text for ch in el.find_all(True, recursive=False)):
                    continue  # the innermost element carrying the label is handled instead
                value = self._value_after(el)
                if value is not None:
                    self.put(text, value)
                    self.consumed.add(id(el))
                continue
            if _INLINE_LABEL_RE.search(text) and not any(
                _INLINE_LABEL_RE.search(_text(ch)) or _EXACT_LABEL_RE.match(_text(ch))
                for ch in el.find_all(True)
            ):
                if self._inline(text):
                    self.consumed.add(id(el))

    def _inline(self, text: str) -> bool:
        """Split 'A：x B：y' into pairs; only when the text starts with a label."""
        matches = list(_INLINE_LABEL_RE.finditer(text))
        if not matches or text[: matches[0].start()].strip(" |｜"):
            return False
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
            self.put(m.group(1), text[m.end() : end])
        return True

    def _value_after(self, el: Tag) -> Optional[str]:
        """Value of an exact-label element: the next sibling with text (not another label)."""
        for sib in el.next_siblings:
            t = _text(sib)
            if not t and not isinstance(sib, Tag):
                continue  # whitespace between elements
            if _EXACT_LABEL_RE.match(t):
                return None
            m = _INLINE_LABEL_RE.search(t)
            if m:
                t = t[: m.start()]
            if isinstance(sib, Tag):
                self.consumed.add(id(sib))
            return t
        return None

    def _table(self, table: Tag) -> None:
        """A table whose cells are mostly labels is a metadata table: read pairs row by row."""
        if table.find("table"):
            return
        cells = [c for c in table.find_all(["td", "th"])]
        labels = [c for c in cells if _EXACT_LABEL_RE.match(_text(c)) or _starts_with_label(_text(c))]
        if len(labels) < 2 or len(labels) * 4 < len(cells):
            return
        for tr in table.find_all("tr"):
            row = tr.find_all(["td", "th"], recursive=False)
            i = 0
            while i < len(row):
                t = _text(row[i])
                if _EXACT_LABEL_RE.match(t) and i + 1 < len(row):
                    self.put(t, _text(row[i + 1]))
                    i += 2
                    continue
                self._inline(t)
                i += 1
        self.consumed.add(id(table))


def _starts_with_label(text: str) -> bool:
    """True for 'Label：value' text."""
    m = _INLINE_LABEL_RE.match(text)
    return bool(m)


def _title(soup: BeautifulSoup, meta: dict[str, str]) -> Optional[str]:
    """Document title: an <h1> (the one echoed by <title> if several), else <title>."""
    page_title = _text(soup.title) if soup.title else ""
    h1s = [t for t in (_text(h) for h in soup.find_all("h1")) if t]
    if h1s:
        echoed = [t for t in h1s if len(t) >= 4 and _compact(t) in _compact(page_title)]
        return max(echoed or h1s, key=len)
    if page_title:
        parts = [p for p in _TITLE_SPLIT_RE.split(page_title) if p.strip()]
        return max(parts, key=len) if parts else page_title
    return None


def _class_tokens(el: Tag) -> list[str]:
    """Lower-case tokens of an element's class and id (split on - and _)."""
    cls = el.get("class") or []
    if isinstance(cls, str):
        cls = cls.split()
    raw = " ".join([*cls, str(el.get("id") or "")]).lower()
    return [t for t in re.split(r"[\s\-_]+", raw) if t]


def _class_id(el: Tag) -> str:
    """Joined class and id string of an element."""
    cls = el.get("class") or []
    if isinstance(cls, str):
        cls = [cls]
    return " ".join([*cls, str(el.get("id") or "")])


def _plain_len(el: Tag) -> int:
    """Length of an element's text that is not link text (navigation is mostly links)."""
    total = len(_compact(el.get_text()))
    links = sum(len(_compact(a.get_text())) for a in el.find_all("a"))
    return total - links


def _find_body(soup: BeautifulSoup) -> Tag:
    """The article body: a content-like class/id element, else the densest text element."""
    root = soup.body or soup
    candidates = [
        el for el in root.find_all(["div", "td", "article", "section", "main", "span", "font"])
        if _CONTENT_RE.search(_class_id(el))
    ]
    scored = [(el, _plain_len(el)) for el in candidates]
    scored = [(el, n) for el, n in scored if n >= 10]
    if scored:
        best = max(n for _, n in scored)
        good = [el for el, n in scored if n >= 0.7 * best]
        # the deepest element still holding most of the text
        return max(good, key=lambda el: len(list(el.parents)))
    best_el, best_score = root, 0
    for el in root.find_all(["div", "td", "article", "section", "main"]):
        score = 0
        for ch in el.children:
            if isinstance(ch, NavigableString):
                score += len(_compact(str(ch)))
            elif isinstance(ch, Tag) and ch.name in ("p", "span", "font", "b", "strong", "h1", "h2", "h3", "h4", "table", "center", "blockquote", "ul", "ol", "br"):
                score += _plain_len(ch)
        if score > best_score:
            best_el, best_score = el, score
    return best_el if best_score >= 20 else root


def _own_rows(table: Tag) -> list[Tag]:
    """<tr>s belonging to this table, not to tables nested inside it."""
    return [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]


def _span(value: object, default: int = 1) -> int:
    """Parse a rowspan/colspan attribute leniently."""
    m = re.match(r"\s*(\d+)", str(value or ""))
    return int(m.group(1)) if m else default


class _Flow:
    """Walks a subtree in reading order and emits heading/paragraph/table blocks."""

    def __init__(self, consumed: set[int], in_cell: bool = False) -> None:
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.consumed = consumed
        self.in_cell = in_cell

    def flush(self) -> None:
        text = unwrap_source_newlines("".join(self.buf))
        self.buf = []
        if text:
            self.blocks.append(Block("paragraph", text=text))

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, (Comment, Doctype, ProcessingInstruction)):
                continue
            if isinstance(child, NavigableString):
                self.buf.append(str(child))
                continue
            if not isinstance(child, Tag) or id(child) in self.consumed:
                continue
            name = child.name
            if name in _DROP_TAGS or name in _STRUCTURE_TAGS:
                continue
            if name == "br":
                self.flush()
            elif name in _HEADINGS:
                self.flush()
                text = _text(child)
                if text:
                    kind = "paragraph" if self.in_cell else "heading"
                    self.blocks.append(Block(kind, text=text, level=_HEADINGS[name]))
            elif name == "table":
                self.flush()
                self.table(child)
            elif name in _BLOCK_TAGS:
                if not self.in_cell and set(_class_tokens(child)) & _NAV_TOKENS:
                    continue
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.walk(child)

    def table(self, table: Tag) -> None:
        """Data table → grid block; layout table (nested tables, too little data) → text."""
        rows = _own_rows(table)
        if self.in_cell or table.find("table") is not None:
            self._layout(rows)
            return
        grid = _html_grid(rows, self.consumed)
        n_rows, n_cols = data_extent(grid)
        if n_rows >= 2 and n_cols >= 2:
            self.blocks.append(Block("table", table=Table(rows=grid)))
        else:
            self._layout(rows)

    def _layout(self, rows: list[Tag]) -> None:
        for tr in rows:
            for cell in tr.find_all(["td", "th"], recursive=False):
                if id(cell) in self.consumed:
                    continue
                self.walk(cell)
                self.flush()


def cell_text(cell: Tag, consumed: Optional[set[int]] = None) -> str:
    """Text of a table cell; its paragraphs/lines joined with newlines."""
    flow = _Flow(consumed or set(), in_cell=True)
    flow.walk(cell)
    flow.flush()
    return "\n".join(b.text for b in flow.blocks if b.text)


def _html_grid(rows: list[Tag], consumed: set[int]) -> list[list[Cell]]:
    """Place <td>/<th> with rowspan/colspan on a grid (HTML table model)."""
    occupied: set[tuple[int, int]] = set()
    placed: list[PlacedCell] = []
    n = len(rows)
    for r, tr in enumerate(rows):
        c = 0
        for td in tr.find_all(["td", "th"], recursive=False):
            while (r, c) in occupied:
                c += 1
            rs = _span(td.get("rowspan"))
            rs = n - r if rs == 0 else min(rs, n - r)
            cs = min(max(_span(td.get("colspan")), 1), 1000)
            placed.append(PlacedCell(r, c, cell_text(td, consumed), max(rs, 1), cs))
            for i in range(max(rs, 1)):
                for j in range(cs):
                    occupied.add((r + i, c + j))
            c += cs
    grid = grid_from_placed(placed, n_rows=n)
    return _drop_empty_rows(grid)


def _drop_empty_rows(grid: list[list[Cell]]) -> list[list[Cell]]:
    """Remove rows with no text that take no part in a merge."""
    origins = {c.merged_from for row in grid for c in row if c.merged_from}
    keep = [
        i for i, row in enumerate(grid)
        if any(c.text.strip() or c.merged_from for c in row) or any((i, j) in origins for j in range(len(row)))
    ]
    return grid if len(keep) == len(grid) else drop_rows(grid, keep)


def parse_html(data: bytes, *, content_type: Optional[str] = None) -> Document:
    """Parse HTML bytes (any UTF-8/GB encoding, declared or not) into a Document."""
    text = decode_html(data, content_type)
    if not text.strip():
        raise ParseError("empty HTML document")
    soup = _soup(text)
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    collector = _MetaCollector()
    collector.collect(soup)
    meta = dict(collector.meta)
    title = _title(soup, meta)
    if title:
        meta["title"] = title
    for tag in soup.find_all(_STRUCTURE_TAGS):
        tag.decompose()
    body = _find_body(soup)
    flow = _Flow(collector.consumed)
    flow.walk(body)
    flow.flush()
    doc = Document(source_format="html", blocks=flow.blocks, meta=meta)
    if not doc.blocks:
        doc.warnings.append("no text found in HTML body")
    return doc


def parse(data: bytes) -> Document:
    """Registry entry point."""
    return parse_html(data)

