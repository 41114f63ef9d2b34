"""``choose_renditions``: which rendition of each attachment is read (pure; no network, no archive)."""

from __future__ import annotations

import io
from typing import Optional

from docx import Document as WordDocument

from extract.crawl.crawler import FetchedAttachment, choose_renditions

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CHALLENGE_HTML = b"<!DOCTYPE html><html><head><title>403</title></head><body>Access denied</body></html>"


def _docx() -> bytes:
    buf = io.BytesIO()
    doc = WordDocument()
    doc.add_paragraph("任务分解表")
    doc.save(buf)
    return buf.getvalue()


def _fetched(url: str, label: str, body: Optional[bytes], *, state: str = "fetched",
             error: Optional[str] = None) -> FetchedAttachment:
    rid = "req-" + url.rsplit("/", 1)[-1]
    return FetchedAttachment(url, label, body, {"request_id": rid, "sha256": None if body is None else "sha-" + rid,
                                                "state": state, "error": error})


def test_the_most_structured_rendition_of_one_attachment_is_read_the_others_listed():
    choice = choose_renditions([
        _fetched("http://x/cms/a1.pdf", "附件1：任务分解表.pdf", PDF),
        _fetched("http://x/cms/b2.docx", "附件1：任务分解表（Word版）", _docx()),
    ])
    assert [(p["url"], p["format"], p["role"]) for p in choice.parts] == [
        ("http://x/cms/b2.docx", "docx", "attachment:任务分解表")]
    assert [(r["url"], r["format"], r["chosen"]) for r in choice.renditions] == [
        ("http://x/cms/b2.docx", "docx", True), ("http://x/cms/a1.pdf", "pdf", False)]
    assert (choice.missing, choice.errors, choice.notes, choice.challenged) == ([], [], [], None)


def test_bytes_that_are_not_the_linked_format_are_dropped_and_the_other_rendition_stands():
    choice = choose_renditions([
        _fetched("http://x/cms/a1.pdf", "附件1：任务分解表.pdf", CHALLENGE_HTML),
        _fetched("http://x/cms/b2.docx", "附件1：任务分解表.docx", _docx()),
    ])
    assert [p["url"] for p in choice.parts] == ["http://x/cms/b2.docx"]
    assert [r["url"] for r in choice.renditions] == ["http://x/cms/b2.docx"]
    assert choice.missing == ["attachment http://x/cms/a1.pdf: dropped: linked as .pdf but the bytes are html "
                              "(a challenge or error page?)"]
    assert choice.errors == [] and choice.challenged is None


def test_an_attachment_without_a_usable_rendition_is_an_error_and_a_challenged_one_waits():
    failed = choose_renditions([_fetched("http://x/cms/a1.pdf", "附件1：实施方案.pdf", None, state="error",
                                         error="HTTP 404"),
                                _fetched("http://x/cms/b2.pdf", "附件2：任务分解表.pdf", PDF)])
    assert [p["url"] for p in failed.parts] == ["http://x/cms/b2.pdf"]
    assert (failed.errors, failed.missing, failed.challenged) == (["attachment http://x/cms/a1.pdf: HTTP 404"], [], None)

    waiting = choose_renditions([_fetched("http://x/cms/a1.pdf", "附件1.pdf", None, state="challenged",
                                          error="challenged: HTTP 412 with a $_ts script page")])
    assert (waiting.parts, waiting.errors, waiting.missing) == ([], [], [])
    assert waiting.challenged == "attachment http://x/cms/a1.pdf: challenged: HTTP 412 with a $_ts script page"


def test_unknown_bytes_rank_last_with_a_note():
    choice = choose_renditions([_fetched("http://x/cms/a1", "附件1：任务分解表", b"\x00\x01\x02binary\x00" * 10),
                                _fetched("http://x/cms/a1.pdf", "附件1：任务分解表.pdf", PDF)])
    assert [(r["format"], r["chosen"]) for r in choice.renditions] == [("pdf", True), ("unknown", False)]
    assert len(choice.notes) == 1 and choice.notes[0].startswith("attachment http://x/cms/a1: unknown binary format")
