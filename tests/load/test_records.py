"""extract/records.py is the one definition of the raw rows: the DDL, the loader's INSERTs,
the crawler's request record and the dbt source YAML all agree with it."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import duckdb
import yaml

from extract import load, warehouse
from extract.crawl.crawler import RunInfo, request_record
from extract.crawl.http import FetchResult
from extract.records import RECORDS, CrawlRequest, Task, TaskRow
from tests.load.conftest import crawled_doc

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "dbt_project/models/staging/work_plans/_work_plans__sources.yml"
# how DuckDB's information_schema spells the types records.py declares
DUCKDB_TYPE = {"varchar": "VARCHAR", "integer": "INTEGER", "bigint": "BIGINT", "boolean": "BOOLEAN",
               "date": "DATE", "json": "JSON", "timestamptz": "TIMESTAMP WITH TIME ZONE", "varchar[]": "VARCHAR[]"}


def _schema(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, bool]]:
    schema, name = table.split(".")
    return [(c, t, n == "YES") for c, t, n in con.execute(
        "select column_name, data_type, is_nullable from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position", [schema, name]).fetchall()]


def test_the_warehouse_ddl_is_the_records_columns_types_nullability_and_keys() -> None:
    con = duckdb.connect(":memory:")
    warehouse.ensure_raw_schema(con)
    tables = {f"raw.{t}" for (t,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'raw'").fetchall()}
    assert tables == {r.TABLE for r in RECORDS}
    for record in RECORDS:
        assert _schema(con, record.TABLE) == [(c.name, DUCKDB_TYPE[c.type], c.nullable) for c in record.columns()]
        keys = con.execute(
            "select constraint_type, constraint_column_names from duckdb_constraints() "
            "where schema_name = 'raw' and table_name = ? and constraint_type in ('PRIMARY KEY', 'UNIQUE') "
            "order by constraint_type, constraint_text", [record.TABLE.split(".")[1]]).fetchall()
        assert keys == [("PRIMARY KEY", list(record.PRIMARY_KEY))] + [("UNIQUE", list(u)) for u in record.UNIQUE]
    # the task row is the extracted task plus its identity and load, in the order the table always had
    assert TaskRow.names()[:2] == ("task_id", "document_version_id")
    assert set(TaskRow.names()) == {*Task.names(), "task_id", "document_version_id", "load_id", "loaded_at"}


def test_a_warehouse_from_before_an_added_column_gets_it_in_place() -> None:
    con = duckdb.connect(":memory:")
    con.execute("create schema raw")
    old = [c.sql() for c in CrawlRequest.columns() if c.name != "state"]
    con.execute(f"create table raw.crawl_requests ({', '.join(old)}, primary key (request_id))")
    warehouse.ensure_raw_schema(con)
    warehouse.ensure_raw_schema(con)  # idempotent
    assert [c for c, _, _ in _schema(con, "raw.crawl_requests")] == list(CrawlRequest.names())


def test_the_loader_writes_every_column_of_the_records(wp_var: Path) -> None:
    doc, ex, rows = crawled_doc("000")
    with warehouse.connect() as con:
        res = load.load_document(con, doc, ex, rows, RunInfo("test_dag", "run-1"))
        got = con.execute(f"select {', '.join(TaskRow.names())} from raw.tasks order by seq").fetchall()
        assert len(got) == 33
        first = TaskRow(**dict(zip(TaskRow.names(), got[0])))
        gold = ex["tasks"][0]
        assert first.task_id == load.task_id(doc["document_version_id"], gold["seq"])
        assert (first.document_version_id, first.load_id) == (doc["document_version_id"], res.load_id)
        for name in Task.names():  # every content column, typed (dates as dates, lists as lists)
            want = gold.get(name)
            want = (want or []) if name.endswith("_units") else want
            value = getattr(first, name)
            assert (value.isoformat() if name == "deadline_date" and value else value) == want, name
        requests = con.execute(f"select {', '.join(CrawlRequest.names())} from raw.crawl_requests "
                               "order by kind").fetchall()
        assert [CrawlRequest(**dict(zip(CrawlRequest.names(), r))).url for r in requests] == [
            "http://127.0.0.12/files/000.docx", "http://127.0.0.12/notice/000.html"]
        assert con.execute("select count(*) from raw.version_parts").fetchone()[0] == 2


def test_the_crawler_builds_its_request_record_from_the_record() -> None:
    res = FetchResult(url="http://127.0.0.11/a.html", final_url="http://127.0.0.11/a.html", status=200,
                      headers={"Content-Type": "text/html", "ETag": '"x"'}, body=b"abc",
                      fetched_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    rec = request_record(res, "detail", "shsamr", RunInfo("crawl_shsamr", "r1"))
    assert list(rec) == list(CrawlRequest.names())
    assert {k: v for k, v in rec.items() if k != "request_id"} == {
        "portal_id": "shsamr", "url": "http://127.0.0.11/a.html", "final_url": "http://127.0.0.11/a.html",
        "kind": "detail", "status": 200, "error": None, "fetched_at": "2024-01-02T03:04:05+00:00",
        "etag": '"x"', "last_modified": None, "content_type": "text/html", "content_length": 3, "sha256": None,
        "warc_file": None, "warc_offset": None, "warc_length": None, "source_request_id": None,
        "dag_id": "crawl_shsamr", "run_id": "r1", "state": "fetched"}
    assert len(rec["request_id"]) == 32


def test_the_dbt_sources_list_exactly_the_records_columns() -> None:
    source = yaml.safe_load(SOURCES.read_text(encoding="utf-8"))["sources"][0]
    tables = {t["name"]: t for t in source["tables"]}
    assert {f"{source['schema']}.{name}" for name in tables} == {r.TABLE for r in RECORDS if r.DBT_SOURCE}
    for record in (r for r in RECORDS if r.DBT_SOURCE):
        listed = tables[record.TABLE.split(".")[1]]["columns"]
        assert [(c["name"], c["data_type"], c.get("description", "")) for c in listed] == [
            (c.name, c.type, c.doc) for c in record.columns()], record.TABLE
