"""The rows that cross stages, and the ``raw`` schema they define (one place for both).

Each record is a dataclass (slots; frozen where no stage changes it after building): one
field per column of its ``raw`` table, with the column's DuckDB type, nullability and
description in the field's metadata (``col``). From these derive

- ``extract/warehouse.py``'s ``RAW_DDL`` (``Record.ddl()``: ``create table`` + the
  ``alter table … add column`` of columns added after a table first shipped),
- ``extract/load.py``'s INSERT column lists (``Record.names()``, ``Record.row()``),
- the dbt source columns in ``dbt_project/models/staging/work_plans/_work_plans__sources.yml``
  (``tests/load/test_records.py`` checks they agree, name, order and type).

Modelled on dlt's ``sources/pipedrive/typing.py`` (typed rows between a source and its
loader). Records travel between Airflow tasks as plain dicts (XCom is JSON): build with
``Record.from_dict`` / ``to_dict`` at the stage edges.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Optional, Sequence, TypeVar

__all__ = [
    "RECORDS",
    "Column",
    "CrawlRequest",
    "CrawlState",
    "Document",
    "DocumentVersion",
    "LoadAudit",
    "Notice",
    "Quarantine",
    "Record",
    "Rendition",
    "Task",
    "TaskRow",
    "ValidationResult",
    "VersionPart",
    "col",
]

R = TypeVar("R", bound="Record")
Timestamp = datetime | str  # ISO 8601 text while a record travels through XCom
Day = date | str


@dataclass(frozen=True, slots=True, kw_only=True)
class Column:
    """One column of a raw table: name, DuckDB type, nullability, SQL default, description, and
    ``added`` when it came after the table first shipped (older files get it by ``alter table``)."""

    name: str
    type: str
    nullable: bool = True
    default: Optional[str] = None
    doc: str = ""
    added: bool = False

    def sql(self) -> str:
        """The column definition as it appears in ``create table``."""
        default = f" default {self.default}" if self.default is not None else ""
        return f"{self.name} {self.type}{'' if self.nullable else ' not null'}{default}"


def col(sql_type: str, *, null: bool = True, default: Optional[str] = None, doc: str = "", added: bool = False) -> Any:
    """A record field that is a column (see ``Column``); fields default to None when nullable."""
    meta = {"column": Column(name="", type=sql_type, nullable=null, default=default, doc=doc, added=added)}
    return field(default=None, metadata=meta) if null else field(metadata=meta)


class Record:
    """Base of the records: ``TABLE`` (raw.<name>; its description lives in the dbt sources YAML),
    ``PRIMARY_KEY``, ``UNIQUE`` constraints and
    ``FIRST`` (columns that lead the table when a record inherits its content from another)."""

    __slots__ = ()
    TABLE: ClassVar[str]
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ()
    UNIQUE: ClassVar[tuple[tuple[str, ...], ...]] = ()
    FIRST: ClassVar[tuple[str, ...]] = ()
    DBT_SOURCE: ClassVar[bool] = True  # listed in the dbt sources (crawl_state is the crawler's own)

    @classmethod
    @functools.cache
    def columns(cls) -> tuple[Column, ...]:
        """The table's columns in table order: ``FIRST``, the fields in declaration order, then the
        ``added`` ones (``alter table`` appends them, in old and new files alike)."""
        found = [dataclasses.replace(f.metadata["column"], name=f.name)
                 for f in dataclasses.fields(cls)  # type: ignore[arg-type]
                 if "column" in f.metadata]
        first = {name: i for i, name in enumerate(cls.FIRST)}
        return tuple(sorted(found, key=lambda c: (c.added, first.get(c.name, len(first)))))

    @classmethod
    @functools.cache
    def names(cls) -> tuple[str, ...]:
        """Column names in table order."""
        return tuple(c.name for c in cls.columns())

    @classmethod
    def ddl(cls) -> list[str]:
        """``create table if not exists`` for the table, then one idempotent ``alter table`` per added column."""
        lines = [c.sql() for c in cls.columns() if not c.added]
        if cls.PRIMARY_KEY:
            lines.append(f"primary key ({', '.join(cls.PRIMARY_KEY)})")
        lines += [f"unique ({', '.join(u)})" for u in cls.UNIQUE]
        body = ",\n    ".join(lines)
        stmts = [f"create table if not exists {cls.TABLE} (\n    {body}\n)"]
        # columns added later are created by ``alter`` in every file, so new and old files agree in order
        stmts += [f"alter table {cls.TABLE} add column if not exists {c.sql()}" for c in cls.columns() if c.added]
        return stmts

    @classmethod
    def from_dict(cls: type[R], values: dict[str, Any], **overrides: Any) -> R:
        """Build from a stage's dict (keys that are not columns ignored, missing nullable ones None)."""
        names = _field_names(cls)  # type: ignore[arg-type]  # mypy: type[R] not seen as Hashable
        given = {k: v for k, v in values.items() if k in names}
        return cls(**{**given, **overrides})

    @classmethod
    def columns_of(cls, values: Sequence[dict[str, Any]], *, each: Optional[dict[str, list[Any]]] = None,
                   same: Optional[dict[str, Any]] = None) -> list[list[Any]]:
        """Column lists (table order) of ``[from_dict(v, **overrides).row() for v in values]`` without
        building a record per row (a loader's hot path: one row per task; building a frozen
        dataclass per row doubled the batch loader's Python time). Overrides: ``each`` one value per
        row, ``same`` one value for all rows. ``TypeError`` naming the non-nullable columns a row
        lacks, as the constructor raises."""
        each, same = each or {}, same or {}
        for name in _required(cls) - each.keys() - same.keys():  # type: ignore[arg-type]  # mypy: type[R] not Hashable
            if any(name not in v for v in values):
                raise TypeError(f"{cls.__name__}: a row lacks the required column {name!r}")
        return [each[n] if n in each else [same[n]] * len(values) if n in same else [v.get(n) for v in values]
                for n in cls.names()]

    def row(self) -> list[Any]:
        """Values in table order (for ``insert into <TABLE> (<names()>) …``)."""
        return [getattr(self, n) for n in self.names()]

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the fields (JSON-able when the values are)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]


@functools.cache
def _field_names(cls: type[Record]) -> frozenset[str]:
    """The dataclass field names of a record type (``from_dict`` runs once per row: computed once)."""
    return frozenset(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]


@functools.cache
def _required(cls: type[Record]) -> frozenset[str]:
    """Columns a record cannot be built without (non-nullable: the field has no default)."""
    return frozenset(c.name for c in cls.columns() if not c.nullable)


# -- crawl ------------------------------------------------------------------
@dataclass(slots=True, kw_only=True)
class CrawlRequest(Record):
    """One HTTP exchange the crawler made (304s and errors included). Not frozen: the recorder
    adds the archive pointer and the state once the answer is archived or classified."""

    TABLE: ClassVar[str] = "raw.crawl_requests"
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("request_id",)

    request_id: str = col("varchar", null=False)
    portal_id: str = col("varchar", null=False)
    url: str = col("varchar", null=False)
    final_url: Optional[str] = col("varchar")
    kind: str = col("varchar", null=False, doc="list | detail | attachment | robots | resource (loaded by a rendered page)")
    status: Optional[int] = col("integer", doc="HTTP status; null when no response")
    error: Optional[str] = col("varchar", doc="transport error / robots / off-host")
    fetched_at: Timestamp = col("timestamptz", null=False)
    etag: Optional[str] = col("varchar")
    last_modified: Optional[str] = col("varchar")
    content_type: Optional[str] = col("varchar")
    content_length: Optional[int] = col("bigint")
    sha256: Optional[str] = col("varchar")
    warc_file: Optional[str] = col("varchar", doc="relative to the archive dir")
    warc_offset: Optional[int] = col("bigint")
    warc_length: Optional[int] = col("bigint")
    source_request_id: Optional[str] = col("varchar", doc="for a 304: the request whose archived bytes it stands for")
    dag_id: Optional[str] = col("varchar")
    run_id: Optional[str] = col("varchar")
    state: Optional[str] = col("varchar", added=True,
                               doc="fetched | not_modified | challenged | refused | error (issue 12)")


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlState(Record):
    """Latest validators per URL for conditional GET (the crawl frontier state)."""

    TABLE: ClassVar[str] = "raw.crawl_state"
    DBT_SOURCE: ClassVar[bool] = False
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("url",)

    url: str = col("varchar", null=False)
    portal_id: str = col("varchar", null=False)
    etag: Optional[str] = col("varchar")
    last_modified: Optional[str] = col("varchar")
    sha256: Optional[str] = col("varchar")
    last_request_id: Optional[str] = col("varchar")
    last_status: Optional[int] = col("integer")
    updated_at: Timestamp = col("timestamptz", null=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Notice(Record):
    """A notice (detail page) found on a portal list page, with the labels read on its page."""

    TABLE: ClassVar[str] = "raw.notices"
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("notice_url",)

    notice_url: str = col("varchar", null=False)
    portal_id: str = col("varchar", null=False)
    list_url: Optional[str] = col("varchar")
    title: str = col("varchar", null=False)
    index_no: Optional[str] = col("varchar", doc="索引号")
    doc_no: Optional[str] = col("varchar", doc="文件编号")
    publisher_org: Optional[str] = col("varchar", doc="发布机构")
    category: Optional[str] = col("varchar", doc="公开类别")
    published_on: Optional[Day] = col("date", doc="发布时间")
    detail_request_id: Optional[str] = col("varchar")
    first_seen_at: Timestamp = col("timestamptz", null=False)
    last_seen_at: Timestamp = col("timestamptz", null=False)


# -- documents --------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Document(Record):
    """What a document *is*: portal + notice URL + role."""

    TABLE: ClassVar[str] = "raw.documents"
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("document_key",)

    document_key: str = col("varchar", null=False)
    portal_id: str = col("varchar", null=False)
    notice_url: str = col("varchar", null=False)
    role: str = col("varchar", null=False)
    title: Optional[str] = col("varchar")
    first_seen_at: Timestamp = col("timestamptz", null=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rendition(Record):
    """Every rendition (format) of a document, each archived."""

    TABLE: ClassVar[str] = "raw.renditions"
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("document_key", "url", "sha256")

    document_key: str = col("varchar", null=False)
    url: str = col("varchar", null=False)
    format: Optional[str] = col("varchar")
    sha256: str = col("varchar", null=False)
    request_id: str = col("varchar", null=False)
    seen_at: Timestamp = col("timestamptz", null=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentVersion(Record):
    """One version of a document: sha256 of the bytes the tasks were read from."""

    TABLE: ClassVar[str] = "raw.document_versions"
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("document_version_id",)

    document_version_id: str = col("varchar", null=False)
    document_key: str = col("varchar", null=False)
    source_url: str = col("varchar", null=False)
    source_format: str = col("varchar", null=False)
    request_id: str = col("varchar", null=False, doc="the crawl request that fetched the bytes")
    fetched_at: Timestamp = col("timestamptz", null=False)
    title: Optional[str] = col("varchar")
    jurisdiction: Optional[str] = col("varchar")
    issuer: Optional[str] = col("varchar")
    plan_year: Optional[int] = col("integer")
    doc_number: Optional[str] = col("varchar")
    issued_on: Optional[Day] = col("date")
    layout: Optional[str] = col("varchar")
    task_count: int = col("integer", null=False)
    parser_name: str = col("varchar", null=False)
    parser_version: str = col("varchar", null=False)
    warnings: Optional[str] = col("json")
    load_id: str = col("varchar", null=False)
    loaded_at: Timestamp = col("timestamptz", null=False)
    missing_parts: Optional[str] = col("json", added=True, doc="renditions the notice lists that could not be read "
                                                               "(partial version)")


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionPart(Record):
    """A part (notice body, chosen attachment rendition) a version was read from."""

    TABLE: ClassVar[str] = "raw.version_parts"
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("document_version_id", "part_no")

    document_version_id: str = col("varchar", null=False)
    part_no: int = col("integer", null=False)
    role: str = col("varchar", null=False, doc="body | attachment:<label>")
    url: str = col("varchar", null=False)
    format: str = col("varchar", null=False)
    sha256: str = col("varchar", null=False)
    request_id: str = col("varchar", null=False)


# -- tasks ------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Task(Record):
    """One task as ``extract.tasks.extract_tasks`` reads it (the content columns of ``TaskRow``;
    fields as in ``tests/fixtures/gold/README.md``). Units are lists of names; ``deadline_date``
    is ISO text (YYYY-MM-DD) or None."""

    seq: int = col("integer", null=False)
    task_name: Optional[str] = col("varchar")
    section: Optional[str] = col("varchar")
    task_content: str = col("varchar", null=False)
    responsible_raw: Optional[str] = col("varchar")
    lead_units: Optional[list[str]] = col("varchar[]")
    support_units: Optional[list[str]] = col("varchar[]")
    units_open_list: bool = col("boolean", null=False)
    deadline_raw: Optional[str] = col("varchar")
    deadline_date: Optional[Day] = col("date")
    deadline_kind: Optional[str] = col("varchar", added=True,
                                       doc="extract.tasks.normalize.DEADLINE_KINDS (read_deadline)")


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskRow(Task):
    """One task row of one document version (``raw.tasks``): a ``Task`` plus its identity and load."""

    TABLE: ClassVar[str] = "raw.tasks"
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("task_id",)
    UNIQUE: ClassVar[tuple[tuple[str, ...], ...]] = (("document_version_id", "seq"),)
    FIRST: ClassVar[tuple[str, ...]] = ("task_id", "document_version_id")

    task_id: str = col("varchar", null=False)
    document_version_id: str = col("varchar", null=False)
    load_id: str = col("varchar", null=False)
    loaded_at: Timestamp = col("timestamptz", null=False)


# -- validation, quarantine, audit ------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class ValidationResult(Record):
    """Great Expectations results of one suite on one document version."""

    TABLE: ClassVar[str] = "raw.validation_results"
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("validation_id",)

    validation_id: str = col("varchar", null=False)
    document_version_id: str = col("varchar", null=False)
    suite: str = col("varchar", null=False)
    success: bool = col("boolean", null=False)
    evaluated: Optional[int] = col("integer")
    failed: Optional[int] = col("integer")
    failures: Optional[str] = col("json", doc="[{expectation, column, observed}]")
    gx_version: Optional[str] = col("varchar")
    validated_at: Timestamp = col("timestamptz", null=False)
    load_id: Optional[str] = col("varchar")


@dataclass(frozen=True, slots=True, kw_only=True)
class Quarantine(Record):
    """A document stopped before the clean tables, with reasons and a pointer to its bytes."""

    TABLE: ClassVar[str] = "raw.quarantine"
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("document_version_id",)

    document_version_id: str = col("varchar", null=False)
    document_key: str = col("varchar", null=False)
    source_url: Optional[str] = col("varchar")
    request_id: Optional[str] = col("varchar")
    stage: str = col("varchar", null=False, doc="fetch | parse | validate | load")
    reasons: str = col("json", null=False)
    warc_file: Optional[str] = col("varchar")
    warc_offset: Optional[int] = col("bigint")
    quarantined_at: Timestamp = col("timestamptz", null=False)
    attempts: int = col("integer", null=False, default="1")
    resolved_at: Optional[Timestamp] = col("timestamptz")
    dag_id: Optional[str] = col("varchar")
    run_id: Optional[str] = col("varchar")


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadAudit(Record):
    """dlt-style load audit: which DAG run wrote which load_id, and how it ended."""

    TABLE: ClassVar[str] = "raw.load_audit"
    PRIMARY_KEY: ClassVar[tuple[str, ...]] = ("load_id",)

    load_id: str = col("varchar", null=False)
    dag_id: Optional[str] = col("varchar")
    run_id: Optional[str] = col("varchar")
    task_id: Optional[str] = col("varchar")
    document_version_id: Optional[str] = col("varchar")
    started_at: Timestamp = col("timestamptz", null=False)
    ended_at: Optional[Timestamp] = col("timestamptz")
    rows_loaded: Optional[int] = col("integer")
    status: str = col("varchar", null=False, doc="running | loaded | skipped | quarantined | failed")


RECORDS: tuple[type[Record], ...] = (CrawlRequest, CrawlState, Notice, Document, Rendition, DocumentVersion,
                                     VersionPart, TaskRow, ValidationResult, Quarantine, LoadAudit)
