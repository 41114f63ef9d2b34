"""``load_documents`` (one transaction per batch) leaves exactly what ``load_document`` one by one
leaves; a bad version fails alone (nothing of it written, the others loaded); a re-load adds nothing;
a killed batch leaves nothing but its ``running`` audit rows."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from extract import load, warehouse
from extract.crawl.crawler import RunInfo
from extract.records import RECORDS
from tests.load.conftest import crawled_doc, kill_mid_transaction

RUN = RunInfo("test_dag", "run-1")
# Columns a load stamps with its own id or clock: compared as "set or not", never by value.
STAMPS = {"load_id", "loaded_at", "started_at", "ended_at", "first_seen_at", "last_seen_at", "seen_at",
          "quarantined_at", "resolved_at", "updated_at"}


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    """Every raw table's rows, sorted, with load stamps reduced to whether they are set."""
    out = {}
    for record in RECORDS:
        cols = ", ".join(f"{n} is not null" if n in STAMPS else n for n in record.names())
        out[record.TABLE] = sorted(con.execute(f"select {cols} from {record.TABLE}").fetchall(), key=repr)
    return out


def _items() -> tuple[list[tuple[dict, dict, list]], tuple[dict, dict, list], tuple[dict, dict, list]]:
    """A batch that exercises every merge rule, and what is in the warehouse before it:
    - 000 loaded before by an older parser with 3 tasks (the batch replaces the version whole),
    - 004 quarantined before (the batch's clean version resolves the entry),
    - 001 twice: a first version and a second one of the same notice (new body bytes) later in the
      batch (document, notice and crawl state: the later wins; both versions kept),
    - 003 whose requests carry a 304 for 001's attachment URL, fetched after it (the state's
      last_status becomes 304), and 000's body request again (recorded once)."""
    old = crawled_doc("000")
    old_ex = dict(old[1], tasks=old[1]["tasks"][:3], parser_version="old")
    quarantined = crawled_doc("004")
    first = crawled_doc("001")
    second = crawled_doc("001", body=b"<html>001 corrected</html>")
    assert first[0]["document_key"] == second[0]["document_key"]
    later = (datetime.fromisoformat(second[0]["requests"][1]["fetched_at"]) + timedelta(minutes=5)).isoformat()
    third = crawled_doc("003")
    third[0]["requests"] += [dict(first[0]["requests"][1], request_id="revalidate-001", status=304, sha256=None,
                                  warc_file=None, warc_offset=None, warc_length=None, fetched_at=later,
                                  source_request_id=first[0]["requests"][1]["request_id"]),
                             dict(old[0]["requests"][0])]
    batch = [old, first, quarantined, second, third]
    return [copy.deepcopy(i) for i in batch], (old[0], old_ex, old[2]), quarantined


def _prepare(con: duckdb.DuckDBPyConnection, before: tuple[dict, dict, list], quarantined: tuple) -> None:
    load.load_document(con, *before, RUN)
    load.quarantine_document(con, quarantined[0], stage="validate", reasons=["bad"], parser_version="old",
                             validation_rows=quarantined[2], run=RUN)


@pytest.mark.parametrize("frame_rows", [load.FRAME_ROWS, 2])
def test_a_batch_leaves_exactly_what_loading_one_by_one_leaves(wp_var: Path, tmp_path: Path, frame_rows: int,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    """Also with every table of more than 2 rows going in as a registered frame (``frame_rows`` 2):
    both insert paths leave the same rows, and the batch commits whole (no retry one by one)."""
    monkeypatch.setattr(load, "FRAME_ROWS", frame_rows)
    items, before, quarantined = _items()
    with warehouse.connect(tmp_path / "one_by_one.duckdb") as con:
        _prepare(con, before, quarantined)
        for doc, ex, rows in copy.deepcopy(items):
            load.load_document(con, doc, ex, rows, RUN)
        expected = _tables(con)
    with warehouse.connect(tmp_path / "batch.duckdb") as con:
        _prepare(con, before, quarantined)
        results = load.load_documents(con, copy.deepcopy(items), RUN)
        assert [(r.status, r.rows, r.error) for r in results] == [("loaded", 33, None), ("loaded", 16, None),
                                                                   ("loaded", 91, None), ("loaded", 16, None),
                                                                   ("loaded", 70, None)]
        got = _tables(con)
    assert "loading each alone" not in caplog.text
    assert got == expected
    assert len(got["raw.document_versions"]) == 5  # 000 replaced in place, 001 twice, 004, 003
    assert len(got["raw.tasks"]) == 33 + 16 + 91 + 16 + 70
    states = {r[0]: r[6] for r in got["raw.crawl_state"]}  # url -> last_status
    assert states[items[1][0]["requests"][1]["url"]] == 304
    assert got["raw.quarantine"] == expected["raw.quarantine"] and [r[10] for r in got["raw.quarantine"]] == [True]


def test_a_bad_version_fails_alone_and_the_others_load(wp_var: Path) -> None:
    """A version whose tasks break a key (two rows with seq 5) makes the batch's transaction fail; it
    is rolled back whole and each version is retried alone: the bad one leaves no row (audit
    ``failed``), the others load once. An item that cannot be built (no parts) fails before any write."""
    good1, bad, good2 = crawled_doc("000"), crawled_doc("003"), crawled_doc("002")
    bad[1]["tasks"] = bad[1]["tasks"] + [dict(bad[1]["tasks"][4])]
    partless = crawled_doc("004")
    partless[0]["parts"], partless[1]["primary_part"] = [], None
    with warehouse.connect() as con:
        results = load.load_documents(con, [good1, bad, partless, good2], RUN)
        assert [r.status for r in results] == ["loaded", "failed", "failed", "loaded"]
        assert "Constraint" in (results[1].error or "") and "no parts" in (results[2].error or "")
        loaded = {r[0]: r[1] for r in con.execute(
            "select document_version_id, count(*) from raw.tasks group by 1").fetchall()}
        assert loaded == {good1[0]["document_version_id"]: 33, good2[0]["document_version_id"]: len(good2[1]["tasks"])}
        for table in ("raw.document_versions", "raw.version_parts", "raw.validation_results"):
            assert con.execute(f"select count(*) from {table} where document_version_id = ?",
                               [bad[0]["document_version_id"]]).fetchone() == (0,)
        assert con.execute("select count(*) from raw.documents where document_key = ?",
                           [bad[0]["document_key"]]).fetchone() == (0,)
        audit = con.execute("select document_version_id, status, rows_loaded from raw.load_audit").fetchall()
        assert sorted(audit) == sorted([(good1[0]["document_version_id"], "loaded", 33),
                                        (bad[0]["document_version_id"], "failed", 0),
                                        (good2[0]["document_version_id"], "loaded", len(good2[1]["tasks"]))])


def test_loading_a_batch_again_adds_nothing(wp_var: Path) -> None:
    items = [crawled_doc(s) for s in ("000", "001", "002")]
    with warehouse.connect() as con:
        load.load_documents(con, items, RUN)
        first = _tables(con)
        assert [r.status for r in load.load_documents(con, items, RUN)] == ["loaded"] * 3
        again = _tables(con)
    assert {t: rows for t, rows in again.items() if t != "raw.load_audit"} == \
        {t: rows for t, rows in first.items() if t != "raw.load_audit"}
    assert len(again["raw.tasks"]) == 33 + 16 + 23
    assert len(again["raw.load_audit"]) == 6


_KILLED_BATCH = r"""
items = [crawled_doc(s) for s in ("000", "001", "003")]
with warehouse.connect() as con:
    load.load_documents(con, items, RunInfo("killed", "run-k"))
"""


def test_sigkill_mid_batch_leaves_no_version_and_the_next_load_completes(wp_var: Path, tmp_path: Path) -> None:
    kill_mid_transaction(_KILLED_BATCH, tmp_path)
    with warehouse.connect() as con:
        assert con.execute("select count(*) from raw.document_versions").fetchone() == (0,)
        assert con.execute("select count(*) from raw.tasks").fetchone() == (0,)
        assert con.execute("select status, count(*) from raw.load_audit group by 1").fetchall() == [("running", 3)]
        items = [crawled_doc(s) for s in ("000", "001", "003")]
        assert [r.status for r in load.load_documents(con, items, RUN)] == ["loaded"] * 3
        assert con.execute("select count(*), count(distinct task_id) from raw.tasks").fetchone() == (33 + 16 + 70, 33 + 16 + 70)

