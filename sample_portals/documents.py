"""Attachment generators for the sample portals: docx, pdf, xlsx, HTML table and Word 97 .doc.

Every generator is deterministic: fixed core properties / creation dates and fixed zip
member timestamps, so two builds give identical bytes.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Optional

import yaml

SOURCE_DIR = Path(__file__).resolve().parent / "source"
ZIP_TIME = (2023, 1, 1, 0, 0, 0)


@dataclass
class Cell:
    text: str
    rows: int = 1          # rowspan; only meaningful on the top cell of a merge


@dataclass
class TableRow:
    seq: str
    name: Optional[Cell]       # None = covered by a merge above
    content: str
    units: Optional[Cell]
    deadline: Optional[Cell]


@dataclass
class TaskTable:
    seed: str
    title: str
    header: list[str]
    rows: list[TableRow]


def load_table(seed: str) -> TaskTable:
    """Read the reviewed table source ``source/<seed>.yml``."""
    data = yaml.safe_load((SOURCE_DIR / f"{seed}.yml").read_text(encoding="utf-8"))

    def cell(r: dict, key: str) -> Optional[Cell]:
        return Cell(str(r[key]), int(r.get(f"{key}_rows", 1))) if key in r else None

    rows = [TableRow(str(r["seq"]), cell(r, "name"), str(r["content"]), cell(r, "units"),
                     cell(r, "deadline")) for r in data["rows"]]
    return TaskTable(data["seed"], data["title"], list(data["header"]), rows)


def _grid(table: TaskTable) -> tuple[list[list[Optional[str]]], list[tuple[int, int, int]]]:
    """Body cells as a grid (None = covered) and merges as (col, top_row, bottom_row)."""
    grid: list[list[Optional[str]]] = []
    merges: list[tuple[int, int, int]] = []
    for i, r in enumerate(table.rows):
        line: list[Optional[str]] = [r.seq, None, r.content, None, None]
        for col, c in ((1, r.name), (3, r.units), (4, r.deadline)):
            if c is not None:
                line[col] = c.text
                if c.rows > 1:
                    merges.append((col, i, i + c.rows - 1))
        grid.append(line)
    return grid, merges


def normalize_zip(data: bytes) -> bytes:
    """Rewrite a zip (docx/xlsx) with fixed member timestamps, keeping member order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------- docx

def table_docx(table: TaskTable, *, author: str, when: datetime) -> bytes:
    """Word 2007+ rendition: title, repeated header row, real vMerge merged cells."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Cm(29.7), Cm(21.0)
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    doc.add_paragraph("附件")
    title = doc.add_paragraph()
    run = title.add_run(table.title)
    run.bold = True
    run.font.size = Pt(16)
    grid, merges = _grid(table)
    t = doc.add_table(rows=len(grid) + 1, cols=5)
    t.style = "Table Grid"
    widths = [Cm(1.3), Cm(4.5), Cm(12.0), Cm(5.5), Cm(2.4)]
    hdr = t.rows[0]
    trpr = hdr._tr.get_or_add_trPr()  # noqa: SLF001 - python-docx has no API for a header row
    th = OxmlElement("w:tblHeader")
    trpr.append(th)
    for col, (text, w) in enumerate(zip(table.header, widths)):
        hdr.cells[col].width = w
        hdr.cells[col].paragraphs[0].add_run(text).bold = True
    for col, top, bottom in merges:
        t.cell(top + 1, col).merge(t.cell(bottom + 1, col))
    for i, line in enumerate(grid):
        for col, text in enumerate(line):
            if text is None:
                continue
            cell = t.cell(i + 1, col)
            parts = text.split("\n")
            cell.paragraphs[0].text = parts[0]
            for extra in parts[1:]:
                cell.add_paragraph(extra)
    for row in t.rows:
        for col, w in enumerate(widths):
            row.cells[col].width = w
    cp = doc.core_properties
    cp.author = author
    cp.last_modified_by = author
    cp.title = table.title
    cp.created = when
    cp.modified = when
    cp.last_printed = when
    cp.revision = 1
    cp.comments = ""
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_zip(buf.getvalue())


# --------------------------------------------------------------------------- pdf

def table_pdf(table: TaskTable, *, author: str) -> bytes:
    """Multi-page PDF: ruled table, header repeated per page, merged names via SPAN."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("b", fontName="STSong-Light", fontSize=9, leading=12, wordWrap="CJK")
    head = ParagraphStyle("h", parent=body, fontSize=10)
    ttl = ParagraphStyle("t", parent=body, fontSize=15, leading=20, alignment=1)
    grid, merges = _grid(table)

    def para(text: Optional[str], st: ParagraphStyle = body) -> object:
        # STSong-Light's UCS-2 cmap lacks U+00B7; U+30FB is the same GB glyph (A1A4) and extracts as "·".
        text = (text or "").replace("\u00b7", "\u30fb")
        return Paragraph("<br/>".join(escape(p) for p in text.split("\n")), st)

    data = [[para(h, head) for h in table.header]]
    data += [[para(c) for c in line] for line in grid]
    style = [("GRID", (0, 0), (-1, -1), 0.6, colors.black),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8"))]
    style += [("SPAN", (col, top + 1), (col, bottom + 1)) for col, top, bottom in merges if col == 1]
    # 责任单位/时间节点 merges are drawn as one box too, with the text in the top row.
    style += [("SPAN", (col, top + 1), (col, bottom + 1)) for col, top, bottom in merges if col != 1]
    tbl = Table(data, colWidths=[1.3 * cm, 4.3 * cm, 12.5 * cm, 5.6 * cm, 2.3 * cm],
                repeatRows=1, splitInRow=0)
    tbl.setStyle(TableStyle(style))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), invariant=1, title=table.title,
                            author=author, creator="sample_portals", producer="ReportLab",
                            subject="", leftMargin=1.5 * cm, rightMargin=1.5 * cm,
                            topMargin=1.5 * cm, bottomMargin=1.5 * cm)
    doc.build([para("附件"), Spacer(1, 4), para(table.title, ttl), Spacer(1, 8), tbl])
    return buf.getvalue()


# --------------------------------------------------------------------------- xlsx

def table_xlsx(table: TaskTable, *, author: str, when: datetime) -> bytes:
    """Excel rendition: a merged title row above the header, merged ranges for groups."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"title": table.title, "author": author, "created": when, "company": ""})
    ws = wb.add_worksheet("Sheet1")
    fmt_title = wb.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter",
                               "font_name": "宋体"})
    fmt_head = wb.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter",
                              "font_name": "宋体", "bg_color": "#D9D9D9"})
    fmt = wb.add_format({"border": 1, "valign": "vcenter", "text_wrap": True, "font_name": "宋体"})
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 2, 60)
    ws.set_column(3, 3, 30)
    ws.set_column(4, 4, 10)
    ws.merge_range(0, 0, 0, 4, table.title, fmt_title)
    ws.set_row(0, 36)
    ws.write_row(1, 0, table.header, fmt_head)
    ws.repeat_rows(1)
    grid, merges = _grid(table)
    merged = {(top, col): bottom for col, top, bottom in merges}
    covered = {(r, col) for col, top, bottom in merges for r in range(top + 1, bottom + 1)}
    base = 2
    for i, line in enumerate(grid):
        for col, text in enumerate(line):
            if (i, col) in covered:
                continue
            value: object = text or ""
            if col == 0 and str(text).isdigit():
                value = int(str(text))
            if (i, col) in merged:
                ws.merge_range(base + i, col, base + merged[(i, col)], col, value, fmt)
            else:
                ws.write(base + i, col, value, fmt)
    wb.close()
    return normalize_zip(buf.getvalue())


# --------------------------------------------------------------------------- html

def table_html(table: TaskTable) -> str:
    """The table as an HTML <table> with rowspan, as CMS editors paste it from Word."""
    grid, merges = _grid(table)
    spans = {(top, col): bottom - top + 1 for col, top, bottom in merges}
    out = ['<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" '
           'style="border-collapse:collapse;width:100%">',
           "<tbody>", "<tr>" + "".join(f'<td style="text-align:center"><p><strong>{escape(h)}'
                                        f"</strong></p></td>" for h in table.header) + "</tr>"]
    for i, line in enumerate(grid):
        tds = []
        for col, text in enumerate(line):
            if text is None:
                continue
            span = spans.get((i, col), 1)
            attr = f' rowspan="{span}"' if span > 1 else ""
            inner = "<br/>".join(escape(p) for p in text.split("\n"))
            tds.append(f"<td{attr}><p>{inner}</p></td>")
        out.append("<tr>" + "".join(tds) + "</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


# --------------------------------------------------------------------------- doc

def soffice_path() -> Optional[str]:
    """Path of the LibreOffice binary, or None when not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_doc(docx_bytes: bytes, timeout: float = 180.0) -> Optional[bytes]:
    """Convert docx bytes to Word 97 .doc with headless LibreOffice; None if unavailable."""
    exe = soffice_path()
    if not exe:
        return None
    with tempfile.TemporaryDirectory(prefix="sp_doc_") as tmp:
        src = Path(tmp) / "table.docx"
        src.write_bytes(docx_bytes)
        profile = Path(tmp) / "profile"
        env = dict(os.environ, HOME=tmp, TZ="UTC", SOURCE_DATE_EPOCH="1672531200")
        subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", "doc:MS Word 97", "--outdir", tmp, str(src)],
                       check=True, capture_output=True, timeout=timeout, env=env)
        out = Path(tmp) / "table.doc"
        return out.read_bytes() if out.exists() else None
