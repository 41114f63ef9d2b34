"""Plain-text dumps → Document.

Two table shapes occur in text dumps of work plans:

* one cell per tab-indented line, a blank line between rows (a cell broken
  across lines continues on an un-indented line, sometimes after a blank line);
* one row per line with tab-separated cells;
* (pdftotext -layout) one row per line, columns aligned by runs of spaces under
  the header's words.

Everything else is prose: one paragraph per line, except that a PDF-wrapped
sentence (a long line stopping mid-sentence, continued on the next line) is
joined back. Text dumps cannot show merged cells, so tables get
``spans_known=False``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

from extract.parse.encoding import decode_bytes
from extract.parse.model import Block, Cell, Document, ParseError, Table

_CJK_CHAR = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f“”‘’]")
_HEADING1 = re.compile(r"^\s*(?:[一二三四五六七八九十百零〇]+\s*[、．.]|第[一二三四五六七八九十百]+[章部分节])")
_HEADING2 = re.compile(r"^\s*[（(]\s*[一二三四五六七八九十百零〇]+\s*[）)]")
_ENUM_START = re.compile(r"^\s*(?:[一二三四五六七八九十百零〇]+\s*[、．.]|[（(]\s*[一二三四五六七八九十百零〇\d]+\s*[）)]|\d+\s*[、．.])")
_DATE_LINE = re.compile(r"^\s*[\d〇零一二三四五六七八九十]{4}\s*年")
_TERMINAL = set("。！？；：!?;:）)」』】》”’")
_SENTENCE_PUNCT = set("。，；：！？,;:")
# A line opened by a short label (任务二：, 具体内容：, 责任股室：): after another such line it starts its own line.
_LABEL_START = re.compile(r"^[\u4e00-\u9fff]{2,6}[:：]")
_MIN_WRAPPED_LEN = 15
# pdftotext -layout dumps: columns aligned by runs of spaces (round 5 rule 11).
_SPACE_GAP = re.compile(r"\S {2,}\S")
_SPACE_CELL = re.compile(r"\S+(?:[ \u3000]\S+)*")  # a cell: words separated by single spaces
_SEQ_CELL = re.compile(r"^\d{1,3}[.．、]?$")
_HEADER_CELL_MAX = 14  # header words are short (extract/tasks/table.py _HEADER_MAX_LEN)


def join_pieces(left: str, right: str) -> str:
    """Join two pieces of one wrapped text: nothing between CJK, a space between words."""
    left, right = left.rstrip(), right.strip()
    if not left:
        return right
    if not right:
        return left
    if _CJK_CHAR.match(left[-1]) or _CJK_CHAR.match(right[0]):
        return left + right
    return left + " " + right


def _line_kind(line: str) -> str:
    """Classify a raw line: blank | cell (tab-indented, one cell) | row (tab-separated) | text."""
    if not line.strip(" \u3000\u00a0\r\f\v"):
        return "blank" if "\t" not in line else "cell"
    if line.startswith("\t"):
        return "row" if "\t" in line[1:] else "cell"
    if "\t" in line.strip():
        return "row"
    return "text"


class _TableBuilder:
    """Accumulates rows of one table in either dump shape."""

    def __init__(self, shape: str) -> None:
        """Start an empty table of the given dump shape."""
        self.shape = shape  # "cell" or "row"
        self.rows: list[list[str]] = []
        self.n_cols: Optional[int] = None
        self.closed = False  # a blank line followed the last cell (cell shape)

    def _finish_row(self) -> None:
        """Fix the column count from the first (header) row once it is complete."""
        if self.n_cols is None and self.rows:
            self.n_cols = len(self.rows[0])

    @property
    def incomplete(self) -> bool:
        """True when the last row has fewer cells than the header row."""
        return bool(self.rows) and self.n_cols is not None and len(self.rows[-1]) < self.n_cols

    def add_cell(self, text: str) -> None:
        """A tab-indented single-cell line."""
        if not self.rows or self.closed:
            self._finish_row()
            self.rows.append([text])
        else:
            self.rows[-1].append(text)
        self.closed = False

    def add_row(self, cells: list[str]) -> None:
        """A tab-separated line: a new row, or the rest of a row broken across lines."""
        self._finish_row()
        if self.incomplete and not self.closed:
            last = self.rows[-1]
            last[-1] = join_pieces(last[-1], cells[0])
            last.extend(cells[1:])
        else:
            self.rows.append(cells)
        self.closed = False

    def blank(self) -> None:
        """A blank line: ends a row in the cell shape."""
        if self.rows:
            self.closed = True

    def accepts_text(self) -> bool:
        """Whether an un-indented text line continues the last cell."""
        if not self.rows:
            return False
        if self.n_cols is None:  # still in the header row
            return not self.closed and self.shape == "cell"
        return len(self.rows[-1]) < self.n_cols

    def add_text(self, text: str) -> None:
        """Continue the last cell with a wrapped line."""
        last = self.rows[-1]
        last[-1] = join_pieces(last[-1], text)
        self.closed = False

    def build(self) -> Optional[Table]:
        """Rectangular Table, or None when this was not really a table (one column)."""
        self._finish_row()
        rows = [r for r in self.rows if any(c.strip() for c in r)]
        if not rows:
            return None
        width = max(len(r) for r in rows)
        if width < 2:
            return None
        grid = [[Cell(c.strip()) for c in r] + [Cell("") for _ in range(width - len(r))] for r in rows]
        return Table(rows=grid, spans_known=False)


def _width(text: str) -> int:
    """Display width of ``text`` in a monospaced layout: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _layout_cells(line: str) -> list[tuple[int, str]]:
    """(display column, text) of each space-separated cell of a layout line (cells are split by two
    spaces or more; one space stays inside a cell)."""
    return [(_width(line[:m.start()]), m.group()) for m in _SPACE_CELL.finditer(line)]


def _layout_row(line: str, ends: list[int]) -> Optional[list[str]]:
    """Cells of ``line`` placed in the header's columns, or None when the line does not fit the table.

    ``ends``: the display column where each header word ends. A cell starting past the end of header
    word k-1 lies in column k or right of it (its column's left edge is past the word above the
    previous column), so left-aligned and centred header words both place it."""
    cells = _layout_cells(line)
    if not cells or (len(cells) == 1 and cells[0][0] < ends[0]):  # a prose line at the margin
        return None
    row = [""] * len(ends)
    for col, text in cells:
        k = sum(1 for end in ends[:-1] if end <= col)
        row[k] = join_pieces(row[k], text) if row[k] else text
    return row


def _space_table(lines: list[str], i: int) -> Optional[tuple[Table, int]]:
    """The space-aligned table whose header is ``lines[i]`` and the index after its last line, else None.

    The header has three short cells or more; column boundaries come from the header's positions. A
    line with an empty first column continues the row above when the first column is numbered (a
    cell wrapped by the layout): its cells are appended on a new line of the cell, so units printed
    one per line stay apart (the task layer joins a line that does not end like a unit name, as for
    ``<br>``). Blank lines between rows are skipped; the table ends at the first line that does not
    fit it, or at a line with an empty first column after a blank line (an indented signature).
    Needs two rows or more."""
    words = _SPACE_CELL.findall(lines[i])
    if len(words) < 3 or any(len(t) > _HEADER_CELL_MAX for t in words):
        return None
    header = _layout_cells(lines[i])
    ends = [c + _width(t) for c, t in header]
    rows: list[list[str]] = []
    j, end = i + 1, i + 1
    while j < len(lines):
        if not lines[j].strip():
            j += 1
            continue
        row = _layout_row(lines[j], ends)
        if row is None:
            break
        if not row[0] and rows and _SEQ_CELL.match(rows[0][0]):
            if j > end:  # after a blank line: an indented signature or date below the table, not a wrapped cell
                break
            rows[-1] = [f"{a}\n{b}" if a and b else a or b for a, b in zip(rows[-1], row)]
        else:
            rows.append(row)
        j = end = j + 1
    if len(rows) < 2:
        return None
    grid = [[Cell(t) for _, t in header]] + [[Cell(t) for t in r] for r in rows]
    return Table(rows=grid, spans_known=False), end


def _space_tables(text: str, lines: list[str]) -> list[tuple[int, int, Table]]:
    """(first line, line after the last, Table) of each space-aligned table (a pdftotext -layout dump)
    in ``lines``, the lines of ``text``. Only lines holding two spaces in a row are tried, found with
    ``str.find`` on the whole text. Own code: no library reads layout text back into cells."""
    candidates: list[int] = []
    pos, line_no, last = text.find("  "), 0, 0
    while pos != -1:
        line_no += text.count("\n", last, pos)
        candidates.append(line_no)
        last = text.find("\n", pos)
        if last == -1:
            break
        pos = text.find("  ", last)
    spans: list[tuple[int, int, Table]] = []
    for i in candidates:
        if (spans and i < spans[-1][1]) or "\t" in lines[i] or not _SPACE_GAP.search(lines[i]):
            continue
        found = _space_table(lines, i)
        if found is not None:
            spans.append((i, found[1], found[0]))
    return spans


def _is_heading(text: str) -> Optional[int]:
    """Heading level for an enumerated short title line (一、… → 1, （一）… → 2), else None."""
    body = text.strip()
    if len(body) > 40 or "。" in body.rstrip("。"):
        return None
    if _HEADING1.match(body):
        return 1
    if _HEADING2.match(body):
        return 2
    return None


def _continues(prev: str, line: str) -> bool:
    """True when ``line`` is the rest of a sentence wrapped from ``prev`` (PDF line break)."""
    prev, line = prev.strip(), line.strip()
    if len(prev) < _MIN_WRAPPED_LEN or prev[-1] in _TERMINAL or _is_heading(prev):
        return False
    if _ENUM_START.match(line) or _DATE_LINE.match(line):
        return False
    if _LABEL_START.match(line) and _LABEL_START.match(prev):  # 任务二：X / 具体内容：Y: one label per line
        return False
    if not any(ch in _SENTENCE_PUNCT for ch in line):
        return False
    return any(ch in _SENTENCE_PUNCT or ch == "、" for ch in prev)


def _paragraph_blocks(lines: list[str]) -> list[Block]:
    """Prose lines → heading/paragraph blocks, joining PDF-wrapped sentences."""
    paras: list[str] = []
    for line in lines:
        text = line.strip()
        if not text:
            continue
        if paras and _continues(paras[-1], text):
            paras[-1] = join_pieces(paras[-1], text)
        else:
            paras.append(text)
    blocks = []
    for p in paras:
        level = _is_heading(p)
        blocks.append(Block("heading", text=p, level=level) if level else Block("paragraph", text=p))
    return blocks


def parse_text(data: bytes) -> Document:
    """Read a plain-text dump (prose lines plus tab-laid tables) into a Document."""
    text, _codec = decode_bytes(data)
    if "\x00" in text:
        raise ParseError("text dump contains NUL bytes (binary file?)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    spans = _space_tables(text, lines) if "  " in text else []
    blocks: list[Block] = []
    prose: list[str] = []
    table: Optional[_TableBuilder] = None

    def flush_prose() -> None:
        """Emit the pending prose lines as blocks."""
        if prose:
            blocks.extend(_paragraph_blocks(prose))
            prose.clear()

    def flush_table() -> None:
        """Emit the pending table (or its text, when it was not a table)."""
        nonlocal table
        if table is None:
            return
        built = table.build()
        if built is not None:
            blocks.append(Block("table", table=built))
        else:  # not a table after all: keep its text as prose
            blocks.extend(_paragraph_blocks(["\t".join(r) for r in table.rows]))
        table = None

    def feed(segment: list[str]) -> None:
        """Read the lines of a stretch without space-aligned tables."""
        nonlocal table
        for line in segment:
            kind = _line_kind(line)
            if kind == "blank":
                if table is not None:
                    table.blank()
                continue
            if kind == "text":
                if table is not None and table.accepts_text():
                    table.add_text(line.strip())
                    continue
                flush_table()
                prose.append(line)
                continue
            if kind == "cell":
                cell = line.strip()
                if table is not None and table.shape == "row":
                    table.add_row(["", cell] if line.startswith("\t") and cell else [cell])
                    continue
                if table is None:
                    flush_prose()
                    table = _TableBuilder("cell")
                table.add_cell(cell)
                continue
            # tab-separated row
            cells = [c.strip() for c in line.rstrip("\n").split("\t")]
            if table is not None and table.shape == "cell":
                flush_table()
            if table is None:
                flush_prose()
                table = _TableBuilder("row")
            table.add_row(cells)

    done = 0
    for first, after, space_table in spans:  # a space-aligned table, already read
        feed(lines[done:first])
        flush_table()
        flush_prose()
        blocks.append(Block("table", table=space_table))
        done = after
    feed(lines[done:] if done else lines)
    flush_table()
    flush_prose()
    return Document(source_format="text", blocks=blocks)
