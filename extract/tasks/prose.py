"""Prose work plans: a task is a paragraph ending in a responsibility clause.

``……。（牵头部门:综合规划处）`` / ``（责任处室：市局办公室、法规处）`` /
``(责任单位：区发改委)``: half- or full-width brackets and colons; also unbracketed
after the last sentence (``……。牵头部门：区人社局``). The clause is removed from the
task content. The task name is the nearest （一）-style
heading (a heading line, or the inline title of a ``（三）标题。正文`` paragraph),
else the 一、-style section title; the section is the 一、-style title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from extract.parse.model import Document
from extract.tasks.normalize import clean_text, squash
from extract.tasks.reconcile import split_inline_title

CLAUSE_KEYS = (
    "牵头部门", "牵头单位", "牵头处室", "责任处室", "责任单位", "责任部门", "责任主体", "主责部门",
    "主责单位", "负责部门", "负责单位", "承办单位",
)
_CLAUSE_RE = re.compile(
    r"[（(]\s*(?P<key>" + "|".join(CLAUSE_KEYS) + r")\s*[:：]\s*"
    r"(?P<units>(?:[^（）()]|[（(][^（）()]*[）)])+?)\s*[）)]\s*[。.;；]?\s*$"
)
# Unbracketed, after the paragraph's last full stop: ``……宣传。牵头部门：区人社局``.
_BARE_CLAUSE_RE = re.compile(
    r"(?<=[。；;！!])\s*(?P<key>" + "|".join(CLAUSE_KEYS) + r")\s*[:：]\s*"
    r"(?P<units>[^。]{1,120}?)\s*[。.]?\s*$"
)
_STANDALONE_RE = re.compile(
    r"^[（(]?\s*(?:" + "|".join(CLAUSE_KEYS) + r")\s*[:：]\s*(?P<units>.+?)\s*[）)]?\s*[。.]?$"
)
_DEADLINE_IN_CLAUSE_RE = re.compile(r"[；;，,]\s*(?:完成时限|完成时间|完成期限|时间节点|时间要求|时限)\s*[:：]\s*(?P<deadline>.+)$")
_SECTION_RE = re.compile(r"^\s*(?:[一二三四五六七八九十百]+)\s*[、．.]\s*")
_ITEM_RE = re.compile(r"^\s*[（(]\s*[一二三四五六七八九十百零〇]+\s*[）)]\s*")
_NUMBERED_RE = re.compile(r"^\s*(?:\d{1,3}\s*[.．、]|[（(]\s*\d{1,3}\s*[）)]|[①-⑳])\s*")


@dataclass
class ProseTask:
    """One task paragraph of a prose plan."""

    seq: int
    section: Optional[str]
    task_name: Optional[str]
    content: str
    responsible: str
    deadline: Optional[str] = None


def responsibility_clause(text: str) -> Optional[re.Match[str]]:
    """The trailing responsibility clause of a paragraph, if it has one."""
    return _CLAUSE_RE.search(text) or _BARE_CLAUSE_RE.search(text)


def _units_and_deadline(units: str) -> tuple[str, Optional[str]]:
    """Split ``区发改委；完成时限：6月底前`` into the units and the deadline."""
    m = _DEADLINE_IN_CLAUSE_RE.search(units)
    if m:
        return units[: m.start()], squash(m.group("deadline"))
    return units, None


def _title(text: str, pattern: re.Pattern[str]) -> str:
    """Heading text without its enumerator and trailing full stop."""
    return pattern.sub("", text, count=1).strip().rstrip("。.")


def _is_short_heading(text: str) -> bool:
    """A heading line: short, no full stop inside."""
    return len(text) <= 60 and "。" not in text.rstrip("。")


def extract_prose_tasks(docs: list[Document], untasked: Optional[list[str]] = None) -> list[ProseTask]:
    """Task paragraphs of all parts, in reading order, with their section and task name.

    ``untasked``, when given, receives the （一）-style items under which no paragraph
    carried a responsibility clause, so a reader can see what was not read as a task.
    """
    tasks: list[ProseTask] = []
    items: dict[str, int] = {}  # （N）-item title → tasks read under it
    section: Optional[str] = None
    sub: Optional[str] = None
    pending: Optional[str] = None  # last plain paragraph: a task when a clause line follows it
    for doc in docs:
        for block in doc.blocks:
            if block.kind == "table":
                pending = None
                continue
            text = clean_text(block.text)
            if not text:
                continue
            clause = responsibility_clause(text)
            standalone = _STANDALONE_RE.match(text) if clause is None or clause.start() == 0 else None
            if standalone is not None and pending is not None:
                body, units = pending, standalone.group("units")
            elif clause is not None and clause.start() > 0:
                body, units = text[: clause.start()].strip(), clause.group("units")
            else:
                if _SECTION_RE.match(text) and _is_short_heading(text):
                    section, sub, pending = _title(text, _SECTION_RE), None, None
                elif _ITEM_RE.match(text):
                    if _is_short_heading(text):
                        sub, pending = _title(text, _ITEM_RE), None
                    else:
                        sub, pending = split_inline_title(text)[0], split_inline_title(text)[1] or None
                    if sub:
                        items.setdefault(sub, 0)
                else:
                    pending = text
                continue
            pending = None
            name = sub or section
            if _ITEM_RE.match(body):
                sub, body = split_inline_title(body)
                name = sub
            elif _SECTION_RE.match(body) and "。" in body:
                title, rest = split_inline_title(_SECTION_RE.sub("", body, count=1))
                section, sub, name, body = title, None, title, rest
            body = _NUMBERED_RE.sub("", body, count=1)
            units, deadline = _units_and_deadline(squash(units))
            tasks.append(ProseTask(len(tasks) + 1, section, name, body, units, deadline))
            if name:
                items[name] = items.get(name, 0) + 1
    if untasked is not None:
        untasked += [title for title, n in items.items() if n == 0]
    return tasks
