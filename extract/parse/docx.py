"""Word 2007+ (.docx) → Document, reading the body XML in order.

python-docx repeats merged cells in ``table.rows[i].cells`` without saying which
are merges, so tables are read from ``w:tc`` elements directly: ``w:gridSpan``
(horizontal) and ``w:vMerge`` restart/continue (vertical) become merged_from.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Iterator, Optional

from docx import Document as open_docx
from docx.oxml.ns import qn
from docx.styles import BabelFish
from lxml import etree

from extract.parse.grid import PlacedCell, clean_inline, clean_multiline, data_extent, grid_from_placed
from extract.parse.limits import check_zip, clamp_span
from extract.parse.model import Block, Cell, Document, ParseError, Table

_HEADING_STYLE_RE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)
_W_P, _W_TBL, _W_SDT, _W_TR, _W_TC = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:tr"), qn("w:tc")
_W_T, _W_TAB, _W_BR, _W_CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_W_VAL = qn("w:val")
# every other element name used below, qualified once (qn() per cell was ~6 % of a docx parse)
_W_CUSTOM_XML, _W_GRID_BEFORE, _W_GRID_SPAN = qn("w:customXml"), qn("w:gridBefore"), qn("w:gridSpan")
_W_H_MERGE, _W_INS, _W_OUTLINE_LVL = qn("w:hMerge"), qn("w:ins"), qn("w:outlineLvl")
_W_P_PR, _W_P_STYLE, _W_SDT_CONTENT = qn("w:pPr"), qn("w:pStyle"), qn("w:sdtContent")
_W_SMART_TAG, _W_TC_PR, _W_TR_PR = qn("w:smartTag"), qn("w:tcPr"), qn("w:trPr")
_W_V_MERGE = qn("w:vMerge")


def _val(el: Optional[etree._Element], default: Optional[str] = None) -> Optional[str]:
    """The w:val attribute of an element (None/default when missing)."""
    if el is None:
        return default
    return el.get(_W_VAL, default)


def _int(el: Optional[etree._Element], default: int) -> int:
    """Integer w:val of an element, default when missing or malformed."""
    try:
        return int(_val(el, str(default)) or default)
    except ValueError:
        return default


def _para_text(p: etree._Element) -> str:
    """Visible text of a w:p: runs, tabs and breaks, including hyperlinks and insertions.

    Deleted text (w:delText) is ignored; field instructions (w:instrText) too.
    """
    parts: list[str] = []
    for el in p.iter(_W_T, _W_TAB, _W_BR, _W_CR):
        if el.tag == _W_T:
            parts.append(el.text or "")
        elif el.tag == _W_TAB:
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def _iter_body(parent: etree._Element) -> Iterator[etree._Element]:
    """w:p and w:tbl children in order, looking through content controls (w:sdt)."""
    for child in parent.iterchildren():
        if child.tag in (_W_P, _W_TBL):
            yield child
        elif child.tag == _W_SDT:
            content = child.find(_W_SDT_CONTENT)
            if content is not None:
                yield from _iter_body(content)
        elif child.tag in (_W_CUSTOM_XML, _W_INS, _W_SMART_TAG):
            yield from _iter_body(child)


def _iter_rows(tbl: etree._Element) -> Iterator[etree._Element]:
    """w:tr of a table (through sdt/customXml wrappers)."""
    for child in tbl.iterchildren():
        if child.tag == _W_TR:
            yield child
        elif child.tag in (_W_SDT, _W_CUSTOM_XML):
            inner = child.find(_W_SDT_CONTENT) if child.tag == _W_SDT else child
            if inner is not None:
                yield from _iter_rows(inner)


def _iter_cells(tr: etree._Element) -> Iterator[etree._Element]:
    """w:tc of a row (through sdt/customXml wrappers)."""
    for child in tr.iterchildren():
        if child.tag == _W_TC:
            yield child
        elif child.tag in (_W_SDT, _W_CUSTOM_XML):
            inner = child.find(_W_SDT_CONTENT) if child.tag == _W_SDT else child
            if inner is not None:
                yield from _iter_cells(inner)


def _cell_text(tc: etree._Element) -> str:
    """All paragraphs of a cell (nested tables included) joined by newlines."""
    return clean_multiline("\n".join(_para_text(p) for p in tc.iter(_W_P)))


def table_grid(tbl: etree._Element) -> list[list[Cell]]:
    """Rectangular grid of a w:tbl with gridSpan/vMerge/hMerge turned into merged_from."""
    placed: list[PlacedCell] = []
    # origin (row, col) of the vertical merge open in each grid column
    open_v: dict[int, PlacedCell] = {}
    r = 0
    for tr in _iter_rows(tbl):
        trpr = tr.find(_W_TR_PR)
        col = clamp_span(_int(trpr.find(_W_GRID_BEFORE) if trpr is not None else None, 0) + 1) - 1
        row_cells: list[PlacedCell] = []
        for tc in _iter_cells(tr):
            tcpr = tc.find(_W_TC_PR)
            span = clamp_span(_int(tcpr.find(_W_GRID_SPAN) if tcpr is not None else None, 1))
            vmerge = tcpr.find(_W_V_MERGE) if tcpr is not None else None
            hmerge = tcpr.find(_W_H_MERGE) if tcpr is not None else None
            is_continue = vmerge is not None and _val(vmerge, "continue") != "restart"
            if hmerge is not None and _val(hmerge, "continue") != "restart" and row_cells:
                row_cells[-1].colspan += span  # legacy horizontal merge: widen the left cell
                col += span
                continue
            origin = open_v.get(col)
            if is_continue and origin is not None:
                origin.rowspan = r - origin.row + 1
            else:
                pc = PlacedCell(r, col, _cell_text(tc), 1, span)
                placed.append(pc)
                row_cells.append(pc)
                for c in range(col, col + span):
                    open_v.pop(c, None)
                if vmerge is not None:  # restart (or orphan continue): opens a merge
                    open_v[col] = pc
            col += span
        # a column not continued in this row closes its vertical merge
        for c, pc in list(open_v.items()):
            if pc.row + pc.rowspan - 1 < r and pc.row != r:
                del open_v[c]
        r += 1
    return grid_from_placed(placed, n_rows=r) if r else []


def _heading_level(p: etree._Element, styles: dict[str, str]) -> Optional[int]:
    """Heading level from the paragraph style (Heading N / 标题 N / Title) or outline level."""
    ppr = p.find(_W_P_PR)
    if ppr is None:
        return None
    style_id = _val(ppr.find(_W_P_STYLE))
    if style_id:
        name = styles.get(style_id, style_id)
        m = _HEADING_STYLE_RE.match(name.replace("标题 ", "标题"))
        if m:
            return int(m.group(1))
        if name.lower() == "title" or name == "标题":
            return 1
    lvl = ppr.find(_W_OUTLINE_LVL)
    if lvl is not None:
        n = _int(lvl, 9)
        if n < 9:
            return n + 1
    return None


def _style_names(doc) -> dict[str, str]:
    """Map style id → style name (ids are localized/opaque, names are stable)."""
    names: dict[str, str] = {}
    try:  # python-docx's own accessors (same values, same errors) without a style object per style
        for el in doc.styles.element.style_lst:
            el.type  # noqa: B018 - what StyleFactory reads first: an unknown w:type raises here too
            style_id = el.styleId
            if not style_id:
                continue
            name_val = el.name_val
            name = BabelFish.internal2ui(name_val) if name_val is not None else None
            if name:
                names[style_id] = name
    except Exception:  # noqa: BLE001 - broken styles part: no style names
        pass
    return names


def _is_layout_table(tbl: etree._Element, grid: list[list[Cell]]) -> bool:
    """A table used for page layout: it holds a nested table and has under 2×2 cells of its own data.

    (python-docx hides nested tables; a one-cell frame around the task table is common.)
    """
    if tbl.find(f".//{_W_TC}//{_W_TBL}") is None:
        return False
    rows, cols = data_extent(grid)
    return rows < 2 or cols < 2


def _emit_body(parent: etree._Element, styles: dict[str, str], out: Document, depth: int = 0) -> None:
    """Append the paragraphs and tables under ``parent`` in order; layout tables are unwrapped."""
    for el in _iter_body(parent):
        if el.tag == _W_P:
            text = clean_multiline(_para_text(el))
            if not text:
                continue
            text = clean_inline(text.replace("\n", " ")) if "\n" in text else text
            level = _heading_level(el, styles)
            if level is not None:
                out.blocks.append(Block("heading", text=text, level=level))
            else:
                out.blocks.append(Block("paragraph", text=text))
            continue
        grid = table_grid(el)
        if depth < 8 and _is_layout_table(el, grid):
            for tr in _iter_rows(el):
                for tc in _iter_cells(tr):
                    _emit_body(tc, styles, out, depth + 1)
        elif grid and any(c.text for row in grid for c in row):
            out.blocks.append(Block("table", table=Table(rows=grid)))


def parse_docx(data: bytes) -> Document:
    """Parse .docx bytes: body paragraphs and tables in order, merges kept."""
    check_zip(data)  # a deflate bomb is refused before python-docx inflates it
    try:
        doc = open_docx(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise ParseError(f"unreadable .docx: {exc}") from exc
    except Exception as exc:  # python-docx raises assorted errors on non-Word packages
        raise ParseError(f"unreadable .docx: {type(exc).__name__}: {exc}") from exc
    styles = _style_names(doc)
    out = Document(source_format="docx")
    title = (doc.core_properties.title or "").strip()
    if title:
        out.meta["title"] = title
    _emit_body(doc.element.body, styles, out)
    if not out.blocks:
        out.warnings.append("no text found in .docx body")
    return out



__all__ = ["parse_docx", "table_grid"]
