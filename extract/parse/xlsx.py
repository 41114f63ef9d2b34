"""Spreadsheets (.xlsx via openpyxl, .xls via xlrd) → Document.

Each visible sheet, in workbook order: title rows above the header (one text per
row, e.g. a merged full-width 2024年政务公开工作要点任务分解表) become paragraphs,
the rest becomes one Table whose merge ranges are kept as merged_from.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from extract import settings
from extract.parse.grid import PlacedCell, clean_multiline, data_extent, drop_rows, grid_from_placed
from extract.parse.limits import check_zip
from extract.parse.model import Block, Cell, Document, ParseError, Table

_MERGE_RE = re.compile(rb"""<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*["']([^"']+)["']""")


@dataclass
class SheetData:
    """One sheet's cell texts (0-based rows × cols) and merge ranges (r0, c0, r1, c1) inclusive."""

    name: str
    values: list[list[str]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


def format_value(value: Any) -> str:
    """Cell value as the text a reader sees: integral floats without .0, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return clean_multiline(str(value))


def _grid(sheet: SheetData) -> list[list[Cell]]:
    """Sheet values cropped to the used area, with merges placed as spans."""
    values, merges = sheet.values, sheet.merges
    height = len(values)
    width = max((len(r) for r in values), default=0)
    used_rows = [r for r in range(height) if any(v for v in values[r])]
    used_cols = [c for c in range(width) if any(c < len(row) and row[c] for row in values)]
    if not used_rows or not used_cols:
        return []
    r_lo, r_hi = used_rows[0], used_rows[-1]
    c_lo, c_hi = used_cols[0], used_cols[-1]

    def val(r: int, c: int) -> str:
        return values[r][c] if r < height and c < len(values[r]) else ""

    covered: set[tuple[int, int]] = set()
    placed: list[PlacedCell] = []
    for r0, c0, r1, c1 in merges:
        r0, c0, r1, c1 = max(r0, r_lo), max(c0, c_lo), min(r1, r_hi), min(c1, c_hi)
        if r0 > r1 or c0 > c1:
            continue
        text = val(r0, c0) or next((val(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if val(r, c)), "")
        placed.append(PlacedCell(r0 - r_lo, c0 - c_lo, text, r1 - r0 + 1, c1 - c0 + 1))
        covered.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
    for r in range(r_lo, r_hi + 1):
        for c in range(c_lo, c_hi + 1):
            if (r, c) not in covered:
                placed.append(PlacedCell(r - r_lo, c - c_lo, val(r, c)))
    placed.sort(key=lambda p: (p.row, p.col))
    return grid_from_placed(placed, n_rows=r_hi - r_lo + 1)


def _origins_with_text(row: list[Cell], r: int) -> set[tuple[int, int]]:
    """Distinct origins of the non-empty positions of a row."""
    return {c.merged_from or (r, j) for j, c in enumerate(row) if c.text.strip()}


def sheet_blocks(sheet: SheetData) -> list[Block]:
    """Title rows → paragraphs, the rest → a Table (a one-column rest → paragraphs)."""
    grid = _grid(sheet)
    blocks: list[Block] = []
    if not grid:
        return blocks
    emitted: set[tuple[int, int]] = set()
    start = 0
    for r, row in enumerate(grid):
        origins = _origins_with_text(row, r)
        if not origins:
            start = r + 1
            continue
        if len(origins) > 1:
            break
        origin = next(iter(origins))
        if origin not in emitted:
            emitted.add(origin)
            blocks.append(Block("paragraph", text=grid[origin[0]][origin[1]].text))
        start = r + 1
    if start >= len(grid):
        return blocks
    referenced = {c.merged_from for row in grid for c in row if c.merged_from}
    keep = [
        r for r in range(start, len(grid))
        if any(c.text.strip() or c.merged_from for c in grid[r]) or any((r, j) in referenced for j in range(len(grid[r])))
    ]
    rows = drop_rows(grid, keep)
    _, n_cols = data_extent(rows)
    if n_cols >= 2:
        blocks.append(Block("table", table=Table(rows=rows)))
    else:
        for row in rows:
            text = next((c.text for c in row if c.text.strip() and c.merged_from is None), "")
            if text:
                blocks.append(Block("paragraph", text=text))
    return blocks


def _document(fmt: str, sheets: list[SheetData], hidden: list[str]) -> Document:
    """Assemble the Document of a workbook from its visible sheets."""
    doc = Document(source_format=fmt)
    for sheet in sheets:
        doc.blocks.extend(sheet_blocks(sheet))
    if sheets:
        doc.meta["sheets"] = "\n".join(s.name for s in sheets)
    for name in hidden:
        doc.warnings.append(f"hidden sheet skipped: {name}")
    if not doc.blocks:
        doc.warnings.append("workbook has no cell text")
    return doc


def _sheet_merges(archive: zipfile.ZipFile, member: str) -> list[tuple[int, int, int, int]]:
    """Merge ranges of one sheet part (read-only openpyxl does not read them), found by a
    chunked byte scan of the sheet XML: an XML parse of a million-row sheet costs ~10× more."""
    from openpyxl.utils.cell import range_boundaries

    merges: list[tuple[int, int, int, int]] = []
    tail = b""
    with archive.open(member) as fh:
        while True:
            chunk = fh.read(4 * 1024 * 1024)
            buf = tail + chunk
            end = 0
            for m in _MERGE_RE.finditer(buf):
                end = m.end()
                try:
                    c0, r0, c1, r1 = range_boundaries(m.group(1).decode("ascii", "replace"))
                except (TypeError, ValueError):
                    continue
                if c0 is not None and r0 is not None and c1 is not None and r1 is not None:
                    merges.append((r0 - 1, c0 - 1, r1 - 1, c1 - 1))
            if not chunk:
                return merges
            tail = buf[max(end, len(buf) - 256):]


def _stream_values(ws, name: str, warnings: list[str]) -> list[list[str]]:
    """Cell texts of a read-only sheet, row by row, trailing blanks cut, within the row/cell caps.

    The sheet's declared dimension is ignored (it can claim A1:XFD1048576); rows past
    ``settings.MAX_TABLE_ROWS`` or cells past ``settings.MAX_TABLE_CELLS`` are not read,
    with a warning.
    """
    ws.reset_dimensions()
    values: list[list[str]] = []
    cells = 0
    for i, row in enumerate(ws.iter_rows(values_only=True)):
        texts = [format_value(v) for v in row]
        while texts and not texts[-1]:
            texts.pop()
        cells += len(texts)
        if i >= settings.MAX_TABLE_ROWS or cells > settings.MAX_TABLE_CELLS:
            warnings.append(f"sheet {name} truncated: more than {settings.MAX_TABLE_ROWS} rows or "
                            f"{settings.MAX_TABLE_CELLS} cells; the rest was not read")
            break
        values.append(texts)
    while values and not values[-1]:
        values.pop()
    return values


def parse_xlsx(data: bytes) -> Document:
    """Parse .xlsx bytes with openpyxl in read-only (streaming) mode: cached formula values,
    merged ranges read from the sheet XML and clamped to the used range, rows/cells capped."""
    import openpyxl

    check_zip(data)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except Exception as exc:
        raise ParseError(f"unreadable .xlsx: {type(exc).__name__}: {exc}") from exc
    sheets: list[SheetData] = []
    hidden: list[str] = []
    warnings: list[str] = []
    try:
        title = (wb.properties.title or "").strip() if wb.properties else ""
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                hidden.append(ws.title)
                continue
            values = _stream_values(ws, ws.title, warnings)
            merges = _sheet_merges(wb._archive, ws._worksheet_path)  # type: ignore[attr-defined]  # noqa: SLF001 - the sheet's zip member
            sheets.append(SheetData(ws.title, values, merges))
    finally:
        wb.close()
    doc = _document("xlsx", sheets, hidden)
    doc.warnings[:0] = warnings
    if title:
        doc.meta["title"] = title
    return doc


def parse_xls(data: bytes) -> Document:
    """Parse Excel 97 .xls bytes with xlrd (formatting_info for merged ranges)."""
    import xlrd

    log = io.StringIO()
    warnings: list[str] = []
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, logfile=log, on_demand=False)
    except Exception:  # noqa: BLE001 - retried below without formatting; a second failure is an error
        try:  # some writers' formatting records trip xlrd: read values without merges
            book = xlrd.open_workbook(file_contents=data, logfile=log)
            warnings.append("xls formatting unreadable; merged cells unknown")
        except Exception as exc:
            raise ParseError(f"unreadable .xls: {type(exc).__name__}: {exc}") from exc
    sheets: list[SheetData] = []
    hidden: list[str] = []
    for sh in book.sheets():
        if getattr(sh, "visibility", 0):
            hidden.append(sh.name)
            continue
        values: list[list[str]] = []
        for r in range(sh.nrows):
            row = []
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        row.append(format_value(xlrd.xldate.xldate_as_datetime(float(cell.value), book.datemode)))
                    except Exception:  # noqa: BLE001 - an impossible date serial: keep the number
                        row.append(format_value(cell.value))
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    row.append(format_value(bool(cell.value)))
                elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    row.append("")
                else:
                    row.append(format_value(cell.value))
            values.append(row)
        merges = [(rlo, clo, rhi - 1, chi - 1) for rlo, rhi, clo, chi in getattr(sh, "merged_cells", [])]
        sheets.append(SheetData(sh.name, values, merges))
    doc = _document("xls", sheets, hidden)
    doc.warnings[:0] = warnings
    return doc

