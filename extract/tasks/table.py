"""Task tables: find the task table among a document's tables and read its rows.

The header is recognised by its words (序号/编号, 任务名称/重点任务/工作任务,
任务内容/具体内容/工作内容, 责任单位/牵头部门/…, 时间节点/完成时限/…), in
any spacing (``序  号``). Fragments (PDF pages, a table split by a page break,
a second attachment table) are joined; header rows repeated on later
fragments are dropped. Merged cells: when the source knows its spans
(``Cell.merged_from``) they are used; in flat sources an empty 任务名称 or
责任单位 cell continues the cell above, and such rows are marked *inferred* so
``reconcile`` can revisit them against the prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from extract.parse.model import Cell, Document, Table
from extract.tasks.normalize import clean_text, squash

ROLES = ("seq", "name", "content", "units", "support", "deadline", "group")

# Checked in this order; the first role whose pattern matches a header cell wins.
_ROLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("seq", re.compile(r"^(?:序号|编号|序|号|No\.?|NO\.?|ID)$", re.I)),
    ("support", re.compile(r"配合|协办|协同|参与单位|协助|支持单位")),
    ("units", re.compile(r"责任|牵头|承办|主办|实施主体|负责|主体|部门|单位|处室")),
    ("deadline", re.compile(r"时间|时限|期限|节点|进度|完成时|截止")),
    ("content", re.compile(r"内容|措施|具体任务|工作要求|任务要求|举措|任务描述|工作目标")),
    ("name", re.compile(r"名称|重点任务|工作任务|主要任务|重点工作|任务|事项|工作重点|项目")),
    ("group", re.compile(r"类别|领域|板块|方面|分类|类型|栏目")),
)
_HEADER_MAX_LEN = 14
_INT_RE = re.compile(r"^\s*(\d{1,4})\s*[.．、]?\s*$")
_SECTION_ROW_RE = re.compile(r"^\s*(?:[一二三四五六七八九十百]+\s*[、．.]|[（(]\s*[一二三四五六七八九十百]+\s*[）)]|第[一二三四五六七八九十]+部分)")


def header_role(text: str) -> Optional[str]:
    """Role of one header cell (seq/name/content/units/support/deadline/group), None if unknown."""
    key = squash(text).strip("*＊:：")
    if not key or len(key) > _HEADER_MAX_LEN:
        return None
    for role, pattern in _ROLE_PATTERNS:
        if pattern.search(key):
            return role
    return None


def header_roles(cells: list[str]) -> Optional[dict[str, int]]:
    """Column index per role when ``cells`` is a task-table header row, else None."""
    roles: dict[str, int] = {}
    for j, text in enumerate(cells):
        role = header_role(text)
        if role and role not in roles:
            roles[role] = j
    has_text = "content" in roles or "name" in roles
    has_who_when = "units" in roles or "deadline" in roles
    if not (has_text and has_who_when and len(roles) >= 3):
        return None
    if "content" not in roles:  # one text column: it holds the task itself
        roles["content"] = roles.pop("name")
    return roles


@dataclass
class TableRow:
    """One task row read from a table, after merged-cell fill."""

    seq: int
    name: Optional[str]
    content: str
    units: str
    support: str
    deadline: Optional[str]
    name_inferred: bool = False   # empty name cell filled from the row above (flat source)
    explicit_name: bool = False   # the name cell holds its own text (not a merge, not empty)
    section: Optional[str] = None  # a section row inside the table (一、…), if any
    position: tuple[int, int] = (0, 0)  # (table index, row index) for messages


@dataclass
class TableRead:
    """All task rows of a document plus the header used."""

    rows: list[TableRow] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _cell(row: list[Cell], roles: dict[str, int], role: str) -> Optional[Cell]:
    """The cell of ``role`` in ``row`` (None when the table has no such column)."""
    j = roles.get(role)
    return row[j] if j is not None and j < len(row) else None


def _text(cell: Optional[Cell]) -> str:
    """Cleaned text of a cell ('' for a missing cell)."""
    return clean_text(cell.text) if cell is not None else ""


def _sub_header(row: list[Cell], roles: dict[str, int]) -> Optional[dict[str, int]]:
    """A second header row splitting 责任单位 into 牵头/配合 columns: updated roles, else None."""
    texts = [squash(c.text) for c in row]
    if any(_INT_RE.match(t) for t in texts if t):
        return None
    lead = [j for j, t in enumerate(texts) if t and "牵头" in t and len(t) <= _HEADER_MAX_LEN]
    support = [j for j, t in enumerate(texts) if t and header_role(t) == "support"]
    if not lead or not support:
        return None
    new = dict(roles)
    new["units"], new["support"] = lead[0], support[0]
    return new


def _is_repeated_header(row: list[Cell]) -> bool:
    """A header row repeated on a later page or fragment (never a numbered data row)."""
    texts = [c.text for c in row]
    return not any(_INT_RE.match(t) for t in texts) and header_roles(texts) is not None


def _section_text(row: list[Cell], roles: dict[str, int]) -> Optional[str]:
    """Text of a section row (one title across the table, no seq/content), else None."""
    texts = [clean_text(c.text) for c in row]
    distinct = {t for t in texts if t}
    if len(distinct) != 1:
        return None
    text = distinct.pop()
    seq = _text(_cell(row, roles, "seq"))
    if _INT_RE.match(seq):
        return None
    spans_row = sum(1 for t in texts if t) >= max(2, len(texts) - 1)  # merged across the row
    if spans_row or _SECTION_ROW_RE.match(text):
        return text
    return None


def find_header(table: Table, max_rows: int = 4) -> Optional[tuple[int, dict[str, int]]]:
    """(row index, roles) of the header within the first rows of ``table``, else None."""
    for i, row in enumerate(table.rows[:max_rows]):
        if _is_repeated_header(row):
            return i, header_roles([c.text for c in row]) or {}
    return None


def read_task_tables(docs: list[Document]) -> TableRead:
    """Join the task-table fragments of all parts and read their rows."""
    out = TableRead()
    roles: Optional[dict[str, int]] = None
    n_cols = 0
    prev: Optional[TableRow] = None
    section: Optional[str] = None
    counter = 0
    t_index = -1
    for doc in docs:
        for table in doc.tables:
            t_index += 1
            if not table.rows:
                continue
            found = find_header(table)
            if found is not None:
                start, new_roles = found
                sub = _sub_header(table.rows[start + 1], new_roles) if start + 1 < len(table.rows) else None
                if sub is not None:
                    new_roles, start = sub, start + 1
                if roles is None:
                    out.header = [clean_text(c.text).replace(" ", "") for c in table.rows[found[0]]]
                elif table.n_cols != n_cols:
                    out.warnings.append(f"table {t_index + 1}: another task table with a different header joined")
                roles, n_cols, start = new_roles, table.n_cols, start + 1
            elif roles is not None and table.n_cols == n_cols and _continues_table(table, roles, prev):
                start = 0  # a continuation fragment (next page) without its header
            else:
                continue
            first_of_fragment = True
            for r_index in range(start, len(table.rows)):
                row = table.rows[r_index]
                if not any(c.text.strip() for c in row) or _is_repeated_header(row):
                    continue
                sec = _section_text(row, roles)
                if sec is not None:
                    section, prev = sec, None
                    first_of_fragment = False
                    continue
                seq_text = _text(_cell(row, roles, "seq"))
                if (prev is not None and "seq" in roles and not seq_text and first_of_fragment
                        and not table.spans_known):
                    # a row broken by a page break: its rest continues the previous row
                    _append_continuation(prev, row, roles)
                    first_of_fragment = False
                    continue
                first_of_fragment = False
                counter += 1
                m = _INT_RE.match(seq_text)
                seq = int(m.group(1)) if m else counter
                prev = _read_row(row, roles, table.spans_known, prev, seq, section, (t_index, r_index))
                out.rows.append(prev)
    return out


def _continues_table(table: Table, roles: dict[str, int], prev: Optional[TableRow]) -> bool:
    """A headerless table continues the task table: a PDF page fragment, or its 序号 runs on."""
    if table.page is not None:
        return True
    if prev is None or "seq" not in roles:
        return False
    first = table.rows[0]
    m = _INT_RE.match(_text(_cell(first, roles, "seq")))
    return m is None and not _text(_cell(first, roles, "seq")) or (m is not None and int(m.group(1)) == prev.seq + 1)


def _append_continuation(prev: TableRow, row: list[Cell], roles: dict[str, int]) -> None:
    """Append the texts of a page-break continuation row to the row it continues."""
    prev.content = clean_text(prev.content + _text(_cell(row, roles, "content")))
    for attr, role in (("units", "units"), ("support", "support")):
        extra = _text(_cell(row, roles, role))
        if extra:
            setattr(prev, attr, getattr(prev, attr) + extra)
    extra = _text(_cell(row, roles, "deadline"))
    if extra:
        prev.deadline = (prev.deadline or "") + extra
    extra = _text(_cell(row, roles, "name"))
    if extra and prev.name and prev.explicit_name:
        prev.name += extra


def _read_row(row: list[Cell], roles: dict[str, int], spans_known: bool, prev: Optional[TableRow],
              seq: int, section: Optional[str], position: tuple[int, int]) -> TableRow:
    """One data row → TableRow, filling merged/empty name and unit cells."""
    name_cell = _cell(row, roles, "name")
    name = _text(name_cell) or None
    explicit = bool(name) and (name_cell is None or name_cell.merged_from is None)
    inferred = False
    if name_cell is not None and not name:
        inferred = True
        name = prev.name if prev is not None else None
    if "name" not in roles:
        group = _text(_cell(row, roles, "group"))
        name = group or (prev.name if prev is not None and "group" in roles else None)
    units = _text(_cell(row, roles, "units"))
    support = _text(_cell(row, roles, "support"))
    if not units and not support and prev is not None:
        units, support = prev.units, prev.support
    deadline_cell = _cell(row, roles, "deadline")
    deadline = _text(deadline_cell) or None
    if deadline is None and deadline_cell is not None and prev is not None and not spans_known and inferred:
        deadline = prev.deadline  # flat source: an empty cell inside a merged group
    content = _text(_cell(row, roles, "content"))
    if not content and explicit and "name" in roles:
        content = name or ""  # a row that only names its task
    return TableRow(
        seq=seq, name=name, content=content, units=units, support=support,
        deadline=deadline, name_inferred=inferred, explicit_name=explicit, section=section, position=position,
    )
