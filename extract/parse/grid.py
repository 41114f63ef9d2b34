"""Shared helpers for format parsers: span-aware grid building and text cleanup.

Every format describes merged cells differently (rowspan/colspan, vMerge/gridSpan,
PDF cell boxes, sheet merge ranges); they all end up as placed spans here so the
``Table`` grids look the same whatever the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from extract import settings
from extract.parse.model import Cell, ParseError

# CJK ideographs, CJK punctuation and full-width forms: no spaces belong between these.
_CJK = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u33ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
_CJK_RE = re.compile(f"[{_CJK}]")
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}])[ \t\u00a0]+(?=[{_CJK}])")
_NEWLINE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}])[ \t\u00a0]*\n\\s*(?=[{_CJK}])")
_NOT_CJK_SPACE = " \t\n\r\f\v\u00a0"  # whitespace outside _CJK (U+3000 is inside it)
_WS_RUN = re.compile(r"[ \t\u00a0\u3000\r\f\v]+")


def is_cjk(ch: str) -> bool:
    """True for a CJK ideograph/punctuation/full-width char (no word spaces around it)."""
    return bool(ch) and bool(_CJK_RE.match(ch))


def squeeze_cjk_spaces(text: str) -> str:
    """Drop spaces sitting between two CJK characters (PDF/word-wrap artefacts)."""
    return _SPACE_BETWEEN_CJK.sub("", text)


def join_wrapped_lines(lines: Iterable[str]) -> str:
    """Join visually wrapped lines into one string: no separator between CJK, else one space."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
        elif is_cjk(out[-1]) or is_cjk(line[0]):
            out += line
        elif out.endswith("-") and out[-2:-1].isalpha() and line[0].isalpha():
            out = out[:-1] + line
        else:
            out += " " + line
    return squeeze_cjk_spaces(out)


def clean_inline(text: str) -> str:
    """Collapse whitespace runs of one line to single spaces and strip the ends."""
    return _WS_RUN.sub(" ", text).strip()


def clean_multiline(text: str) -> str:
    """Normalize a multi-line text: clean each line, drop empty lines, keep line breaks."""
    lines = [clean_inline(x) for x in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(x for x in lines if x)


def unwrap_source_newlines(text: str) -> str:
    """Remove source-formatting newlines between CJK chars, then collapse whitespace (HTML text)."""
    if "\n" in text:  # the CJK-newline scan is the costly part; most strings have no newline
        if "\n" in text.strip(_NOT_CJK_SPACE):  # else every newline is in the leading/trailing space,
            text = _NEWLINE_BETWEEN_CJK.sub("", text)  # where no CJK char stands on both sides of it
        text = text.replace("\n", " ")
    return clean_inline(text)


@dataclass
class PlacedCell:
    """A source cell placed on the grid: top-left position, spans and text."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1


def grid_from_placed(cells: list[PlacedCell], n_rows: Optional[int] = None) -> list[list[Cell]]:
    """Build a rectangular Cell grid; positions covered by a span point at their origin.

    Later cells never overwrite positions already covered (malformed overlapping spans
    keep the first claimant). Unclaimed positions become empty cells.
    """
    if not cells:
        return []
    height = n_rows if n_rows is not None else max(c.row + c.rowspan for c in cells)
    width = max(c.col + c.colspan for c in cells)
    if height * width > settings.MAX_TABLE_CELLS:  # bound memory before allocating the grid
        raise ParseError(f"table of {height}×{width} cells exceeds the limit of {settings.MAX_TABLE_CELLS} cells")
    grid: list[list[Optional[Cell]]] = [[None] * width for _ in range(height)]
    for pc in cells:
        if pc.row >= height or grid[pc.row][pc.col] is not None:
            continue
        for r in range(pc.row, min(pc.row + pc.rowspan, height)):
            for c in range(pc.col, pc.col + pc.colspan):
                if grid[r][c] is not None:
                    continue
                if (r, c) == (pc.row, pc.col):
                    grid[r][c] = Cell(pc.text)
                else:
                    grid[r][c] = Cell(pc.text, merged_from=(pc.row, pc.col))
    return [[c if c is not None else Cell("") for c in row] for row in grid]


def pad_rows(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Pad ragged rows with empty cells so the grid is rectangular."""
    width = max((len(r) for r in rows), default=0)
    return [r + [Cell("") for _ in range(width - len(r))] for r in rows]


def data_extent(rows: list[list[Cell]]) -> tuple[int, int]:
    """(rows with any text, columns with any text) — how much real data a grid holds."""
    n_rows = sum(1 for r in rows if any(c.text.strip() for c in r))
    width = max((len(r) for r in rows), default=0)
    n_cols = sum(1 for j in range(width) if any(j < len(r) and r[j].text.strip() for r in rows))
    return n_rows, n_cols


def drop_rows(rows: list[list[Cell]], keep: list[int]) -> list[list[Cell]]:
    """Keep only the row indices in ``keep`` and renumber merged_from accordingly.

    A merged_from pointing at a dropped row is re-pointed at the first kept row of
    that merge (which then becomes the origin and loses its merged_from).
    """
    new_index = {old: new for new, old in enumerate(keep)}
    out: list[list[Cell]] = []
    first_kept: dict[tuple[int, int], tuple[int, int]] = {}
    for new_r, old_r in enumerate(keep):
        row: list[Cell] = []
        for c, cell in enumerate(rows[old_r]):
            mf = cell.merged_from
            if mf is None:
                row.append(Cell(cell.text))
            elif mf[0] in new_index:
                row.append(Cell(cell.text, merged_from=(new_index[mf[0]], mf[1])))
            elif mf in first_kept:
                row.append(Cell(cell.text, merged_from=first_kept[mf]))
            elif mf[1] == c:
                first_kept[mf] = (new_r, c)
                row.append(Cell(cell.text))
            else:
                # covered by a horizontal span whose new origin is to the left in this row
                origin = first_kept.get(mf)
                row.append(Cell(cell.text, merged_from=origin))
        out.append(row)
    return out
