"""Word 97 (.doc) → Document via external tools.

LibreOffice (``soffice --headless --convert-to docx``), when installed, keeps table
structure and merges, so its .docx is read by the docx parser. Otherwise antiword
(`-m UTF-8.txt -w 0`) gives one line per paragraph and ``|cell|cell|`` lines for
table rows; those tables are flat (``spans_known=False``: an empty cell may be a merge).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import unicodedata
from typing import Optional

from extract.parse.grid import clean_inline, is_cjk, join_wrapped_lines, pad_rows
from extract.parse.limits import run_tool
from extract.parse.model import Block, Cell, Document, ParseError, Table

_SOFFICE_NAMES = ("soffice", "libreoffice")
_PIC_MARKERS = {"[pic]", "[image]"}


def _soffice() -> Optional[str]:
    """Path of a LibreOffice binary, if installed."""
    for name in _SOFFICE_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _via_libreoffice(data: bytes, soffice: str) -> Document:
    """Convert with LibreOffice to .docx in a temp dir and parse that."""
    from extract.parse.docx import parse_docx

    with tempfile.TemporaryDirectory(prefix="doc2docx-") as tmp:
        src = os.path.join(tmp, "input.doc")
        with open(src, "wb") as fh:
            fh.write(data)
        profile = "file://" + os.path.join(tmp, "lo-profile")  # private profile: parallel-safe
        cmd = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
               "--convert-to", "docx", "--outdir", tmp, src]
        proc = run_tool(cmd, what="LibreOffice converting .doc")  # own process group, killed on timeout
        out = os.path.join(tmp, "input.docx")
        if proc.returncode != 0 or not os.path.exists(out):
            msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ParseError(f"LibreOffice could not convert .doc: {msg[-1] if msg else proc.returncode}")
        with open(out, "rb") as fh:
            doc = parse_docx(fh.read())
    doc.source_format = "doc"
    return doc


def _run_antiword(data: bytes) -> str:
    """antiword's UTF-8 text of a .doc (no line wrapping)."""
    antiword = shutil.which("antiword")
    if not antiword:
        raise ParseError(
            "cannot read Word 97 .doc: neither LibreOffice (Debian package libreoffice-writer) "
            "nor antiword (Debian package antiword) is installed"
        )
    with tempfile.NamedTemporaryFile(suffix=".doc") as fh:
        fh.write(data)
        fh.flush()
        proc = run_tool([antiword, "-m", "UTF-8.txt", "-w", "0", fh.name], what="antiword reading .doc")
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ParseError(f"antiword could not read .doc: {msg[-1] if msg else proc.returncode}")
    return proc.stdout.decode("utf-8", "replace")


def _is_table_line(line: str) -> bool:
    """antiword prints a table row as |cell|cell|."""
    s = line.strip()
    return len(s) >= 2 and s.startswith("|") and s.endswith("|")


def _width(text: str) -> int:
    """Display columns of text as antiword counts them (wide CJK chars take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _split_row(line: str) -> list[str]:
    """Raw (padded) cell segments of one |…| line."""
    return line.strip()[1:-1].split("|")


def _was_wrapped(prev_raw: str, nxt: str) -> bool:
    """True when a cell's text on the previous line had to wrap to carry ``nxt``'s first word."""
    prev = prev_raw.rstrip()
    if not prev:
        return False
    first = nxt[0] if is_cjk(nxt[0]) or is_cjk(prev[-1]) else nxt.split(" ")[0]
    sep = 0 if is_cjk(nxt[0]) or is_cjk(prev[-1]) else 1
    return _width(prev) + sep + _width(first) > _width(prev_raw)


def _continues_row(prev: list[str], cur: list[str]) -> bool:
    """antiword wraps long cells onto extra lines with no row rule: a line whose every
    non-empty cell continues a cell that was full on the line before belongs to that row."""
    if len(prev) != len(cur):
        return False
    filled = [(p, c.strip()) for p, c in zip(prev, cur) if c.strip()]
    return bool(filled) and all(_was_wrapped(p, c) for p, c in filled)


def _flat_table(lines: list[str]) -> Table:
    """|-separated lines → flat grid: wrapped lines folded into their row, ragged rows padded."""
    rows: list[list[str]] = []
    prev_raw: list[str] = []
    raws = [_split_row(line) for line in lines]
    # A numbering first column (序号: integers, blank only on wrapped lines) marks each new row exactly.
    firsts = [r[0].strip() for r in raws[1:] if r]
    numbered = bool(firsts) and any(firsts) and all(f == "" or f.isdigit() for f in firsts)
    for i, raw in enumerate(raws):
        wrapped = (i > 0 and raw[0].strip() == "" and len(raw) == len(prev_raw)) if numbered and i > 0 \
            else _continues_row(prev_raw, raw)
        if rows and wrapped:
            row = rows[-1]
            for j, seg in enumerate(raw):
                piece = seg.strip()
                if piece:
                    row[j] = join_wrapped_lines([row[j], piece]) if row[j] else piece
        else:
            rows.append([seg.strip() for seg in raw])
        prev_raw = raw
    cells = [[Cell(clean_inline(t)) for t in row] for row in rows]
    return Table(rows=pad_rows(cells), spans_known=False)


def parse_antiword_text(text: str) -> Document:
    """Turn antiword output into blocks: |…| runs → tables, other non-empty lines → paragraphs."""
    doc = Document(source_format="doc")
    pending: list[str] = []

    def flush_table() -> None:
        if pending:
            table = _flat_table(pending)
            if table.n_cols >= 2 and len(table.rows) >= 1:
                doc.blocks.append(Block("table", table=table))
            else:
                for row in table.rows:
                    t = " ".join(c.text for c in row if c.text)
                    if t:
                        doc.blocks.append(Block("paragraph", text=t))
            pending.clear()

    for raw in text.replace("\r\n", "\n").replace("\f", "\n").split("\n"):
        if _is_table_line(raw):
            pending.append(raw)
            continue
        flush_table()
        line = clean_inline(raw)
        if line and line.lower() not in _PIC_MARKERS:
            doc.blocks.append(Block("paragraph", text=line))
    flush_table()
    return doc


def parse_doc(data: bytes) -> Document:
    """Parse .doc bytes: LibreOffice if installed (keeps merges), else antiword."""
    soffice = _soffice()
    if soffice:
        try:
            doc = _via_libreoffice(data, soffice)
        except ParseError as exc:  # hung or failed LibreOffice: antiword still reads the text
            if not shutil.which("antiword"):
                raise
            doc = parse_antiword_text(_run_antiword(data))
            doc.warnings.append(f"{exc}; read with antiword: table merges unknown")
            return doc
        if doc.tables or not shutil.which("antiword"):
            return doc
        # LibreOffice sometimes imports a Word 97 table as run-together text; antiword still sees its rows.
        fallback = parse_antiword_text(_run_antiword(data))
        if not fallback.tables:
            return doc
        fallback.warnings.append("LibreOffice lost the table structure; read with antiword: table merges unknown")
        return fallback
    doc = parse_antiword_text(_run_antiword(data))
    doc.warnings.append("read with antiword: table merges unknown")
    return doc

