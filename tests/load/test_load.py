"""Loading is transactional and idempotent; quarantine holds bad documents; a SIGKILL loses nothing."""

from __future__ import annotations

from pathlib import Path

from extract import load, warehouse
from extract.crawl.crawler import RunInfo
from tests.load.conftest import crawled_doc, kill_mid_transaction

RUN = RunInfo("test_dag", "run-1")


def _counts(con) -> tuple[int, int, int]:
    return (con.execute("select count(*) from raw.document_versions").fetchone()[0],
            con.execute("select count(*) from raw.tasks").fetchone()[0],
            con.execute("select count(*) from raw.quarantine where resolved_at is null").fetchone()[0])


def test_load_twice_adds_nothing(wp_var: Path) -> None:
    doc, ex, rows = crawled_doc("000")
    with warehouse.connect() as con:
        load.load_document(con, doc, ex, rows, RUN)
        load.load_document(con, doc, ex, rows, RUN)
        assert _counts(con) == (1, 33, 0)
        assert con.execute("select count(*) from raw.crawl_requests").fetchone()[0] == 2
        assert con.execute("select count(*) from raw.version_parts").fetchone()[0] == 2
        assert con.execute("select count(*) from raw.validation_results").fetchone()[0] == 2
        statuses = con.execute("select status, rows_loaded from raw.load_audit order by started_at").fetchall()
        assert statuses == [("loaded", 33), ("loaded", 33)]


def test_seq_numbers_the_source_skips_are_kept_and_a_reload_drops_only_what_is_gone(wp_var: Path) -> None:
    """A table that skips a number (1, 2, 4: shared/cases/README.md) loads all its rows; reloading
    the same version with one row fewer removes exactly that row."""
    doc, ex, rows = crawled_doc("000")
    ex["tasks"] = ex["tasks"][:3]
    ex["tasks"][2] = dict(ex["tasks"][2], seq=4)
    with warehouse.connect() as con:
        load.load_document(con, doc, ex, rows, RUN)
        seqs = lambda: [r[0] for r in con.execute("select seq from raw.tasks order by seq").fetchall()]  # noqa: E731
        assert seqs() == [1, 2, 4]
        ex["tasks"] = [ex["tasks"][0], ex["tasks"][2]]
        load.load_document(con, doc, ex, rows, RUN)
        assert seqs() == [1, 4]


def test_quarantine_then_fixed_parser_resolves(wp_var: Path) -> None:
    doc, ex, rows = crawled_doc("004")
    with warehouse.connect() as con:
        r = load.quarantine_document(con, doc, stage="validate", reasons=["work_plan_tasks: bad"],
                                     parser_version="old", validation_rows=rows, run=RUN)
        assert r.status == "quarantined"
        assert _counts(con) == (0, 0, 1)
        q = con.execute("select stage, source_url, warc_file is not null, json_extract_string(reasons, '$.reasons[0]') "
                        "from raw.quarantine").fetchone()
        assert q == ("validate", "http://127.0.0.12/files/004.docx", True, "work_plan_tasks: bad")
        assert load.known_versions(con)["quarantined"] == {doc["document_version_id"]: "old"}
        load.load_document(con, doc, ex, rows, RUN)
        assert _counts(con) == (1, 91, 0)


_KILLED_LOADER = r"""
doc, ex, rows = crawled_doc("003")
with warehouse.connect() as con:
    load.load_document(con, doc, ex, rows, RunInfo("killed", "run-k"))
"""


def test_sigkill_mid_transaction_leaves_no_partial_document(wp_var: Path, tmp_path: Path) -> None:
    kill_mid_transaction(_KILLED_LOADER, tmp_path)
    with warehouse.connect() as con:
        assert _counts(con) == (0, 0, 0)  # the uncommitted version vanished whole
        assert con.execute("select status from raw.load_audit").fetchall() == [("running",)]
        doc, ex, rows = crawled_doc("003")
        load.load_document(con, doc, ex, rows, RUN)
        assert _counts(con) == (1, 70, 0)
        assert con.execute("select count(distinct seq), min(seq), max(seq) from raw.tasks").fetchone() == (70, 1, 70)


def test_warehouse_from_before_deadline_kind_gets_the_column_and_its_rows_a_kind(wp_var: Path) -> None:
    """An old file's raw.tasks (no deadline_kind) gains the column on connect, and its rows get the kind
    the one parser gives their deadline_raw and version's plan year; new columns stay idempotent."""
    with warehouse.connect() as con:
        con.execute("drop table raw.tasks")
        con.execute("""create table raw.tasks (task_id varchar primary key, document_version_id varchar not null,
            seq integer not null, task_name varchar, section varchar, task_content varchar not null,
            responsible_raw varchar, lead_units varchar[], support_units varchar[], units_open_list boolean not null,
            deadline_raw varchar, deadline_date date, load_id varchar not null, loaded_at timestamptz not null,
            unique (document_version_id, seq))""")
        con.execute("""insert into raw.document_versions (document_version_id, document_key, source_url,
            source_format, request_id, fetched_at, plan_year, task_count, parser_name, parser_version, load_id,
            loaded_at) values ('v-old', 'k-old', 'http://x/a.docx', 'docx', 'r', now(), 2023, 6, 'p', '1', 'l', now())""")
        for seq, raw, date in [(1, "全年", "2023-12-31"), (2, "次年1月", "2024-01-31"), (3, "3月底", "2023-03-31"),
                               (4, None, None), (5, "持续推进", None), (6, "第三季度", "2023-09-30")]:
            con.execute("insert into raw.tasks values (?, 'v-old', ?, null, null, 'x', null, [], [], false, ?, ?, "
                        "'l', now())", [f"t{seq}", seq, raw, date])
    for _ in range(2):  # the second connect finds nothing to fill
        with warehouse.connect() as con:
            rows = con.execute("select seq, deadline_kind, deadline_date::varchar from raw.tasks order by seq").fetchall()
            assert rows == [(1, "full_year", "2023-12-31"), (2, "next_year", "2024-01-31"), (3, "month", "2023-03-31"),
                            (4, "none", None), (5, "unparsed", None), (6, "quarter", "2023-09-30")]
