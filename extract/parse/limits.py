"""Guards that keep one hostile file bounded in time and memory, or loud when it loses text.

Each guard is a small function the format parsers call in a line or two; the
numbers come from ``extract.settings`` (one place). Sources of the rules:
zip bombs — the uncompressed sizes a ZIP central directory declares (Python's
``zipfile`` never reads past them, it fails the CRC instead); spans — the HTML
table model caps colspan at 1000 (WHATWG "processing model" for tables), the
same ceiling is used for Word's ``w:gridSpan``; unmapped glyphs — pdfminer
prints ``(cid:N)`` for a glyph whose font has no usable ToUnicode map.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import zipfile

import numpy as np

from extract import settings
from extract.parse.model import Document, ParseError

_CID_RE = re.compile(r"\(cid:\d+\)")
_NOT_CJK_RE = re.compile("[^\u3400-\u4DBF\u4E00-\u9FFF]+")
_TAG_RE = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.S | re.I)


def check_zip(data: bytes) -> None:
    """Refuse a ZIP container (.docx/.xlsx) whose members would inflate past the limits.

    Checks, before any member is read: total declared uncompressed size ≤
    ``settings.MAX_UNZIPPED_BYTES`` and, for members over 1 MiB, the
    uncompressed/compressed ratio ≤ ``settings.MAX_ZIP_RATIO``. Raises
    ``ParseError`` naming the member; a corrupt container is left to the parser.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return
    total = 0
    for info in infos:
        total += info.file_size
        if total > settings.MAX_UNZIPPED_BYTES:
            raise ParseError(f"ZIP container inflates past {settings.MAX_UNZIPPED_BYTES} bytes "
                             f"(at member {info.filename}): refused as a zip bomb")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > settings.MAX_ZIP_RATIO:
            raise ParseError(f"ZIP member {info.filename} inflates {ratio:.0f}× "
                             f"(limit {settings.MAX_ZIP_RATIO:.0f}×): refused as a zip bomb")


def clamp_span(n: int) -> int:
    """A row/column span clamped to 1 … ``settings.MAX_SPAN`` (a 2e9 gridSpan allocates nothing)."""
    return min(max(n, 1), settings.MAX_SPAN)


def document_text(doc: Document) -> str:
    """All text of a Document: paragraphs and headings, then table cells, one per line."""
    lines = [b.text or "" for b in doc.blocks]
    lines += [c.text for t in doc.tables for row in t.rows for c in row if c.merged_from is None]
    return "\n".join(lines)


def check_pdf_glyphs(doc: Document) -> None:
    """Raise ``ParseError`` when a PDF's text is mostly unmapped glyphs (``(cid:N)``).

    A CID font without a usable ToUnicode map extracts as ``(cid:19)(cid:20)…``;
    reading on would give zero tasks and a green run. The rule: more than 20% of
    the non-space characters are inside ``(cid:N)`` markers.
    """
    text = document_text(doc)
    cids = _CID_RE.findall(text)
    if not cids:
        return
    in_markers = sum(len(c) for c in cids)
    visible = len(re.sub(r"\s+", "", text))
    if in_markers > 0.2 * visible:
        raise ParseError(f"PDF text is {len(cids)} unmapped glyphs (cid:N): the font has no usable "
                         "ToUnicode map, so the text cannot be read (OCR or another rendition needed)")


def cjk_count(text: str) -> int:
    """Number of CJK ideographs (U+3400–U+4DBF, U+4E00–U+9FFF) in ``text``.

    Counted on the UTF-32 code points with numpy: a regex ``findall`` builds one string per
    ideograph and cost ~1 ms on a work-plan page (this check runs on every HTML page). Below 256
    characters numpy's fixed cost (~10 µs) is the larger one: there the non-ideographs are cut out
    by one regex and the rest is counted."""
    if len(text) < 256:
        return len(_NOT_CJK_RE.sub("", text))
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    return int(np.count_nonzero(((codes >= 0x3400) & (codes <= 0x4DBF)) | ((codes >= 0x4E00) & (codes <= 0x9FFF))))


def markup_text_dropped(markup: str, kept_text: str) -> int:
    """CJK ideographs in the markup's text (tags, scripts, styles, comments removed) that the
    parsed tree does not hold; 0 when the tree kept everything. Used to detect a parser that
    silently dropped content (e.g. libxml2's nesting-depth limit). When the tag-free markup is the
    kept text itself (a page without entities, scripts or comments) nothing was dropped and nothing
    is counted."""
    text = _TAG_RE.sub("", markup)
    return 0 if text == kept_text else max(0, cjk_count(text) - cjk_count(kept_text))


def run_tool(cmd: list[str], *, timeout_s: float | None = None, what: str = "converter") -> subprocess.CompletedProcess:
    """Run an external converter in its own process group, bounded in time.

    On timeout the whole group is killed (LibreOffice's ``soffice`` wrapper leaves a
    ``soffice.bin`` child that a plain kill orphans), then ``ParseError`` is raised so
    the caller can fall back. ``timeout_s`` defaults to ``settings.CONVERTER_TIMEOUT_S``.
    Returns the completed process (stdout/stderr as bytes); the exit code is not checked.
    """
    timeout_s = settings.CONVERTER_TIMEOUT_S if timeout_s is None else timeout_s
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ParseError(f"{what} timed out after {timeout_s:.0f}s; its process group was killed") from None
    except BaseException:
        _kill_group(proc)
        raise
    _kill_group(proc)  # daemons it left behind in its group
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL every process of ``proc``'s group (its session), then reap ``proc``."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.communicate(timeout=5)
    except (subprocess.TimeoutExpired, ValueError):
        pass


def require_tasks(extraction: object, *, source: str = "input") -> None:
    """Raise ``ParseError`` when a read produced zero task rows (issue 13: a file with no
    tasks is an error, never a green run that read nothing). ``extraction`` is an
    ``extract.tasks.Extraction`` (anything with ``.tasks`` and ``.warnings``)."""
    if getattr(extraction, "tasks", None):
        return
    warnings = list(getattr(extraction, "warnings", []))
    why = [w for w in warnings if w.startswith("no task table")]  # names the tables seen (extract.tasks)
    hints = "; ".join(why or warnings[:3])
    raise ParseError(f"{source}: no task rows found" + (f" ({hints})" if hints else ""))
