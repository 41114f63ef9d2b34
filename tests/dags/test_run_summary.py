"""The crawl run's summary (leaf task ``check_loads``): which documents were not loaded, why, and
the command to run — what an operator reads in the task log when the run is red."""

from __future__ import annotations

from extract.orchestration import QUARANTINE_COMMAND, format_quarantine_summary, quarantine_summary

LOADED = {"doc": {"notice_url": "http://127.0.0.12/a.html"}, "extraction": {}, "validation": {"success": True}}
BROKEN = {"doc": {"notice_url": "http://127.0.0.12/b.html"},
          "error": {"stage": "parse", "reasons": ["parse error: not a .docx (zip without word/document.xml)"]}}
INVALID = {"doc": {"notice_url": "http://127.0.0.12/c.html"}, "extraction": {},
           "validation": {"success": False, "reasons": ["tasks.seq: 2 duplicate values", "tasks: 0 rows"]}}
LOST = {"doc": {"notice_url": "http://127.0.0.12/d.html"}, "extraction": {}, "validation": {"success": True}}


def test_every_document_loaded_means_an_empty_summary() -> None:
    results = [{"notice_url": "http://127.0.0.12/a.html", "status": "loaded"}]
    assert quarantine_summary([LOADED], results) == []


def test_missing_documents_carry_stage_and_reasons_matched_by_url_not_position() -> None:
    # mapped results may come back without the failed indexes and in another order
    results = [None, {"notice_url": "http://127.0.0.12/a.html", "status": "loaded"}, None]
    assert quarantine_summary([BROKEN, INVALID, LOADED, LOST], results) == [
        {"notice_url": "http://127.0.0.12/b.html", "stage": "parse",
         "reasons": ["parse error: not a .docx (zip without word/document.xml)"]},
        {"notice_url": "http://127.0.0.12/c.html", "stage": "validate",
         "reasons": ["tasks.seq: 2 duplicate values", "tasks: 0 rows"]},
        {"notice_url": "http://127.0.0.12/d.html", "stage": "load",
         "reasons": ["the load task instance failed: see its log"]},
    ]


def test_the_text_names_each_document_its_reasons_and_the_command() -> None:
    loaded = [None, {"notice_url": "http://127.0.0.12/a.html", "status": "loaded"}]
    text = format_quarantine_summary(quarantine_summary([BROKEN, LOADED], loaded), 2)
    assert text.splitlines() == [
        "1 of 2 document(s) quarantined or not loaded in this run:",
        "  - http://127.0.0.12/b.html [parse]",
        "      parse error: not a .docx (zip without word/document.xml)",
        f"Open quarantine entries with their reasons and archived bytes: {QUARANTINE_COMMAND}",
    ]
