"""The one shape every format parser returns: ordered blocks plus tables as grids.

Parsers (HTML, .docx, .doc, PDF, .xlsx, text dumps) only *read*; they do not
decide what a task is. ``extract.tasks`` turns a Document into task rows.
Merged cells keep their origin so task extraction can tell "merged with the
cell above" (known) from "empty cell" (a flat source, meaning unknown).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

BlockKind = Literal["heading", "paragraph", "table"]


@dataclass
class Cell:
    """One grid position. ``text`` is the cell's own text; for a position covered
    by a merge (vMerge/rowspan/colspan/PDF box) ``merged_from`` is the (row, col)
    of the origin cell and ``text`` repeats the origin's text."""

    text: str
    merged_from: Optional[tuple[int, int]] = None


@dataclass
class Table:
    """A rectangular grid (every row has the same number of cells).

    ``page`` is the 1-based page for PDFs (one Table per page fragment; the task
    layer joins fragments and drops repeated headers). ``spans_known`` is False
    for flat sources (text dumps) where an empty cell may or may not be a merge.
    """

    rows: list[list[Cell]]
    page: Optional[int] = None
    spans_known: bool = True

    @property
    def n_cols(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    def texts(self) -> list[list[str]]:
        return [[c.text for c in r] for r in self.rows]


@dataclass
class Block:
    kind: BlockKind
    text: str = ""
    table: Optional[Table] = None
    level: Optional[int] = None  # heading level when the source says so


@dataclass
class Document:
    """Parsed content of one file, in reading order.

    ``source_format``: html | docx | doc | pdf | xlsx | xls | text.
    ``meta``: what the container itself says (HTML <title>, a portal page's
    metadata block such as 索引号/文件编号/发布机构/发布时间, docx core title).
    """

    source_format: str
    blocks: list[Block] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def tables(self) -> list[Table]:
        return [b.table for b in self.blocks if b.kind == "table" and b.table is not None]


class ParseError(Exception):
    """Input that cannot be read: unsupported format, corrupt file, missing tool."""
