"""HTML (portal pages and HTML attachments) → Document.

Finds the article body of a full portal page, captures the portal's metadata block
(索引号/文件编号/发布机构/…) into ``Document.meta``, and turns data tables with
rowspan/colspan into span-aware grids. Layout tables are read as running text.

Works on lxml's own tree (C speed; no BeautifulSoup layer): an element's text is
``el.text``, its children, and each child's ``tail``; comments are skipped.
"""

from __future__ import annotations

import re
from typing import Iterator, Literal, Optional

from lxml import etree
from lxml.etree import _Element as HtmlElement

from extract.parse.encoding import decode_bytes, sniff_charset
from extract.parse.grid import (
    PlacedCell,
    clean_inline,
    data_extent,
    drop_rows,
    grid_from_placed,
    unwrap_source_newlines,
)
from extract.parse.limits import markup_text_dropped
from extract.parse.model import Block, Cell, Document, ParseError, Table

# Label words of Chinese government portals' document metadata blocks (信息公开目录 fields).
META_LABELS = (
    "索引号", "文件编号", "发文字号", "文号", "发布机构", "发文机关", "发文机构", "发文单位", "发布单位", "发布机关",
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
_SPAN_RE = re.compile(r"\s*(\d+)")
_CELL_TAGS = ("td", "th")


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


def _tree(text: str) -> HtmlElement:
    """Parse with lxml's lenient HTML parser (fed, so an <?xml encoding?> line is harmless)."""
    # plain elements (lxml.html's per-element class lookup costs ~40%); huge_tree lifts libxml2's
    # nesting-depth limit of 256, past which it silently drops content
    parser = etree.HTMLParser(huge_tree=True)
    try:
        parser.feed(text)
        root = parser.close()
    except etree.LxmlError as exc:
        raise ParseError(f"unreadable HTML: {exc}") from exc
    if root is None:  # markup without any element (a lone doctype or comment): no text
        return etree.Element("html")
    return root


def _is_element(node: object) -> bool:
    """True for elements; comments, processing instructions and entities have a non-str tag."""
    return isinstance(getattr(node, "tag", None), str)


def _elements(node: HtmlElement) -> Iterator[HtmlElement]:
    """Descendant elements in document order (no comments/PIs)."""
    return node.iterdescendants(etree.Element)


def _children(node: HtmlElement, *tags: str) -> list[HtmlElement]:
    """Child elements, optionally only those with one of ``tags``."""
    return [ch for ch in node if _is_element(ch) and (not tags or ch.tag in tags)]


def _raw_text(el: HtmlElement, sep: str = " ") -> str:
    """All text inside an element (not its tail), pieces joined by ``sep``. A leaf (no child node but
    text) is its ``.text``: ``itertext()`` would build an iterator for one piece (~15k instructions)."""
    if not len(el):
        return el.text or ""
    if not sep:  # libxml2's node content: the same text nodes, no iterator (~3x cheaper)
        return etree.tostring(el, method="text", encoding="unicode", with_tail=False)
    return sep.join(el.itertext())  # type: ignore[arg-type]  # str pieces: no str() each (hot in collect)


def _text(el: HtmlElement) -> str:
    """Whole text of an element, whitespace collapsed."""
    return unwrap_source_newlines(_raw_text(el))


def _compact(text: str) -> str:
    """Text with all whitespace removed (for label matching). ``str.split()`` splits on exactly what
    ``\\s`` matches in a str pattern (both use ``str.isspace``), at a fraction of a regex ``sub``."""
    return "".join(text.split())


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
        self.consumed: set[HtmlElement] = set()  # elements whose text was metadata
        self._texts: dict[HtmlElement, str] = {}  # _text() per element, computed once per page

    def text(self, el: HtmlElement, raw: Optional[str] = None) -> str:
        """``_text(el)``, memoized: the label scan asks for the same elements several times."""
        t = self._texts.get(el)
        if t is None:
            t = self._texts[el] = unwrap_source_newlines(_raw_text(el) if raw is None else raw)
        return t

    def put(self, label: str, value: str) -> None:
        key, value = _norm_label(label), _clean_value(value)
        if key and value and key not in self.meta:
            self.meta[key] = value

    def collect(self, root: HtmlElement) -> None:
        for table in root.iter("table"):
            self._table(table)
        for el in root.iter(etree.Element):
            if el in self.consumed or el.tag in ("table", "tbody", "thead", "tr", "td", "th", "html", "body"):
                continue
            raw = _raw_text(el)
            if len(raw) > 300 and len(_compact(raw)) > 300:
                continue  # body text, never a label/value pair (whitespace only shrinks in _text)
            text = self.text(el, raw)
            if not text or len(text) > 300:
                continue
            if _EXACT_LABEL_RE.match(text):
                if any(self.text(ch) == text for ch in _children(el)):
                    continue  # the innermost element carrying the label is handled instead
                value = self._value_after(el)
                if value is not None:
                    self.put(text, value)
                    self.consumed.add(el)
                continue
            if _has_inline_label(text) and not any(
                _INLINE_LABEL_RE.search(self.text(ch)) or _EXACT_LABEL_RE.match(self.text(ch))
                for ch in _elements(el)
            ) and self._inline(text):
                self.consumed.add(el)

    def _inline(self, text: str) -> bool:
        """Split 'A：x B：y' into pairs; only when the text starts with a label."""
        matches = list(_INLINE_LABEL_RE.finditer(text))
        if not matches or text[: matches[0].start()].strip(" |｜"):
            return False
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
            self.put(m.group(1), text[m.end() : end])
        return True

    def _value_after(self, el: HtmlElement) -> Optional[str]:
        """Value of an exact-label element: the next sibling with text (not another label)."""
        for sib in _following(el):
            is_el = not isinstance(sib, str)
            t = unwrap_source_newlines(sib) if isinstance(sib, str) else self.text(sib)
            if not t and not is_el:
                continue  # whitespace between elements
            if _EXACT_LABEL_RE.match(t):
                return None
            m = _INLINE_LABEL_RE.search(t)
            if m:
                t = t[: m.start()]
            if not isinstance(sib, str):
                self.consumed.add(sib)
            return t
        return None

    def _table(self, table: HtmlElement) -> None:
        """A table whose cells are mostly labels is a metadata table: read pairs row by row."""
        if table.find(".//table") is not None:
            return
        cells = list(table.iter(*_CELL_TAGS))
        labels = [c for c in cells if _EXACT_LABEL_RE.match(self.text(c)) or _starts_with_label(self.text(c))]
        if len(labels) < 2 or len(labels) * 4 < len(cells):
            return
        for tr in table.iter("tr"):
            row = _children(tr, *_CELL_TAGS)
            i = 0
            while i < len(row):
                t = self.text(row[i])
                if _EXACT_LABEL_RE.match(t) and i + 1 < len(row):
                    self.put(t, self.text(row[i + 1]))
                    i += 2
                    continue
                self._inline(t)
                i += 1
        self.consumed.add(table)


def _following(el: HtmlElement) -> Iterator[HtmlElement | str]:
    """What follows an element inside its parent, in order: its tail, then each sibling and its tail."""
    if el.tail:
        yield el.tail
    for sib in el.itersiblings():
        if _is_element(sib):
            yield sib
        if sib.tail:
            yield sib.tail


def _has_inline_label(text: str) -> bool:
    """True when ``text`` holds a 'Label：' pair anywhere (``_INLINE_LABEL_RE`` needs a colon: text
    without one is not searched)."""
    return ("：" in text or ":" in text) and _INLINE_LABEL_RE.search(text) is not None


def _starts_with_label(text: str) -> bool:
    """True for 'Label：value' text."""
    m = _INLINE_LABEL_RE.match(text)
    return bool(m)


def _title(root: HtmlElement, meta: dict[str, str]) -> Optional[str]:
    """Document title: an <h1> (the one echoed by <title> if several), else <title>."""
    title_el = next(root.iter("title"), None)
    page_title = _text(title_el) if title_el is not None else ""
    h1s = [t for t in (_text(h) for h in root.iter("h1")) if t]
    if h1s:
        echoed = [t for t in h1s if len(t) >= 4 and _compact(t) in _compact(page_title)]
        return max(echoed or h1s, key=len)
    if page_title:
        parts = [p for p in _TITLE_SPLIT_RE.split(page_title) if p.strip()]
        return max(parts, key=len) if parts else page_title
    return None


def _class_id(el: HtmlElement) -> str:
    """Joined class and id string of an element."""
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _class_tokens(el: HtmlElement) -> list[str]:
    """Lower-case tokens of an element's class and id (split on whitespace, - and _; ``str.split()``
    splits on what ``\\s`` matches, without a regex call)."""
    return _class_id(el).lower().replace("-", " ").replace("_", " ").split()


def _plain_len(el: HtmlElement) -> int:
    """Length of an element's text that is not link text (navigation is mostly links)."""
    total = len(_compact(_raw_text(el, "")))
    links = sum(len(_compact(_raw_text(a, ""))) for a in el.iterdescendants("a"))
    return total - links


def _body(root: HtmlElement) -> Optional[HtmlElement]:
    """The ``<body>`` child of ``root`` (``root.find("body")`` without ElementPath's Python layer)."""
    return next(root.iterchildren("body"), None)


def _find_body(root: HtmlElement) -> HtmlElement:
    """The article body: a content-like class/id element, else the densest text element."""
    body = _body(root)
    root = body if body is not None else root
    candidates = [
        el for el in root.iterdescendants("div", "td", "article", "section", "main", "span", "font")
        if _CONTENT_RE.search(_class_id(el))
    ]
    scored = [(el, _plain_len(el)) for el in candidates]
    scored = [(el, n) for el, n in scored if n >= 10]
    if scored:
        best = max(n for _, n in scored)
        good = [el for el, n in scored if n >= 0.7 * best]
        # the deepest element still holding most of the text
        return good[0] if len(good) == 1 else max(good, key=lambda el: sum(1 for _ in el.iterancestors()))
    best_el, best_score = root, 0
    for el in root.iterdescendants("div", "td", "article", "section", "main"):
        score = len(_compact(el.text or ""))
        for ch in el:
            if ch.tag in ("p", "span", "font", "b", "strong", "h1", "h2", "h3", "h4", "table", "center", "blockquote", "ul", "ol", "br"):
                score += _plain_len(ch)
            score += len(_compact(ch.tail or ""))
        if score > best_score:
            best_el, best_score = el, score
    if best_score < 20 or _inside_data_table(best_el):
        return root  # a dense data cell is part of a table, never the page's main content
    return best_el


def _inside_data_table(el: HtmlElement) -> bool:
    """True when ``el`` is (inside) a cell of a table that holds no nested table (a data table)."""
    cell = el if el.tag in _CELL_TAGS else next(el.iterancestors(*_CELL_TAGS), None)
    if cell is None:
        return False
    table = next(cell.iterancestors("table"), None)
    return table is not None and table.find(".//table") is None


def _own_rows(table: HtmlElement) -> list[HtmlElement]:
    """<tr>s belonging to this table, not to tables nested inside it."""
    return [tr for tr in table.iter("tr") if next(tr.iterancestors("table"), None) is table]


def _span(value: object, default: int = 1) -> int:
    """Parse a rowspan/colspan attribute leniently."""
    m = _SPAN_RE.match(str(value or ""))
    return int(m.group(1)) if m else default


class _Flow:
    """Walks a subtree in reading order and emits heading/paragraph/table blocks.

    With ``main`` given, text is kept only inside ``main`` (the article body), while
    tables are emitted wherever they stand: the parse layer never drops a table
    before the task layer has seen it (issue 11: "main content" only orders prose).
    """

    def __init__(self, consumed: set[HtmlElement], in_cell: bool = False,
                 main: Optional[HtmlElement] = None) -> None:
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.consumed = consumed
        self.in_cell = in_cell
        self.main = main
        self.keep_text = main is None
        self._main_path: set[HtmlElement] = set(main.iterancestors()) if main is not None else set()
        self._lead_in: set[HtmlElement] = _lead_in(main) if main is not None else set()

    def flush(self) -> None:
        if not self.buf:  # nothing since the last block (walk_main and block tags flush on both sides)
            return
        text = unwrap_source_newlines("".join(self.buf))
        self.buf = []
        if text:
            self.blocks.append(Block("paragraph", text=text))

    def walk(self, node: HtmlElement) -> None:
        if node.text and self.keep_text:
            self.buf.append(node.text)
        for child in node:
            if self.main is not None and child is self.main:
                self.walk_main(child)
            else:
                self.element(child)
            if child.tail and self.keep_text:
                self.buf.append(child.tail)

    def walk_main(self, main: HtmlElement) -> None:
        """The article body itself: its text is kept."""
        self.flush()
        self.keep_text = True
        if main.tag in _CELL_TAGS:
            self.walk(main)
        else:
            self.element(main)
        self.flush()
        self.keep_text = False

    def element(self, child: HtmlElement) -> None:
        """One child element (its tail is the caller's)."""
        name = child.tag
        if not isinstance(name, str) or child in self.consumed:
            return  # comment / processing instruction / metadata already read
        if name in _DROP_TAGS or name in _STRUCTURE_TAGS:
            return
        if not self.keep_text and child in self._lead_in:  # title/文号/date lines right above the body
            self.flush()
            self.keep_text = True
            self.walk(child)
            self.flush()
            self.keep_text = False
            return
        if not self.keep_text and name != "table" and child not in self._main_path:
            for table in _outermost_tables(child):  # outside the body: only its tables count
                if table not in self.consumed:
                    self.table(table)
            return
        if name == "br":
            self.flush()
        elif name in _HEADINGS:
            self.flush()
            text = _text(child)
            if text:
                kind: Literal["paragraph", "heading"] = "paragraph" if self.in_cell else "heading"
                self.blocks.append(Block(kind, text=text, level=_HEADINGS[name]))
        elif name == "table":
            self.flush()
            self.table(child)
        elif name in _BLOCK_TAGS:
            if not self.in_cell and set(_class_tokens(child)) & _NAV_TOKENS:
                return
            self.flush()
            self.walk(child)
            self.flush()
        else:
            self.walk(child)

    def table(self, table: HtmlElement) -> None:
        """Data table → grid block; layout table (nested tables, too little data) → text."""
        rows = _own_rows(table)
        if self.in_cell or table.find(".//table") is not None:
            self._layout(rows)
            return
        grid = _html_grid(rows, self.consumed)
        n_rows, n_cols = data_extent(grid)
        if n_rows >= 2 and n_cols >= 2:
            self.blocks.append(Block("table", table=Table(rows=grid)))
        else:
            self._layout(rows)

    def _layout(self, rows: list[HtmlElement]) -> None:
        if not self.keep_text:  # a layout table outside the body: only the tables inside count
            for tr in rows:
                for cell in _children(tr, *_CELL_TAGS):
                    if cell is self.main or cell in self._main_path:
                        self.walk(cell) if cell in self._main_path else self.walk_main(cell)
                        continue
                    for table in _outermost_tables(cell):
                        if table not in self.consumed:
                            self.table(table)
            return
        for tr in rows:
            for cell in _children(tr, *_CELL_TAGS):
                if cell in self.consumed:
                    continue
                self.walk(cell)
                self.flush()


_LEAD_IN_MAX = 4


def _lead_in(main: HtmlElement) -> set[HtmlElement]:
    """Short text elements just before the article body, in its parent: the notice's title, 文号 and
    date lines that portals print above the body (``<div class="wh">…〔2025〕9号</div>``). At most
    ``_LEAD_IN_MAX`` elements of up to 80 characters each, no tables, no navigation."""
    out: set[HtmlElement] = set()
    for sib in main.itersiblings(preceding=True):
        if not _is_element(sib) or sib.tag in _DROP_TAGS or sib.tag in _STRUCTURE_TAGS:
            continue
        text = _compact(_raw_text(sib, ""))
        if not text:
            continue
        if (len(text) > 80 or sib.find(".//table") is not None or sib.tag == "table"
                or set(_class_tokens(sib)) & _NAV_TOKENS or len(out) >= _LEAD_IN_MAX):
            break
        out.add(sib)
    return out


def _outermost_tables(el: HtmlElement) -> list[HtmlElement]:
    """Tables inside ``el`` that are not nested in another table inside ``el`` (document order)."""
    out = []
    for table in el.iter("table"):
        outer = next(table.iterancestors("table"), None)
        if outer is None or (outer is not el and el not in set(outer.iterancestors())):
            out.append(table)
    return out


def cell_text(cell: HtmlElement, consumed: Optional[set[HtmlElement]] = None) -> str:
    """Text of a table cell; its paragraphs/lines joined with newlines."""
    flow = _Flow(consumed or set(), in_cell=True)
    flow.walk(cell)
    flow.flush()
    return "\n".join(b.text for b in flow.blocks if b.text)


def _html_grid(rows: list[HtmlElement], consumed: set[HtmlElement]) -> list[list[Cell]]:
    """Place <td>/<th> with rowspan/colspan on a grid (HTML table model)."""
    occupied: set[tuple[int, int]] = set()
    placed: list[PlacedCell] = []
    n = len(rows)
    for r, tr in enumerate(rows):
        c = 0
        for td in _children(tr, *_CELL_TAGS):
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


def _drop(root: HtmlElement, tags: tuple[str, ...]) -> None:
    """Remove these elements with their content, keeping the text that follows them."""
    for el in list(root.iter(*tags)):
        parent = el.getparent()
        if parent is None:
            continue
        if el.tail:
            prev = el.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + el.tail
            else:
                parent.text = (parent.text or "") + el.tail
        parent.remove(el)


def parse_html(data: bytes, *, content_type: Optional[str] = None) -> Document:
    """Parse HTML bytes (any UTF-8/GB encoding, declared or not) into a Document."""
    text = decode_html(data, content_type)
    if not text.strip():
        raise ParseError("empty HTML document")
    root = _tree(text)
    # the tree's text nodes (what "".join(root.itertext()) gives, ~3x cheaper: no iterator per node)
    dropped = markup_text_dropped(text, etree.tostring(root, method="text", encoding="unicode", with_tail=False))
    _drop(root, _DROP_TAGS)
    collector = _MetaCollector()
    collector.collect(root)
    meta = dict(collector.meta)
    title = _title(root, meta)
    if title:
        meta["title"] = title
    _drop(root, _STRUCTURE_TAGS)
    page = _body(root)
    page = page if page is not None else root
    body = _find_body(root)
    flow = _Flow(collector.consumed, main=None if body is page else body)
    flow.walk(page)
    flow.flush()
    doc = Document(source_format="html", blocks=flow.blocks, meta=meta)
    if not doc.blocks:
        doc.warnings.append("no text found in HTML body")
    if dropped:
        doc.warnings.append(f"HTML parser dropped {dropped} CJK characters of the page (markup too deep or broken)")
    return doc


