"""Great Expectations validation of one extracted document version.

Two suites live as GX JSON files in ``expectations/``:

* ``work_plan_documents`` — the document metadata as a one-row DataFrame;
* ``work_plan_tasks``     — the task rows as a DataFrame, in extraction order.

GX is called from Python on pandas DataFrames (the Airflow GX provider cannot be
installed and GX's SQL datasource on a DuckDB file is broken). Rules GX cannot
express directly are turned into *derived columns* computed here before
validation (``document_frame`` / ``tasks_frame``; each suite's ``meta`` lists
them): ``seq_gap``, ``task_content_norm``, ``units_missing_in_source``,
``deadline_year_offset`` and so on. Run-time values come in as GX suite
parameters (``max_plan_year``, ``task_row_count``).

Cost: importing GX takes seconds; the ephemeral context, the pandas datasource
and the suites are created once per process (``_Engine``, ``warm_up()``) and
reused; a warm validation of one document (both suites) then costs ~0.2 s, almost
all of it GX's per-expectation planning, not the data.

Data Docs are built elsewhere (``extract.data_docs``): validation never touches a
GX project; outcomes carry the GX result JSON (``SuiteResult.raw``) and are saved
with ``save_outcome`` in one process and rendered in another.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from extract import settings

DOCUMENT_SUITE = "work_plan_documents"
TASK_SUITE = "work_plan_tasks"
SUITES: tuple[str, ...] = (DOCUMENT_SUITE, TASK_SUITE)

DATA_SOURCE = "workplans_pandas"
#: How many unexpected values / seqs are kept per failure (rows and reasons).
MAX_EXAMPLES = 20

_WS = re.compile(r"\s+")


# --------------------------------------------------------------------- results
@dataclass
class SuiteResult:
    suite: str
    success: bool
    evaluated: int
    failed: int
    #: one dict per failed expectation: expectation, column, kwargs, observed
    failures: list[dict] = field(default_factory=list)
    #: the GX ExpectationSuiteValidationResult as JSON (for Data Docs)
    raw: dict = field(default_factory=dict, repr=False)


@dataclass
class ValidationOutcome:
    success: bool
    results: list[SuiteResult]
    gx_version: str
    document_version_id: str = ""
    validated_at: dt.datetime = field(
        default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    #: wall time of the GX calls (both suites), seconds
    elapsed_s: float = 0.0

    def result(self, suite: str) -> SuiteResult:
        for r in self.results:
            if r.suite == suite:
                return r
        raise KeyError(suite)

    def failed_expectations(self) -> list[tuple[str, str, Optional[str]]]:
        """(suite, expectation type, column) of every failure."""
        return [(r.suite, f["expectation"], f["column"]) for r in self.results for f in r.failures]

    def reasons(self) -> list[str]:
        """One human-readable line per failed expectation."""
        return [_reason(r.suite, f) for r in self.results for f in r.failures]

    # ---- (de)serialisation: outcomes travel between Airflow tasks as JSON
    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["validated_at"] = self.validated_at.isoformat()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ValidationOutcome:
        d = dict(d)
        d["results"] = [SuiteResult(**r) for r in d.get("results", [])]
        d["validated_at"] = dt.datetime.fromisoformat(d["validated_at"])
        return cls(**d)


def _fmt(v: Any, width: int = 24) -> str:
    s = json.dumps(v, ensure_ascii=False, default=str) if not isinstance(v, str) else v
    return s if len(s) <= width else s[: width - 1] + "…"


def _reason(suite: str, f: dict) -> str:
    col = f.get("column")
    head = f"{suite}: {f['expectation']}({col or ''}) failed"
    obs = f.get("observed") or {}
    if "exception" in obs:
        return f"{head}: error {obs['exception']}"
    if "unexpected_count" in obs:
        text = f"{head}: {obs['unexpected_count']} of {obs.get('element_count')} rows"
        seqs = obs.get("seq") or []
        if seqs:
            text += ", e.g. seq " + ", ".join(str(s) for s in seqs[:8])
        vals = [v for v in obs.get("unexpected_values") or [] if v is not None]
        if vals:
            text += " (values: " + ", ".join(_fmt(v) for v in vals[:5]) + ")"
        return text
    expected = {k: v for k, v in (f.get("kwargs") or {}).items()
                if k not in ("column", "column_A", "column_B", "row_condition")}
    return (f"{head}: observed {_fmt(obs.get('observed_value'), 60)}, "
            f"expected {_fmt(expected, 80)}")


# --------------------------------------------------------------------- frames
def _norm_text(v: Any) -> Optional[str]:
    """NFKC, all whitespace removed; None when nothing is left."""
    if v is None or (isinstance(v, float) and v != v):
        return None
    s = _WS.sub("", unicodedata.normalize("NFKC", str(v)))
    return s or None


def _iso_date(v: Any) -> Optional[str]:
    if v is None or v == "":
        return None
    if isinstance(v, (dt.date, dt.datetime)):
        return v.strftime("%Y-%m-%d")
    return str(v).strip() or None


def _year_of(iso: Optional[str]) -> Optional[int]:
    if not iso:
        return None
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", iso)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])).year
    except ValueError:
        return None


def _int_or_none(v: Any) -> Optional[int]:
    if v is None or v == "":
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def plan_year_of(document: dict) -> Optional[int]:
    """The plan year; extraction calls it ``year``, the warehouse ``plan_year``."""
    return _int_or_none(document.get("plan_year", document.get("year")))


def document_frame(document: dict, tasks: list[dict], *, document_version_id: str):
    """The one-row DataFrame the ``work_plan_documents`` suite validates."""
    import pandas as pd

    task_rows = len(tasks)
    declared = document.get("task_count")
    row = {
        "document_version_id": document_version_id,
        "title": document.get("title"),
        "jurisdiction": document.get("jurisdiction"),
        "level": document.get("level"),
        "issuer": document.get("issuer"),
        "issuer_norm": _norm_text(document.get("issuer")),
        "plan_year": plan_year_of(document),
        "doc_number": document.get("doc_number"),
        "issued_on": _iso_date(document.get("issued_on")),
        "layout": document.get("layout"),
        "task_count": _int_or_none(declared) if declared is not None else task_rows,
        "task_rows": task_rows,
    }
    df = pd.DataFrame([row])
    for c in ("plan_year", "task_count", "task_rows"):
        df[c] = df[c].astype("Int64")
    return df


TASK_COLUMNS = [
    "seq", "row_number", "seq_gap", "task_name", "task_name_norm", "task_content",
    "task_content_norm", "responsible_raw", "units_missing_in_source", "unit_count",
    "deadline_raw", "deadline_kind", "deadline_date", "deadline_year_offset",
]


def tasks_frame(tasks: list[dict], *, plan_year: Optional[int]):
    """The DataFrame the ``work_plan_tasks`` suite validates (derived columns included)."""
    import pandas as pd

    rows = []
    for i, t in enumerate(tasks, start=1):
        seq = _int_or_none(t.get("seq"))
        deadline = _iso_date(t.get("deadline_date"))
        dyear = _year_of(deadline)
        rows.append({
            "seq": seq,
            "row_number": i,
            "seq_gap": None if seq is None else seq - i,
            "task_name": t.get("task_name"),
            "task_name_norm": _norm_text(t.get("task_name")),
            "task_content": t.get("task_content"),
            "task_content_norm": _norm_text(t.get("task_content")),
            "responsible_raw": t.get("responsible_raw"),
            "units_missing_in_source": _norm_text(t.get("responsible_raw")) is None,
            "unit_count": len(t.get("lead_units") or []) + len(t.get("support_units") or []),
            "deadline_raw": t.get("deadline_raw"),
            "deadline_kind": t.get("deadline_kind"),
            "deadline_date": deadline,
            "deadline_year_offset": (None if dyear is None or plan_year is None
                                     else dyear - plan_year),
        })
    df = pd.DataFrame(rows, columns=TASK_COLUMNS)
    for c in ("seq", "row_number", "seq_gap", "unit_count", "deadline_year_offset"):
        df[c] = df[c].astype("Int64")
    df["units_missing_in_source"] = df["units_missing_in_source"].astype(bool)
    for c in ("task_name", "task_name_norm", "task_content", "task_content_norm",
              "responsible_raw", "deadline_raw", "deadline_kind", "deadline_date"):
        df[c] = df[c].astype(object)
    return df


# --------------------------------------------------------------------- GX engine
def load_suite_json(name: str, expectations_dir: Optional[Path] = None) -> dict:
    path = Path(expectations_dir or settings.EXPECTATIONS_DIR) / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def load_suite(name: str, expectations_dir: Optional[Path] = None):
    """``ExpectationSuite(**json)``; fails if GX silently dropped an expectation."""
    import great_expectations as gx

    d = load_suite_json(name, expectations_dir)
    suite = gx.ExpectationSuite(**d)
    if len(suite.expectations) != len(d.get("expectations", [])):
        raise ValueError(f"suite {name}: {len(d['expectations']) - len(suite.expectations)} "
                         "expectation(s) are not valid GX configurations (see GX log)")
    return suite


class _Engine:
    """Ephemeral GX context + pandas datasource + suites, built once per process."""

    def __init__(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx_version = gx.__version__
        self.context = gx.get_context(mode="ephemeral")
        try:
            self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        except Exception:  # noqa: BLE001 - cosmetic only: progress bars off where GX allows it
            pass
        ds = self.context.data_sources.add_pandas(DATA_SOURCE)
        self.batch_definitions = {
            name: ds.add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole")
            for name in SUITES
        }
        self.suites = {name: load_suite(name) for name in SUITES}
        self.lock = threading.Lock()

    def validate(self, suite: str, df, *, parameters: dict,
                 index_column: Optional[str] = None) -> dict:
        """GX result JSON. With ``index_column`` the result names the failing rows
        (COMPLETE format); without it SUMMARY (cheaper; enough for one-row frames)."""
        batch = self.batch_definitions[suite].get_batch(batch_parameters={"dataframe": df})
        result_format: dict = {"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES}
        if index_column:
            result_format.update(result_format="COMPLETE",
                                 unexpected_index_column_names=[index_column])
        result = batch.validate(self.suites[suite], result_format=result_format,
                                expectation_parameters=parameters)
        return result.to_json_dict()


_engine: Optional[_Engine] = None
_engine_lock = threading.Lock()


def engine() -> _Engine:
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = _Engine()
    return _engine


def warm_up() -> None:
    """Import GX and build the context now (e.g. at worker start)."""
    engine()


# --------------------------------------------------------------------- failures
def _column_of(kwargs: dict) -> Optional[str]:
    if kwargs.get("column"):
        return kwargs["column"]
    if kwargs.get("column_A"):
        return f"{kwargs['column_A']},{kwargs.get('column_B')}"
    if kwargs.get("column_list"):
        return ",".join(kwargs["column_list"])
    return None


def _failure(er: dict, index_column: Optional[str]) -> dict:
    cfg = er.get("expectation_config") or {}
    kwargs = {k: v for k, v in (cfg.get("kwargs") or {}).items() if k != "batch_id"}
    res = er.get("result") or {}
    exc = er.get("exception_info") or {}
    if exc.get("raised_exception"):
        lines = (exc.get("exception_message") or "error").strip().splitlines() or ["error"]
        observed: dict = {"exception": lines[0]}
    elif "unexpected_count" in res:
        idx = res.get("unexpected_index_list") or res.get("partial_unexpected_index_list") or []
        ids = [r.get(index_column) for r in idx if isinstance(r, dict)]
        values = res.get("unexpected_list") or res.get("partial_unexpected_list") or []
        observed = {
            "unexpected_count": res.get("unexpected_count"),
            "element_count": res.get("element_count"),
            "unexpected_values": values[:MAX_EXAMPLES],
        }
        if index_column:
            observed[index_column] = ids[:MAX_EXAMPLES]
    else:
        observed = {"observed_value": res.get("observed_value")}
        if "details" in res:
            observed["details"] = res["details"]
    return {
        "expectation": cfg.get("type"),
        "column": _column_of(kwargs),
        "kwargs": kwargs,
        "observed": json.loads(json.dumps(observed, ensure_ascii=False, default=str)),
    }


def _suite_result(suite: str, raw: dict, index_column: Optional[str]) -> SuiteResult:
    stats = raw.get("statistics") or {}
    failures = [_failure(er, index_column) for er in raw.get("results", []) if not er.get("success")]
    return SuiteResult(
        suite=suite,
        success=bool(raw.get("success")),
        evaluated=int(stats.get("evaluated_expectations") or 0),
        failed=int(stats.get("unsuccessful_expectations") or 0),
        failures=failures,
        raw=raw,
    )


# --------------------------------------------------------------------- API
def validate_extraction(document: dict, tasks: list[dict], *, document_version_id: str,
                        max_plan_year: Optional[int] = None) -> ValidationOutcome:
    """Run both suites on one document version (document fields + task rows).

    ``document`` is ``Extraction.document`` (``year`` or ``plan_year``; an optional
    ``task_count`` is compared with ``len(tasks)``); ``tasks`` are task dicts as in
    ``tests/fixtures/gold/README.md``. ``max_plan_year`` defaults to this year + 1.
    """
    import time

    eng = engine()
    validated_at = dt.datetime.now(dt.timezone.utc)
    if max_plan_year is None:
        max_plan_year = validated_at.year + 1
    doc_df = document_frame(document, tasks, document_version_id=document_version_id)
    task_df = tasks_frame(tasks, plan_year=plan_year_of(document))
    t0 = time.perf_counter()
    with eng.lock:
        doc_raw = eng.validate(DOCUMENT_SUITE, doc_df,
                               parameters={"max_plan_year": max_plan_year})
        task_raw = eng.validate(TASK_SUITE, task_df, index_column="seq",
                                parameters={"task_row_count": len(task_df)})
    elapsed = time.perf_counter() - t0
    results = [_suite_result(DOCUMENT_SUITE, doc_raw, None),
               _suite_result(TASK_SUITE, task_raw, "seq")]
    return ValidationOutcome(
        success=all(r.success for r in results),
        results=results,
        gx_version=eng.gx_version,
        document_version_id=document_version_id,
        validated_at=validated_at,
        elapsed_s=elapsed,
    )


def validation_id(document_version_id: str, suite: str) -> str:
    return hashlib.sha256(f"{document_version_id}|{suite}".encode()).hexdigest()[:20]


def results_to_rows(outcome: ValidationOutcome, document_version_id: str,
                    load_id: Optional[str]) -> list[dict]:
    """Rows for ``raw.validation_results`` (one per suite); ``failures`` is JSON text."""
    rows = []
    for r in outcome.results:
        rows.append({
            "validation_id": validation_id(document_version_id, r.suite),
            "document_version_id": document_version_id,
            "suite": r.suite,
            "success": bool(r.success),
            "evaluated": r.evaluated,
            "failed": r.failed,
            "failures": json.dumps(r.failures, ensure_ascii=False, default=str),
            "gx_version": outcome.gx_version,
            "validated_at": outcome.validated_at,
            "load_id": load_id,
        })
    return rows


def save_outcome(outcome: ValidationOutcome, out_dir: Union[str, Path]) -> Path:
    """Write ``<document_version_id>.json`` (input for ``build_data_docs`` elsewhere)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{outcome.document_version_id or 'outcome'}.json"
    path.write_text(json.dumps(outcome.to_dict(), ensure_ascii=False, default=str, indent=1),
                    encoding="utf-8")
    return path
