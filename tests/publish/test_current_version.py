"""One rule for "the current version": a document whose newest version is in open quarantine.

The warehouse holds the five gold seeds (seed 004 in two clean versions) plus a third, newer
version of seed 004 that is in raw.document_versions (loaded by an earlier parser) and in open
quarantine (validation failed when it was read again). dbt's fct_documents, the run summary
(extract/runner.py) and the HTML report (extract/report.py) must all name version 2 as current.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from test_report import parse_dom

from conftest import SEED_TASKS, Published, env_for
from raw_fixture import BASE_TIME, COLUMNS, _insert, _plan_rows, build_raw_warehouse, load_gold

SEED_004 = next(d for d in load_gold() if d["seed"] == "004")
SLUG = "seed-004"


def _versions_of_004() -> tuple[dict, dict]:
    """Raw rows of seed 004's version 2 (clean, as raw_fixture writes it) and of a newer version 3
    (80 tasks) — the same identities the fixture gives (document_key from the notice URL)."""
    v2 = _plan_rows(SEED_004, version=2, fetched_at=BASE_TIME, notice_slug=SLUG)  # ids do not depend on the time
    newer = copy.deepcopy(SEED_004)
    newer["tasks"] = newer["tasks"][:80]
    v3 = _plan_rows(newer, version=3, fetched_at=BASE_TIME + timedelta(days=10), notice_slug=SLUG)
    return v2, v3


@pytest.fixture(scope="module")
def quarantined_newer(tmp_path_factory: pytest.TempPathFactory):
    from extract import settings
    from extract.publish import publish
    from extract.transform import dbt_build

    v2, v3 = _versions_of_004()
    with pytest.MonkeyPatch.context() as mp:
        var = tmp_path_factory.mktemp("quarantined_newer") / "var"
        for k, v in env_for(var).items():
            mp.setenv(k, v)
        settings.warehouse_path().parent.mkdir(parents=True, exist_ok=True)
        build_raw_warehouse(settings.warehouse_path())
        with duckdb.connect(str(settings.warehouse_path())) as con:
            assert con.execute("select count(*) from raw.document_versions where document_version_id = ?",
                               [v2["document_versions"][0][0]]).fetchone() == (1,)
            for table in COLUMNS:
                if table in ("notices", "documents"):
                    continue  # the same notice and document
                for row in v3[table]:
                    _insert(con, table, row)
            vid3 = v3["document_versions"][0][0]
            con.execute("update raw.validation_results set success = false, failed = 1 where document_version_id = ?",
                        [vid3])
            con.execute(
                "insert into raw.quarantine (document_version_id, document_key, source_url, request_id, stage, "
                "reasons, quarantined_at, dag_id, run_id) values (?, ?, ?, ?, 'validate', ?, ?, ?, ?)",
                [vid3, v3["document_versions"][0][1], v3["document_versions"][0][2], v3["crawl_requests"][0][0],
                 json.dumps({"reasons": ["tasks.seq: 1 duplicate value"]}), BASE_TIME + timedelta(days=11),
                 "crawl_jiading", "manual__2"])
        dbt_build()
        result = publish()
        from extract.runner import summary

        text = summary({"warehouse": "success"})
        yield Published(var, settings.warehouse_path(), settings.publish_dir(), result), v2, v3, text


def test_fct_documents_names_the_older_clean_version(quarantined_newer):
    pub, v2, v3, _ = quarantined_newer
    key, vid2, vid3 = v2["document_versions"][0][1], v2["document_versions"][0][0], v3["document_versions"][0][0]
    assert pub.query("select document_version_id, version_number, version_count, task_count, quarantined_versions, "
                     "is_validation_success from marts.fct_documents where document_id = ?", [key]) == [
        (vid2, 2, 3, 91, 1, True)]
    assert pub.query("select count(*), sum(task_count) from marts.fct_documents") == [(5, SEED_TASKS)]
    assert pub.query("select count(*), count(distinct document_id) from marts.fct_work_plan_tasks") == [(SEED_TASKS, 5)]
    assert pub.query("select count(*) from marts.fct_documents where document_version_id = ?", [vid3]) == [(0,)]


def test_summary_names_the_same_version_and_counts(quarantined_newer):
    _, v2, v3, text = quarantined_newer
    vid2, vid3 = v2["document_versions"][0][0], v3["document_versions"][0][0]
    per_doc = [ln for ln in text.splitlines() if ln.startswith("  嘉定区 ")]
    assert per_doc == [f"  嘉定区 嘉定区人民政府 2023 [{SEED_004.get('layout')}, docx]: 91 tasks, validation passed, "
                       f"version 2/3 {vid2[:12]}, 1 quarantined"]
    assert vid3[:12] not in text
    assert re.search(r"^  jiading\s+found\s+1\s+loaded\s+1\s+quarantined\s+1$", text, re.M)
    assert f"marts.fct_work_plan_tasks: {SEED_TASKS} tasks in 5 documents" in text
    assert len([ln for ln in text.splitlines() if re.match(r"^  \S+ .*: \d+ tasks, validation", ln)]) == 5


def test_report_names_the_same_version_and_counts(quarantined_newer):
    pub, v2, _, _ = quarantined_newer
    dom = parse_dom(Path(pub.result["report"]).read_text(encoding="utf-8"))
    rows = {d["data-document-id"]: d for d in dom.documents}
    assert len(rows) == 5
    jiading = rows[v2["document_versions"][0][1]]
    assert (jiading["data-document-version-id"], jiading["data-tasks"], jiading["data-validation"]) == (
        v2["document_versions"][0][0], "91", "passed")
    assert sum(int(d["data-tasks"]) for d in dom.documents) == SEED_TASKS
    quarantined = [a for t, a in dom.elements if "data-quarantined" in a]
    assert quarantined[0]["data-quarantined"] == "2"  # the fixture's bad.pdf + seed 004 version 3
