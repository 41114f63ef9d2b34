"""Prose + table documents: link table rows to the prose items they detail.

A flat table dump cannot show where a vertically merged 任务名称 cell starts:
some writers put the name on the middle row of its span, so the rows above the
name belong to it rather than to the group above. The prose of the same
document lists the same tasks under headings (（二十）加强…。…); a row whose
content is found under the heading of the *next* named row belongs to that
row's group. Rows that cannot be settled keep the ordinary reading (continue
the cell above) and produce a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

from extract.parse.model import Document
from extract.tasks.normalize import clean_text
from extract.tasks.table import TableRow

_ITEM_RE = re.compile(r"^\s*[（(]\s*([一二三四五六七八九十百零〇]+|\d{1,3})\s*[）)]\s*")
_SECTION_RE = re.compile(r"^\s*([一二三四五六七八九十百]+)\s*[、．.]\s*")
_PUNCT_RE = re.compile(r"[\s\u3000，。、；：！？,.;:!?“”‘’\"'（）()《》〈〉【】\[\]—\-…·]")
_MATCH_MIN = 0.6
_TITLE_MIN = 0.5


@dataclass
class ProseItem:
    """One enumerated prose item: its heading title, section, and body text."""

    index: int
    title: str
    section: Optional[str]
    body: str


def _norm(text: str) -> str:
    """Comparison key: whitespace and punctuation removed."""
    return _PUNCT_RE.sub("", text or "")


def _bigrams(text: str) -> set[str]:
    """Character bigrams of a comparison key."""
    return {text[i : i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text}


def similarity(a: str, b: str) -> float:
    """Dice coefficient of character bigrams of two texts (punctuation-insensitive)."""
    x, y = _bigrams(_norm(a)), _bigrams(_norm(b))
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def split_inline_title(text: str) -> tuple[str, str]:
    """``（三）标题。正文`` → (标题, 正文); a bare heading gives (标题, '')."""
    body = _ITEM_RE.sub("", text, count=1).strip()
    m = re.match(r"^([^。！？]{2,60}?)[。！？]\s*(.*)$", body, re.S)
    if m and m.group(2):
        return m.group(1).strip(), m.group(2).strip()
    return body.rstrip("。"), ""


def prose_items(docs: list[Document]) -> list[ProseItem]:
    """Enumerated （N） items of the prose, each with the text that follows until the next item or section."""
    items: list[ProseItem] = []
    section: Optional[str] = None
    current: Optional[ProseItem] = None
    for doc in docs:
        for block in doc.blocks:
            if block.kind == "table":
                current = None
                continue
            text = clean_text(block.text)
            if not text:
                continue
            if _SECTION_RE.match(text) and len(text) <= 60 and "。" not in text.rstrip("。"):
                section = _SECTION_RE.sub("", text, count=1).strip()
                current = None
                continue
            if _ITEM_RE.match(text):
                title, body = split_inline_title(text)
                current = ProseItem(len(items), title, section, body)
                items.append(current)
                continue
            if current is not None:
                current.body = (current.body + text) if current.body else text
    return items


def _best(items: list[ProseItem], score: Callable[[ProseItem], float], minimum: float) -> Optional[int]:
    """Index of the item scoring highest (first on ties), if that score reaches ``minimum``."""
    best, top = None, 0.0
    for item in items:
        s = score(item)
        if s > top:
            best, top = item.index, s
    return best if top >= minimum else None


def best_item(content: str, items: list[ProseItem]) -> Optional[int]:
    """Index of the prose item whose body contains ``content`` (best bigram containment ≥ 0.6)."""
    return _best_body(content, _bodies(items))


def _bodies(items: list[ProseItem]) -> list[tuple[int, str, set[str]]]:
    """(index, comparison key, bigrams) of each item's body: computed once, matched against every row."""
    out = []
    for item in items:
        key = _norm(item.body)
        out.append((item.index, key, _bigrams(key)))
    return out


def _best_body(content: str, bodies: list[tuple[int, str, set[str]]]) -> Optional[int]:
    """``best_item`` over precomputed ``_bodies``. Score: the share of the content's bigrams found in
    the body (1.0 when the content is inside it); the first item wins ties."""
    part = _norm(content)
    if not part:
        return None
    part_bigrams: Optional[set[str]] = None
    best, top = None, 0.0
    for index, whole, whole_bigrams in bodies:
        if not whole:
            continue
        if part in whole:
            score = 1.0
        else:
            part_bigrams = part_bigrams or _bigrams(part)
            score = len(part_bigrams & whole_bigrams) / len(part_bigrams)
        if score > top:
            best, top = index, score
    return best if top >= _MATCH_MIN else None


def _name_item(name: Optional[str], items: list[ProseItem]) -> Optional[int]:
    """Index of the prose item whose title is most like a table name (Dice ≥ 0.5)."""
    return _best(items, lambda item: similarity(name, item.title), _TITLE_MIN) if name else None


def reconcile(rows: list[TableRow], docs: list[Document]) -> list[str]:
    """Settle inferred task names against prose headings (in place); return warnings."""
    items = prose_items(docs)
    if not items or not rows:
        return []
    warnings: list[str] = []
    bodies = _bodies(items)
    row_item = [_best_body(r.content, bodies) for r in rows]
    explicit = [i for i, r in enumerate(rows) if r.explicit_name]
    for k, start in enumerate(explicit):
        end = explicit[k + 1] if k + 1 < len(explicit) else len(rows)
        run = [i for i in range(start + 1, end) if rows[i].name_inferred]
        if not run or run != list(range(start + 1, start + 1 + len(run))):
            continue
        nxt = end if end < len(rows) and run[-1] + 1 == end else None
        warnings += _settle_run(rows, row_item, items, start, run, nxt)
    return warnings


def _group_item(rows: list[TableRow], row_item: list[Optional[int]], items: list[ProseItem], i: int) -> Optional[int]:
    """Prose item of the named row ``i``: by its content, else by its name."""
    return row_item[i] if row_item[i] is not None else _name_item(rows[i].name, items)


def _settle_run(rows: list[TableRow], row_item: list[Optional[int]], items: list[ProseItem],
                above: int, run: list[int], below: Optional[int]) -> list[str]:
    """Choose where a run of inferred-name rows stops belonging to the name above."""
    item_a = _group_item(rows, row_item, items, above)
    item_b = _group_item(rows, row_item, items, below) if below is not None else None
    labels: list[Optional[str]] = []
    for i in run:
        it = row_item[i]
        if it is not None and it == item_b and it != item_a:
            labels.append("B")
        elif it is not None and it == item_a:
            labels.append("A")
        else:
            labels.append(None)
    if below is None or "B" not in labels:
        return _disagreements(rows, run, labels, "A", items, row_item)
    # split: run[:k] → above, run[k:] → below; fewest contradicted labels, ties keep more rows above
    best_k, best_cost = len(run), None
    for k in range(len(run), -1, -1):
        cost = sum(1 for j, lab in enumerate(labels) if lab == ("B" if j < k else "A"))
        if best_cost is None or cost < best_cost:
            best_k, best_cost = k, cost
    warnings: list[str] = []
    for j, i in enumerate(run):
        if j >= best_k:
            rows[i].name = rows[below].name
            title = items[item_b].title if item_b is not None else rows[below].name
            warnings.append(
                f"row {rows[i].seq}: empty 任务名称 cell read as part of the merged cell of row "
                f"{rows[below].seq} ({rows[below].name}), as the prose heading ({title}) shows"
            )
    chosen = ["A" if j < best_k else "B" for j in range(len(run))]
    for j, i in enumerate(run):
        if labels[j] is not None and labels[j] != chosen[j]:
            warnings.append(f"row {rows[i].seq}: table grouping and prose headings disagree; kept {rows[i].name}")
    return warnings


def _disagreements(rows: list[TableRow], run: list[int], labels: list[Optional[str]], chosen: str,
                   items: list[ProseItem], row_item: list[Optional[int]]) -> list[str]:
    """Warnings for rows whose prose item points at neither neighbouring group."""
    out = []
    for j, i in enumerate(run):
        it = row_item[i]
        if labels[j] is None and it is not None and similarity(rows[i].name or "", items[it].title) < _TITLE_MIN:
            out.append(
                f"row {rows[i].seq}: content found under prose heading ({items[it].title}) "
                f"but the table groups it under {rows[i].name}"
            )
    return out
