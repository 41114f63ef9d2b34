"""Document(s) → document fields + task rows + warnings.

``extract_tasks(docs)`` reads one work plan made of one or more parts (notice
body first, then attachments). Tables are preferred when a task table exists;
prose headings then settle what a flat table leaves ambiguous. Plans without
a task table are read as prose (paragraphs ending in a responsibility clause).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from extract.parse.model import Document
from extract.records import Task
from extract.tasks.metadata import extract_metadata
from extract.tasks.normalize import clean_text, read_deadline, split_units, squash, units_text
from extract.tasks.prose import ProseTask, extract_prose_tasks
from extract.tasks.reconcile import prose_items, reconcile
from extract.tasks.table import TableRead, TableRow, read_task_tables

PARSER_VERSION = "tasks-2.0.0"
_MIN_PROSE_ITEMS = 3

__all__ = ["PARSER_VERSION", "Extraction", "extract_tasks"]


@dataclass
class Extraction:
    """Result of reading one document: its fields, its task rows, and what looked wrong."""

    document: dict[str, Any]
    tasks: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    explain: list[str] = field(default_factory=list)  # how the tasks were read (``parse --explain``)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return {"document": self.document, "tasks": self.tasks, "warnings": self.warnings}


def _deadline(raw: Optional[str], year: Optional[int], seq: int, warnings: list[str]) -> dict[str, Any]:
    """The task's deadline fields ``deadline_raw``, ``deadline_kind``, ``deadline_date`` (ISO text or None);
    an undated deadline text is kept raw with a warning."""
    text = squash(raw) or None
    deadline = read_deadline(text, year)
    if text is not None and deadline.date is None:
        reason = "no plan year" if year is None else "unknown deadline form"
        warnings.append(f"task {seq}: deadline '{text}' kept as written, date left empty ({reason})")
    return {"deadline_raw": text, "deadline_kind": deadline.kind, "deadline_date": deadline.iso}


def _table_task(row: TableRow, year: Optional[int], warnings: list[str]) -> dict[str, Any]:
    """One table row as a task dict (the fields of ``extract.records.Task``)."""
    responsible = units_text(row.units)
    units = split_units(row.units)
    support = units.support
    open_list = units.open_list
    if row.support:
        extra = split_units(row.support)
        support = support + extra.lead + extra.support
        open_list = open_list or extra.open_list
        responsible = f"{responsible}；{units_text(row.support)}" if responsible else units_text(row.support)
    deadline = _deadline(row.deadline, year, row.seq, warnings)
    if not row.content:
        warnings.append(f"task {row.seq}: empty task content")
    return Task(
        seq=row.seq,
        section=row.section,
        task_name=clean_text(row.name) or None,
        task_content=clean_text(row.content),
        responsible_raw=responsible or None,
        deadline_raw=deadline["deadline_raw"],
        lead_units=units.lead,
        support_units=support,
        units_open_list=open_list,
        deadline_kind=deadline["deadline_kind"],
        deadline_date=deadline["deadline_date"],
    ).to_dict()


def _prose_task(task: ProseTask, year: Optional[int], warnings: list[str]) -> dict[str, Any]:
    """One prose paragraph task as a task dict (``extract.records.Task``; a deadline only when its clause names one)."""
    units = split_units(task.responsible)
    deadline = _deadline(task.deadline, year, task.seq, warnings)
    return Task(
        seq=task.seq,
        section=task.section,
        task_name=task.task_name,
        task_content=clean_text(task.content),
        responsible_raw=task.responsible or None,
        deadline_raw=deadline["deadline_raw"],
        lead_units=units.lead,
        support_units=units.support,
        units_open_list=units.open_list,
        deadline_kind=deadline["deadline_kind"],
        deadline_date=deadline["deadline_date"],
    ).to_dict()


def extract_tasks(docs: list[Document]) -> Extraction:
    """Read a work plan (parts in order, notice body first) into document fields, tasks and warnings."""
    warnings: list[str] = [w for d in docs for w in d.warnings]
    table = read_task_tables(docs)
    untasked: list[str] = []
    prose_tasks = extract_prose_tasks(docs, untasked)
    has_prose = bool(prose_tasks) or len(prose_items(docs)) >= _MIN_PROSE_ITEMS
    if table.rows:
        layout = "prose+table" if has_prose else "table"
    else:
        layout = "prose" if prose_tasks or has_prose else ("table" if any(d.tables for d in docs) else "prose")
    document = extract_metadata(docs, layout, table.title_rows)
    year = document["year"]
    if year is None:
        warnings.append("plan year not found: deadlines without their own year cannot be dated")
    tasks: list[dict[str, Any]]
    warnings += table.warnings
    if len({r.seq for r in table.rows}) != len(table.rows):  # before any warning names a task by its seq
        warnings.append("duplicate 序号 in the task table; seq renumbered in reading order")
        for i, r in enumerate(table.rows, 1):
            r.seq = i
    if table.rows:
        if has_prose:
            warnings += reconcile(table.rows, docs)
        tasks = [_table_task(r, year, warnings) for r in table.rows]
        if prose_tasks and len(prose_tasks) != len(tasks):
            warnings.append(
                f"prose lists {len(prose_tasks)} tasks with responsibility clauses, the table {len(tasks)}; the table was read"
            )
    else:
        tasks = [_prose_task(t, year, warnings) for t in prose_tasks]
        if prose_tasks:
            warnings += [f"item '{title}' has no paragraph with a responsibility clause: not read as a task"
                         for title in untasked]
    seqs = [t["seq"] for t in tasks]
    if len(set(seqs)) != len(seqs):
        warnings.append("duplicate 序号 in the task table; seq renumbered in reading order")
        for i, t in enumerate(tasks, 1):
            t["seq"] = i
    explain = _explanation(table, prose_tasks, bool(table.rows))
    if not tasks:
        seen = "; ".join(table.candidates) if table.candidates else "none"
        warnings.append(f"no task table or task paragraphs found (tables seen: {seen}; "
                        "no paragraph closed by a responsibility clause)")
    document["task_count"] = len(tasks)
    document["header"] = table.header or None
    return Extraction(document=document, tasks=tasks, warnings=warnings, explain=explain)


def _explanation(table: TableRead, prose_tasks: list[ProseTask], from_table: bool) -> list[str]:
    """Lines for ``parse --explain``: tables seen, header roles and why, skipped rows, prose clauses."""
    lines = [f"tables seen: {len(table.candidates)}"] + [f"  {c}" for c in table.candidates]
    lines += [f"  {e}" for e in table.explain]
    if table.title_rows:
        lines.append(f"  title rows above the header: {' / '.join(table.title_rows)}")
    lines.append(f"prose tasks (paragraph text closed by a responsibility clause): {len(prose_tasks)}")
    lines += [f"  {t.seq}: '{t.content[:24]}…' closed by {t.clause or '(a clause line)'}" for t in prose_tasks]
    lines.append("tasks read from: " + ("the table" if from_table else "the prose" if prose_tasks else "nothing"))
    return lines
