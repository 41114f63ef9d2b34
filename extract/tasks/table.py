"""Task tables: find the task table among a document's tables and read its rows.

Column roles come from the header words, assigned over the whole header at once
(the best assignment, not first match per cell), in any order and any spacing
(``工&nbsp;作&nbsp;任&nbsp;务``): seq (序号), name (任务名称/工作任务/工作事项…),
content (任务内容/具体要求/主要内容…), units (责任单位/牵头单位/责任主体…),
support (配合单位/协责单位, or 责任单位 beside a 牵头 column), deadline (完成时限/
时限要求/完成期限…) and group (领域/类别…). Rules: ``shared/cases/README.md``
and ``tests/fixtures/gold/README.md``.

Fragments are joined only when they continue the same table: a repeated header
with the same roles, a PDF page fragment, or a headerless table whose numbering
runs on. Rows spanning the table that read as headings give the ``section`` of
the rows below; ``注：`` rows are footnotes. Merged cells: when the source knows
its spans (``Cell.merged_from``) an empty cell is empty; in flat sources an empty
任务名称 or 责任单位 cell continues the cell above, and such rows are marked
*inferred* so ``reconcile`` can revisit them against the prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from scipy.optimize import linear_sum_assignment

from extract.parse.model import Cell, Document, Table
from extract.tasks.normalize import clean_text, squash

ROLES = ("seq", "name", "content", "units", "support", "deadline", "group")

# Header vocabulary per role: (pattern on the whitespace-free header word, score). Exact words
# score higher than a shared character run; the assignment maximises the header's total score.
_VOCAB: dict[str, tuple[tuple[re.Pattern[str], float], ...]] = {
    "seq": (
        (re.compile(r"^(?:序号|编号|序|号|项次|No\.?|NO\.?|ID|排序)$", re.I), 10.0),
    ),
    "name": (
        (re.compile(r"^(?:任务名称|重点任务|工作任务|主要任务|重点工作|工作事项|事项|任务|项目|工作重点|事项名称|"
                    r"任务事项|具体事项|工作项目|主要工作|工作名称|任务项|重点事项|公开事项|公开内容名称|工作|工作要点|要点)$"), 8.0),
        (re.compile(r"名称|重点任务|工作任务|主要任务|重点工作|任务|事项|工作重点|项目"), 4.0),
    ),
    "content": (
        (re.compile(r"^(?:任务内容|具体内容|工作内容|主要内容|具体要求|工作要求|任务要求|工作措施|具体措施|主要措施|"
                    r"工作举措|具体举措|具体任务|任务描述|工作目标|目标任务|要求|内容|措施|具体工作|任务分解|"
                    r"工作任务及要求|具体任务内容|公开内容|工作安排|主要举措)$"), 8.0),
        (re.compile(r"内容|要求|措施|举措|具体任务|任务描述|目标"), 5.0),
    ),
    "units": (
        (re.compile(r"^(?:责任单位|牵头单位|牵头部门|责任部门|责任主体|责任科室|责任处室|牵头处室|牵头科室|承办单位|"
                    r"主办单位|实施主体|负责单位|负责部门|主责部门|主责单位|责任单位部门|牵头责任单位|落实单位)$"), 8.0),
        (re.compile(r"责任|牵头|承办|主办|主责|负责|主体|部门|单位|处室|科室"), 5.0),
    ),
    "support": (
        (re.compile(r"^(?:配合单位|配合部门|协办单位|参与单位|协同单位|协助单位|协作单位|支持单位|配合处室|配合科室|"
                    r"协责单位|协责部门)$"), 9.0),
        (re.compile(r"配合|协办|协同|参与|协助|协作|协责"), 7.0),
    ),
    "deadline": (
        (re.compile(r"^(?:完成时限|时限要求|完成期限|完成时间|时间节点|时间要求|时间安排|进度安排|推进时间|截止时间|"
                    r"办结时限|时限|期限|时间|进度|完成节点)$"), 8.0),
        (re.compile(r"时间|时限|期限|节点|进度|完成时|截止|日期"), 6.0),
    ),
    "group": (
        (re.compile(r"^(?:领域|类别|板块|方面|分类|类型|栏目|工作领域|重点领域|公开领域|工作类别|任务类别|一级指标|方向|工作环节|环节|阶段|工作阶段)$"), 7.0),
        (re.compile(r"类别|领域|板块|方面|分类|类型|栏目|环节|阶段|步骤"), 5.0),
    ),
}
_HEADER_MAX_LEN = 14
# 责任领导 / 分管领导 / 联系人 name people (办事处副主任), not the responsible units: no role.
_PERSON_RE = re.compile(r"领导$|联系人|经办人|分管|责任人$")
_NOTE_RE = re.compile(r"[（(][^（）()]*[）)]$")  # a header word's parenthetical note: 完成时限（2024年）
_INT_RE = re.compile(r"^\s*(\d{1,4})\s*[.．、]?\s*$")
# a 序号 cell written as an ordinal: (1), （1）, 1）, 1), ⑴…⒇ (round 5 rule 1)
_SEQ_ORDINAL_RE = re.compile(r"^\s*(?:[（(]\s*(\d{1,3})\s*[）)]|(\d{1,3})\s*[）)]|([⑴-⒇]))\s*$")
_SECTION_ROW_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+\s*[、．.]|[（(]\s*[一二三四五六七八九十百]+\s*[）)]|第[一二三四五六七八九十]+部分)"
)
# A leading ordinal on a name/content cell is numbering, not text (shared/cases/README.md).
_ORDINAL_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+\s*[、．.]|[（(]\s*[一二三四五六七八九十百]+\s*[）)]\s*[、．.]?"
    r"|第[一二三四五六七八九十百]+部分\s*[:：、]?|(?P<num>\d{1,3})\s*[.．、](?!\d)|[（(]\s*(?P<pnum>\d{1,3})\s*[）)]\s*[、．.]?"
    r"|(?P<hnum>\d{1,3})\s*[）)](?![）)])|[⑴-⒇]|[①-⑳])\s*"
)
_FOOTNOTE_RE = re.compile(r"^\s*(?:注|备注|说明|附注)\s*[0-9一二三四五六七八九十]*\s*[:：]")


def _header_key(text: str) -> str:
    """A header cell as matched: whitespace (incl. &nbsp; and full-width spaces), stars, colons and a
    trailing parenthetical note removed."""
    key = squash(text).strip("*＊:：")
    return _NOTE_RE.sub("", key) if len(key) > 2 else key


def _role_scores(text: str) -> dict[str, float]:
    """Score of each role for one header cell (empty when the cell names no role)."""
    return _key_scores(_header_key(text))


def _key_scores(key: str) -> dict[str, float]:
    """``_role_scores`` of an already computed ``_header_key``."""
    if not key or len(key) > _HEADER_MAX_LEN or key.isdigit():
        return {}
    scores: dict[str, float] = {}
    for role, patterns in _VOCAB.items():
        for pattern, score in patterns:
            if pattern.search(key):
                scores[role] = score
                break
    if scores and _PERSON_RE.search(key):  # 责任领导 would score as units
        return {}
    return scores


@dataclass
class HeaderRoles:
    """Roles of a task-table header: column per role, and why each column got its role."""

    roles: dict[str, int]
    why: dict[int, str] = field(default_factory=dict)


def assign_roles(cells: list[str], spans: tuple[tuple[int, int], ...] = ()) -> Optional[HeaderRoles]:
    """Best assignment of roles to header cells (each role at most once); None when not a task header.

    A task header has a text column (name or content), a who/when column (units or deadline) and at
    least three roles. Scores come from ``_VOCAB``; beside a 牵头 column, a 责任/配合 column is the
    support column (``X牵头 | Y责任``, shared/cases/README.md). With only a name column, that column
    holds the task itself (content).

    ``spans``: (first, last) column of each header cell merged across columns (colspan/gridSpan).
    When another column names the content (主要内容), a spanning text header (目标任务 over two
    columns) covers the task's group and name columns: its rightmost column is the name, the ones
    left of it are groups (tests/fixtures/cases/README.md, round 4). Otherwise the span is read
    as two text columns (重点任务 over name | content).
    """
    keys = [_header_key(t) for t in cells]
    scores = [_key_scores(k) for k in keys]
    spanned_why: dict[int, str] = {}
    for first, last in spans:
        inside = range(first, last + 1)
        text_span = any(r in scores[first] for r in ("name", "content"))
        content_outside = any(scores[j].get("content", 0.0) >= 8.0 for j in range(len(scores)) if j not in inside)
        if last > first and text_span and content_outside:
            for j in inside:
                role = "name" if j == last else "group"
                scores[j] = {role: 9.0}
                spanned_why[j] = f"'{keys[j]}' spans columns {first + 1}–{last + 1} beside a content column → {role}"
    has_lead_col = any("牵头" in k and s for k, s in zip(keys, scores))
    for k, s in zip(keys, scores):
        if has_lead_col and "units" in s and "牵头" not in k and re.search(r"责任|配合|协办|参与|协同|落实", k):
            s["support"] = max(s.get("support", 0.0), s["units"] + 1.0)
        elif "units" in s and "牵头" in k:
            s["units"] += 0.5
    if sum(1 for s in scores if s) < 3:
        return None
    roles: dict[str, int] = {}
    why: dict[int, str] = {}
    for j, r, score in _best_assignment(scores):
        roles[ROLES[r]] = j
        why[j] = spanned_why.get(j) or f"'{keys[j]}' → {ROLES[r]} (score {score:g})"
    _three_text_columns(roles, why, keys, scores)
    text_role = "content" if "name" not in roles and "content" in roles else (
        "name" if "content" not in roles and "name" in roles else None)
    if text_role is not None:  # 工作内容 | 具体措施, 任务 | 分解任务, 重点任务 | 具体事项: two columns of one text role
        spare = [j for j, s in enumerate(scores) if text_role in s and j not in why]
        if spare:  # the left text column names the task, the right one details it
            left, right = sorted((spare[0], roles[text_role]))
            roles["name"], roles["content"] = left, right
            why[left] = f"'{keys[left]}' → name (the left of two text columns)"
            why[right] = f"'{keys[right]}' → content (the right of two text columns)"
    has_text = "content" in roles or "name" in roles
    has_who_when = "units" in roles or "deadline" in roles
    if not (has_text and has_who_when and len(roles) >= 3):
        return None
    if "content" not in roles:  # one text column: it holds the task itself
        roles["content"] = roles.pop("name")
        why[roles["content"]] += "; the only text column: read as content"
    return HeaderRoles(roles, why)


def _three_text_columns(roles: dict[str, int], why: dict[int, str], keys: list[str],
                        scores: list[dict[str, float]]) -> None:
    """Three text columns and no group column (工作要求 | 具体任务 | 具体要求): left to right they are the
    group (its ``一、`` cells are the section), the name and the content (round 5 rule 2). Changes
    ``roles``/``why`` in place; a column already holding another role (units, deadline…) is not text."""
    if "group" in roles:
        return
    taken = {j for role, j in roles.items() if role not in ("name", "content")}
    text_cols = [j for j, s in enumerate(scores) if j not in taken and ("name" in s or "content" in s)]
    if len(text_cols) < 3:
        return
    for role, place, j in zip(("group", "name", "content"), ("first", "second", "third"), text_cols):
        roles[role] = j
        why[j] = f"'{keys[j]}' → {role} (the {place} of three text columns)"


def _best_assignment(scores: list[dict[str, float]]) -> list[tuple[int, int, float]]:
    """(cell, role index, score) of the assignment maximising the total score, positive scores only,
    in cell order. When every scoring cell has one strictly best role and no two share it, that
    pick is the unique optimum (each cell gets its maximum), so scipy's solver is skipped."""
    best: list[tuple[int, int, float]] = []
    for j, s in enumerate(scores):
        if not s:
            continue
        top = max(s.values())
        winners = [role for role, score in s.items() if score == top]
        if len(winners) != 1:
            break
        best.append((j, ROLES.index(winners[0]), top))
    else:
        if len({r for _, r, _ in best}) == len(best):
            return best
    matrix = np.zeros((len(scores), len(ROLES)))
    for j, s in enumerate(scores):
        for role, score in s.items():
            matrix[j, ROLES.index(role)] = score
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    return [(int(j), int(r), float(matrix[j, r])) for j, r in zip(rows, cols) if matrix[j, r] > 0]


def header_roles(cells: list[str]) -> Optional[dict[str, int]]:
    """Column index per role when ``cells`` is a task-table header row, else None."""
    found = assign_roles(cells)
    return found.roles if found else None


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
    section: Optional[str] = None  # a section row inside the table (一、…) or the group column
    position: tuple[int, int] = (0, 0)  # (table index, row index) for messages


@dataclass
class TableRead:
    """All task rows of a document plus the header used and a trace of the reading (``--explain``)."""

    rows: list[TableRow] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    explain: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)  # every table seen: "table N (r×c): first row"
    title_rows: list[str] = field(default_factory=list)  # texts above the header of the chosen table


def _cell(row: list[Cell], roles: dict[str, int], role: str) -> Optional[Cell]:
    """The cell of ``role`` in ``row`` (None when the table has no such column)."""
    j = roles.get(role)
    return row[j] if j is not None and j < len(row) else None


def _text(cell: Optional[Cell]) -> str:
    """Cleaned text of a cell ('' for a missing cell)."""
    return clean_text(cell.text) if cell is not None else ""


def _role_text(texts: list[str], roles: dict[str, int], role: str) -> str:
    """Cleaned text of the ``role`` column in a row whose cells were cleaned once (``texts``); ''
    when the table has no such column. Same as ``_text(_cell(row, roles, role))``."""
    j = roles.get(role)
    return texts[j] if j is not None and j < len(texts) else ""


# How a unit name ends (organ, office or body); a line ending otherwise was wrapped mid-name.
_UNIT_END_RE = re.compile(
    r"(?:局|委|办|室|府|院|部|厅|会|处|科|所|站|队|中心|街道|镇|乡|公司|集团|单位|社|团|馆|组|区|县|市|校|行|署|司|"
    r"庭|台|园|军|关|宫|场|厂|人|等|们|联|协|[、，,；;）)])$"
)


# A space (full-width, or plain once an HTML reader has collapsed it) between two unit names separates
# them as 、 does: 区司法局　区政府办 (round 4 rule 5).
_SPACE_BETWEEN_RE = re.compile(r"(?<=[\u4e00-\u9fff）)])[\u3000 \u00a0]+(?=[\u4e00-\u9fff])")


def _spaced_units(line: str) -> str:
    """``区司法局　区政府办`` → ``区司法局、区政府办`` when every part before the last ends like a unit
    name and every part has two characters or more; letter-spaced words (``区　府　办``) and a name
    broken by a space (``文件起草 处室``) are left alone."""
    if " " not in line and "\u3000" not in line and "\u00a0" not in line:
        return line
    parts = [p.strip() for p in _SPACE_BETWEEN_RE.split(line.strip())]
    if len(parts) < 2 or any(len(p) < 2 for p in parts) or not all(_UNIT_END_RE.search(p) for p in parts[:-1]):
        return line
    return "、".join(parts)


def _lines(cell: Optional[Cell]) -> str:
    """Cell text keeping its hard line breaks (``<br>``, ``<p>``, Word paragraphs): one unit per line.

    A line that does not end like a unit name continues on the next line (``文件起草`` + ``处室`` is one
    cell broken across lines, tests/fixtures/gold/README.md).
    """
    if cell is None:
        return ""
    out: list[str] = []
    for line in (clean_text(_spaced_units(x)) for x in cell.text.splitlines()):
        if not line:
            continue
        if out and (not _UNIT_END_RE.search(out[-1]) or line[0] in "（("):  # "区发改委" + "（牵头）" too
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)


def _seq_number(text: str) -> Optional[int]:
    """The number of a 序号 cell: ``3``, ``3.``, ``（3）``, ``3）``, ``⑶`` → 3; else None."""
    m = _INT_RE.match(text)
    if m:
        return int(m.group(1))
    m = _SEQ_ORDINAL_RE.match(text) if text else None
    if m is None:
        return None
    return int(m.group(1) or m.group(2)) if m.group(3) is None else ord(m.group(3)) - 0x2473


def strip_ordinal(text: str) -> tuple[str, Optional[int]]:
    """Remove a leading ordinal (一、 （一） 1. 1、 （1） 1） ⑴ ①); return the text and an Arabic number if it had one."""
    m = _ORDINAL_RE.match(text)
    if not m or m.end() >= len(text):
        return text, None
    num = m.group("num") or m.group("pnum") or m.group("hnum")
    if num is None and "⑴" <= text.lstrip()[0] <= "⒇":  # ⑴…⒇ (U+2474–U+2487) are （1）…（20）
        num = str(ord(text.lstrip()[0]) - 0x2473)
    return text[m.end():].strip(), (int(num) if num else None)


def _sub_header(top: list[Cell], row: list[Cell]) -> Optional[HeaderRoles]:
    """A second header row under merged header cells (责任单位 over 牵头单位|配合单位, 任务 over
    任务名称|任务内容): the roles of the combined header, else None.

    Each column takes the lower word where it differs from the upper one; the row must hold only
    header words (no numbers, every non-empty cell naming a role).
    """
    texts = [squash(c.text) for c in row]
    new_words = [t for t, u in zip(texts, top) if t and t != squash(u.text)]  # not a merge from above
    if not new_words or any(_INT_RE.match(t) for t in texts if t) or not all(_role_scores(t) for t in new_words):
        return None
    combined = [t if t else squash(u.text) for t, u in zip(texts, top)]
    return assign_roles(combined)


def _is_header_row(row: list[Cell]) -> Optional[HeaderRoles]:
    """Roles when ``row`` is a header row (never a numbered data row), else None."""
    texts = [c.text for c in row]
    if any(_INT_RE.match(t) for t in texts):
        return None
    return assign_roles(texts, _col_spans(row))


def _col_spans(row: list[Cell]) -> tuple[tuple[int, int], ...]:
    """(first, last) column of each cell of ``row`` merged across columns (its copies carry
    ``merged_from`` pointing at another column of the same text); empty for flat sources."""
    spans: list[tuple[int, int]] = []
    for j, cell in enumerate(row):
        mf = cell.merged_from
        if mf is None or mf[1] >= j or j == 0 or row[j - 1].text != cell.text:
            continue
        if spans and spans[-1][1] == j - 1:
            spans[-1] = (spans[-1][0], j)
        else:
            spans.append((j - 1, j))
    return tuple(spans)


def _single_text(row: list[Cell]) -> Optional[str]:
    """The text of a row whose non-empty cells all hold the same text (a spanning row), else None."""
    return _single_of([clean_text(c.text) for c in row])


def _single_of(texts: list[str]) -> Optional[str]:
    """``_single_text`` of a row's cleaned cell texts."""
    distinct = {t for t in texts if t}
    return distinct.pop() if len(distinct) == 1 else None


_CN_ORDINAL_RE = re.compile(r"^\s*(?:[一二三四五六七八九十百]+\s*[、．.]?|[（(]\s*[一二三四五六七八九十百]+\s*[）)])\s*$")


def _section_text(row: list[Cell], roles: dict[str, int], texts: list[str]) -> Optional[str]:
    """Text of a section row (one title across the table, no seq/content), else None.

    ``texts``: the row's cells, cleaned (``clean_text``). Also ``一 | 推进决策公开 | | |``: a Chinese
    ordinal in the 序号 column, one title, nothing else.
    """
    seq_cell = _cell(row, roles, "seq")
    seq = _role_text(texts, roles, "seq")
    if seq_cell is not None and _CN_ORDINAL_RE.match(seq):
        others = {t for j, t in enumerate(texts) if t and j != roles["seq"] and row[j] is not seq_cell}
        if len(others) == 1:
            return f"{seq.rstrip('、．.')}、{others.pop()}"
    text = _single_of(texts)
    if text is None:
        return None
    if _INT_RE.match(seq):
        return None
    spans_row = sum(1 for t in texts if t) >= max(2, len(texts) - 1)  # merged across the row
    if spans_row or _SECTION_ROW_RE.match(text):
        return text
    return None


def _numbered_group(roles: dict[str, int], texts: list[str]) -> Optional[str]:
    """The text of a group row: an integer in the 序号 column and one text across every other column
    (``1 | 做好惠企政策公开`` spanning the row above rows numbered 1.1, 1.2), else None."""
    j = roles.get("seq")
    # cheap test first: two cells beside the 序号 column (indexes wrap around) must hold the same text
    if j is None or len(texts) < 4 or j >= len(texts) or texts[j - 1] != texts[j - 2]:
        return None
    if not _INT_RE.match(texts[j]):
        return None
    others = texts[:j] + texts[j + 1:]
    if len(others) < 3 or not all(others):
        return None
    return _single_of(others)


def find_header(table: Table, max_rows: int = 4) -> Optional[tuple[int, HeaderRoles]]:
    """(row index, roles) of the header within the first rows of ``table``, else None.

    Rows above it (a title row spanning the table) are neither header nor task.
    """
    for i, row in enumerate(table.rows[:max_rows]):
        found = _is_header_row(row)
        if found is not None:
            return i, found
    return None


def _signature(roles: dict[str, int]) -> frozenset[str]:
    """What makes two headers 'the same table': the set of roles they name."""
    return frozenset(roles)


@dataclass
class _Chain:
    """A task table and the fragments that continue it."""

    roles: dict[str, int]
    n_cols: int
    header: list[str]
    rows: list[TableRow] = field(default_factory=list)
    tables: list[int] = field(default_factory=list)
    title_rows: list[str] = field(default_factory=list)
    explain: list[str] = field(default_factory=list)
    last_page: Optional[int] = None


class _Reader:
    """Reads the rows of one chain's fragments (state: previous row, section, counter)."""

    def __init__(self, chain: _Chain) -> None:
        self.chain = chain
        self.prev: Optional[TableRow] = None
        self.section: Optional[str] = None
        self.counter = 0

    def read(self, table: Table, start: int, t_index: int) -> None:
        chain, roles = self.chain, self.chain.roles
        first_of_fragment = True
        for r_index in range(start, len(table.rows)):
            row = table.rows[r_index]
            where = f"table {t_index + 1} row {r_index + 1}"
            if not any(c.text.strip() for c in row):
                continue
            if _is_header_row(row) is not None:
                chain.explain.append(f"{where}: repeated header, skipped")
                continue
            texts = [clean_text(c.text) for c in row]  # each cell cleaned once per row
            single = _single_of(texts)
            if single is not None and _FOOTNOTE_RE.match(single):
                chain.explain.append(f"{where}: footnote '{single[:30]}', skipped")
                continue
            sec = _section_text(row, roles, texts)
            if sec is not None:
                self.section, self.prev = strip_ordinal(sec)[0], None
                chain.explain.append(f"{where}: section '{self.section[:30]}'")
                first_of_fragment = False
                continue
            group = _numbered_group(roles, texts)
            if group is not None:  # "1 | 做好X (across)" over 1.1, 1.2: the name of the rows below
                self.prev = TableRow(seq=0, name=group, content="", units="", support="", deadline=None)
                chain.explain.append(f"{where}: numbered group row '{group[:30]}', the name of the rows below")
                first_of_fragment = False
                continue
            seq_text = _role_text(texts, roles, "seq")
            if (self.prev is not None and "seq" in roles and not seq_text and first_of_fragment
                    and (not table.spans_known or _page_rest(table, texts, roles))):
                # a row broken by a page break: its rest continues the previous row
                _append_continuation(self.prev, row, roles)
                chain.explain.append(f"{where}: continues the row above (page break)")
                first_of_fragment = False
                continue
            first_of_fragment = False
            self.counter += 1
            seq = _seq_number(seq_text)
            row_read = _read_row(row, texts, roles, table.spans_known, self.prev, self.section, (t_index, r_index))
            if seq is None and "seq" not in roles and row_read.number is not None:
                seq = row_read.number  # no 序号 column: the number leading the name/content cell
            if seq is None:
                seq = self.counter if "seq" in roles else (self.prev.seq + 1 if self.prev else self.counter)
            row_read.row.seq = seq
            if "group" in roles and "name" in roles:
                group = strip_ordinal(_role_text(texts, roles, "group"))[0]
                if group:
                    self.section = group
                row_read.row.section = self.section
            self.prev = row_read.row
            chain.rows.append(row_read.row)


def _page_rest(table: Table, texts: list[str], roles: dict[str, int]) -> bool:
    """A PDF page fragment's first row without a 序号 (the caller checks it) and either without a task
    name or without units and deadline: the rest of the row broken by the page break (round 5 rule
    10; its content, and any name, unit or deadline text that overflowed too), not a task of its own."""
    if table.page is None:
        return False
    return not _role_text(texts, roles, "name") or not any(
        _role_text(texts, roles, r) for r in ("units", "support", "deadline"))


def _continues(chain: _Chain, table: Table) -> bool:
    """A headerless table continues ``chain``: the next PDF page fragment, or its numbering runs on."""
    if table.n_cols != chain.n_cols or not chain.rows:
        return False
    if table.page is not None and chain.last_page is not None and table.page in (chain.last_page, chain.last_page + 1):
        return True
    prev = chain.rows[-1]
    roles = chain.roles
    for row in table.rows[:2]:
        if not any(c.text.strip() for c in row):
            continue
        num: Optional[int] = None
        if "seq" in roles:
            num = _seq_number(_text(_cell(row, roles, "seq")))
        else:  # no 序号 column: the number leading the name or content cell
            num = next((n for role in ("name", "content")
                        if (n := strip_ordinal(_text(_cell(row, roles, role)))[1]) is not None), None)
        return num == prev.seq + 1
    return False


def read_task_tables(docs: list[Document]) -> TableRead:
    """Find the task table(s) of all parts, join only true continuations, and read their rows.

    Returns the rows of the chosen chain (the largest when several unrelated task tables exist,
    with a warning naming the others), plus a trace for ``--explain``.
    """
    out = TableRead()
    chains: list[_Chain] = []
    readers: dict[int, _Reader] = {}
    current: Optional[_Chain] = None
    t_index = -1
    for doc in docs:
        heading: Optional[str] = None  # a 一、/（一） heading right before a table is its first rows' section
        for block in doc.blocks:
            if block.kind != "table" or block.table is None:
                text = clean_text(block.text)
                heading = text if _SECTION_ROW_RE.match(text) and len(text) <= 40 and "。" not in text[:-1] else None
                continue
            table = block.table
            t_index += 1
            before, heading = heading, None
            if not table.rows:
                continue
            first = " | ".join(clean_text(c.text)[:12] for c in table.rows[0])[:80]
            out.candidates.append(f"table {t_index + 1} ({len(table.rows)}×{table.n_cols}): {first}")
            found = find_header(table)
            if found is not None:
                start, header = found
                roles = header.roles
                sub_header = (_sub_header(table.rows[start], table.rows[start + 1])
                              if start + 1 < len(table.rows) else None)
                if sub_header is not None:
                    roles, header = sub_header.roles, sub_header
                same = [c for c in chains if _signature(c.roles) == _signature(roles)]
                if current is not None and _signature(current.roles) == _signature(roles):
                    chain = current
                    chain.explain.append(f"table {t_index + 1}: same header again, continues table {chain.tables[0] + 1}")
                    chain.roles = roles
                elif same:
                    chain = same[0]
                    chain.roles = roles
                    chain.explain.append(f"table {t_index + 1}: same roles as table {chain.tables[0] + 1}, joined")
                else:
                    header_texts = [clean_text(c.text).replace(" ", "") for c in table.rows[start]]
                    chain = _Chain(roles=roles, n_cols=table.n_cols, header=header_texts, explain=out.explain)
                    chain.title_rows = [t for t in (_single_text(r) for r in table.rows[:start]) if t]
                    chain.explain.append(f"table {t_index + 1}: task header at row {start + 1}: "
                                         + "; ".join(header.why[j] for j in sorted(header.why)))
                    chains.append(chain)
                    readers[id(chain)] = _Reader(chain)
                if sub_header is not None:
                    start += 1
                    chain.explain.append(f"table {t_index + 1}: second header row below merged header cells")
                chain.n_cols = table.n_cols
                current = chain
                start += 1
            elif current is not None and _continues(current, table):
                chain, start = current, 0
                chain.explain.append(f"table {t_index + 1}: no header, continues the task table")
            else:
                out.explain.append(f"table {t_index + 1}: no task header"
                                   + (" and does not continue the task table" if current is not None else "")
                                   + ": skipped")
                continue
            chain.tables.append(t_index)
            chain.last_page = table.page
            if before is not None:
                readers[id(chain)].section = strip_ordinal(before)[0]
                chain.explain.append(f"table {t_index + 1}: heading above it, section '{before[:30]}'")
            readers[id(chain)].read(table, start, t_index)
    if not chains:
        return out
    best = max(chains, key=lambda c: len(c.rows))
    others = [c for c in chains if c is not best and c.rows]
    if others:
        out.warnings.append(
            f"{len(chains)} unrelated task tables; read table {best.tables[0] + 1} ({len(best.rows)} rows), not "
            + ", ".join(f"table {c.tables[0] + 1} ({len(c.rows)} rows, header {'/'.join(c.header)})" for c in others))
    out.explain.append(f"chosen: table {best.tables[0] + 1} ({len(best.rows)} rows)")
    out.rows, out.header, out.title_rows = best.rows, best.header, best.title_rows
    return out


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


@dataclass
class _RowRead:
    row: TableRow
    number: Optional[int]  # the number leading the name or content cell, if any


def _read_row(row: list[Cell], texts: list[str], roles: dict[str, int], spans_known: bool,
              prev: Optional[TableRow], section: Optional[str], position: tuple[int, int]) -> _RowRead:
    """One data row → TableRow, filling merged cells (and, in flat sources, empty ones) from above.

    ``texts``: the row's cells, cleaned (``clean_text``)."""
    name_cell = _cell(row, roles, "name")
    name_raw = _role_text(texts, roles, "name")
    stripped, number = strip_ordinal(name_raw) if name_raw else ("", None)
    name: Optional[str] = stripped or None
    explicit = bool(name) and (name_cell is None or name_cell.merged_from is None)
    inferred = False
    if name_cell is not None and not name:
        inferred = True
        name = prev.name if prev is not None else None
    if "name" not in roles:
        group = strip_ordinal(_role_text(texts, roles, "group"))[0]
        name = group or (prev.name if prev is not None and "group" in roles else None)
    units = _lines(_cell(row, roles, "units"))
    support = _lines(_cell(row, roles, "support"))
    if not units and not support and prev is not None and not spans_known:
        units, support = prev.units, prev.support  # flat source: an empty cell inside a merged group
    deadline_cell = _cell(row, roles, "deadline")
    deadline = _role_text(texts, roles, "deadline") or None
    if deadline is None and deadline_cell is not None and prev is not None and not spans_known and inferred:
        deadline = prev.deadline  # flat source: an empty cell inside a merged group
    content, content_number = strip_ordinal(_role_text(texts, roles, "content"))
    if number is None:
        number = content_number
    if not content and explicit and "name" in roles:
        content = name or ""  # a row that only names its task
    return _RowRead(TableRow(
        seq=0, name=name, content=content, units=units, support=support,
        deadline=deadline, name_inferred=inferred, explicit_name=explicit, section=section, position=position,
    ), number)
