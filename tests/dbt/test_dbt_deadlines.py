"""One deadline parser, end to end: the phrase table (tests/fixtures/deadlines/phrases.csv) written as the
完成时限 column of 任务分解表 pages, read by the extractor, stored by the loader, built by dbt. Every task's
deadline_kind and deadline_date in the marts equal Python's read_deadline and the table's expectation, and
the dbt vocabulary and the deadline profile columns are DEADLINE_KINDS."""

from __future__ import annotations

import hashlib
import html
from collections import defaultdict

import duckdb
import pytest
import yaml

from dbt_runner import DBT_PROJECT_DIR, BuiltWarehouse, run_dbt
from extract.crawl.crawler import RunInfo
from extract.load import load_document
from extract.parse import parse_bytes
from extract.report import DEADLINE_BUCKETS
from extract.tasks import extract_tasks
from extract.tasks.normalize import DEADLINE_KINDS, read_deadline
from raw_fixture import build_raw_warehouse
from tests.deadline_phrases import Phrase, load_phrases

# A plan without a year never reaches the marts (the document suite quarantines it); its phrase is
# checked in tests/extract/test_deadline_phrases.py.
PHRASES = [p for p in load_phrases() if p.plan_year is not None]
ISSUER = "上海市浦东新区人民政府办公室"


def _page(year: int, rows: list[tuple[int, str | None]]) -> bytes:
    """A 任务分解表 page of plan ``year`` whose (序号, 完成时限) cells are ``rows``."""
    title = f"{ISSUER}关于印发浦东新区{year}年政务公开工作要点的通知"
    body = "".join(
        f"<tr><td>{seq}</td><td>公开事项{seq}</td><td>按要求做好第{seq}项政务信息的主动公开和解读工作。</td>"
        f"<td>区政府办公室</td><td>{html.escape(text or '')}</td></tr>" for seq, text in rows)
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>"
            "<table><tr><th>序号</th><th>任务名称</th><th>任务内容</th><th>责任单位</th><th>完成时限</th></tr>"
            f"{body}</table></body></html>").encode()


def _load(con: duckdb.DuckDBPyConnection, slug: str, data: bytes) -> dict:
    """Extract one page and load it with the product's loader; returns the extraction."""
    ex = extract_tasks([parse_bytes(data)])
    sha = hashlib.sha256(data).hexdigest()
    url = f"https://www.pudong.gov.cn/files/{slug}.html"
    request = {"request_id": f"req-{slug}", "portal_id": "pudong", "url": url, "final_url": url,
               "kind": "detail", "status": 200, "error": None, "fetched_at": "2024-03-01T08:00:00+00:00",
               "etag": None, "last_modified": None, "content_type": "text/html", "content_length": len(data),
               "sha256": sha, "warc_file": "t.warc.gz", "warc_offset": 0, "warc_length": len(data),
               "source_request_id": None, "dag_id": "test", "run_id": "test"}
    part = {"role": "body", "url": url, "format": "html", "request": request}
    doc = {"document_key": hashlib.sha1(f"pudong|{url}".encode()).hexdigest()[:16],
           "document_version_id": hashlib.sha256(sha.encode()).hexdigest(), "portal_id": "pudong",
           "notice_url": url, "title": ex.document.get("title"), "parts": [part], "requests": [request],
           "renditions": [{"url": url, "format": "html", "sha256": sha, "request_id": request["request_id"]}]}
    extraction = {"document": ex.document, "tasks": ex.tasks, "primary_part": part,
                  "parser_name": "extract", "parser_version": "test", "warnings": ex.warnings}
    validation = [{"validation_id": f"val-{slug}", "document_version_id": doc["document_version_id"],
                   "suite": "work_plan_tasks", "success": True, "evaluated": 1, "failed": 0, "failures": [],
                   "gx_version": "1.24", "validated_at": "2024-03-01T08:00:00+00:00"}]
    load_document(con, doc, extraction, validation, RunInfo("test", "test"))
    return ex.to_dict()


@pytest.fixture(scope="module")
def phrases_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuiltWarehouse, dict]:
    """Gold seeds + one plan per plan year of the phrase table (extracted and loaded), built with dbt."""
    tmp = tmp_path_factory.mktemp("dbt_deadlines")
    path = tmp / "warehouse.duckdb"
    build_raw_warehouse(path)
    by_year: dict[int, list[tuple[int, str | None]]] = defaultdict(list)
    expected: dict[tuple[int, int], Phrase] = {}
    for p in PHRASES:
        seq = len(by_year[p.plan_year]) + 1
        by_year[p.plan_year].append((seq, p.text))
        expected[(p.plan_year, seq)] = p
    extractions = {}
    with duckdb.connect(str(path)) as con:
        for year, rows in by_year.items():
            extractions[year] = _load(con, f"deadlines-{year}", _page(year, rows))
    proc = run_dbt(["build"], path, tmp)
    assert proc.returncode == 0, f"dbt build failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"
    return BuiltWarehouse(path, proc.stdout), {"expected": expected, "extractions": extractions}


def test_phrase_pages_are_read_with_their_plan_year(phrases_warehouse):
    _, ctx = phrases_warehouse
    for year, ex in ctx["extractions"].items():
        assert ex["document"]["year"] == year
        assert [t["seq"] for t in ex["tasks"]] == list(range(1, len([p for p in PHRASES if p.plan_year == year]) + 1))


def test_marts_deadline_kind_and_date_equal_python_on_every_phrase(phrases_warehouse):
    wh, ctx = phrases_warehouse
    got = {(r[0], r[1]): (r[2], r[3], r[4].isoformat() if r[4] else None) for r in wh.query(
        "select t.plan_year, t.seq, t.deadline_raw, t.deadline_kind, t.deadline_date "
        "from marts.fct_work_plan_tasks t join marts.fct_task_lineage l using (task_id) "
        "where l.request_url like '%/files/deadlines-%'")}
    assert len(got) == len(PHRASES) >= 40
    assert {kind for _, kind, _ in got.values()} == set(DEADLINE_KINDS)
    for (year, seq), p in ctx["expected"].items():
        python = read_deadline(p.text, year)
        raw, kind, date = got[(year, seq)]
        assert (kind, date) == (python.kind, python.iso) == (p.kind, p.date), (p.text, year)
        assert raw == (p.text.replace(" ", "") if p.text else None), (p.text, raw)


def test_dbt_kind_vocabulary_is_the_parsers():
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    assert tuple(project["vars"]["deadline_kinds"]) == DEADLINE_KINDS


def test_deadline_profile_partitions_tasks_and_report_shows_every_column(phrases_warehouse):
    wh, _ = phrases_warehouse
    cols = [r[0] for r in wh.query(
        "select column_name from information_schema.columns where table_schema = 'marts' "
        "and table_name = 'fct_jurisdiction_year' and column_name like 'deadlines\\_%' escape '\\'")]
    assert sorted(cols) == sorted(c for c, _ in DEADLINE_BUCKETS)
    assert wh.query(f"select count(*) from marts.fct_jurisdiction_year where tasks <> {' + '.join(cols)}") == [(0,)]
