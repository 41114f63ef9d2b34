"""Crawl stages as plain functions: discover notices, fetch one notice's parts.

Both return JSON-able dicts (they travel through XCom) holding request records
for ``raw.crawl_requests`` and pointers into the WARC archive, never bodies.
A list page or detail page answered 304 is re-read from the archive, so an
unchanged portal costs only conditional requests (a list API answered by POST
cannot be conditional: identical bytes to the last walk count as unchanged).

A challenge answer (``extract/crawl/challenge.py``) is archived and recorded with
``state = 'challenged'``; nothing is parsed from it, the walk of that portal stops,
and the result says ``degraded`` so the run alerts once.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

from extract.crawl.archive import WarcArchive, read_record
from extract.crawl.challenge import detect_challenge
from extract.crawl.http import Fetcher, FetchResult, RobotsAnswer
from extract.crawl.portals import get_adapter
from extract.crawl.portals.base import PageShapeError
from extract.crawl.portals.configured import ListRequest
from extract.parse.encoding import decode_bytes
from extract.records import CrawlRequest
from extract.sources import Portal

log = logging.getLogger(__name__)

# Most structured first: the rendition the tasks are read from.
FORMAT_RANK: dict[str, int] = {"docx": 0, "xlsx": 1, "xls": 2, "html": 3, "mht": 4, "pdf": 5, "doc": 6, "text": 7}


@dataclass(frozen=True)
class RunInfo:
    dag_id: str
    run_id: str


def document_key(portal_id: str, notice_url: str) -> str:
    """Stable identity of a notice-document across re-publication."""
    return hashlib.sha1(f"{portal_id}|{notice_url}".encode()).hexdigest()[:16]


def version_id(part_hashes: list[str]) -> str:
    """Version identity: sha256 over the sorted sha256s of the parts read."""
    return hashlib.sha256("|".join(sorted(part_hashes)).encode()).hexdigest()


def make_fetcher(portal: Portal, *, min_delay_s: Optional[float] = None) -> Fetcher:
    """The portal's HTTP fetcher (with ``fetcher: browser`` it also holds the host and robots policy
    that the browser's requests obey; see ``extract/crawl/browser.py``)."""
    return Fetcher(allowed_hosts=portal.allowed_hosts,
                   min_delay_s=portal.politeness.min_delay_s if min_delay_s is None else min_delay_s)


class _Recorder:
    """Fetch + archive + request record, reusing archived bytes on 304."""

    def __init__(self, portal: Portal, fetcher: Fetcher, archive: WarcArchive,
                 state: dict[str, dict[str, Any]], run: RunInfo) -> None:
        self.portal, self.fetcher, self.archive, self.state, self.run = portal, fetcher, archive, state, run
        self.requests: list[dict[str, Any]] = []
        self.challenges: list[str] = []
        self.min_page_bytes = get_adapter(portal.family).min_page_bytes

    def get(self, url: str, kind: str, json_body: Optional[dict[str, Any]] = None,
            key: Optional[str] = None) -> tuple[Optional[bytes], dict[str, Any]]:
        """Return (body or None, request record). 304 → body from the archive; a challenge → None.

        ``json_body`` POSTs it (list APIs); ``key`` is then the request's identity in crawl state
        (URL + '#' + canonical body), recorded as its ``url``.
        """
        prev = self.state.get(key or url) or {}
        if self.portal.fetcher == "browser" and kind == "list":
            res = self._render(url)
        elif json_body is None:
            res = self.fetcher.fetch(url, etag=prev.get("etag"), last_modified=prev.get("last_modified"))
        else:
            res = self.fetcher.fetch(url, json_body=json_body)
            res.url = key or url
        rec = self._record(res, kind)
        body: Optional[bytes] = None
        reason = detect_challenge(res.status, res.headers, res.body,
                                  min_page_bytes=self.min_page_bytes if kind in ("list", "detail") else 0)
        if reason:
            # Archived as evidence, never parsed; no validators kept, so the next run asks again.
            arc = self.archive.write(res) if res.body is not None else None
            if arc is not None:
                rec.update(warc_file=arc.warc_file, warc_offset=arc.warc_offset, warc_length=arc.warc_length,
                           sha256=arc.sha256)
            rec.update(state="challenged", error=f"challenged: {reason}", no_state=True)
            self.challenges.append(f"{kind} {res.url}: {reason}")
        elif res.ok:
            arc = self.archive.write(res)
            rec.update(warc_file=arc.warc_file, warc_offset=arc.warc_offset, warc_length=arc.warc_length,
                       sha256=arc.sha256)
            body = res.body
        elif res.not_modified and prev.get("warc_file"):
            body = read_record(prev["warc_file"], int(prev["warc_offset"]))
            # A 304 stands for the archived bytes: point at them.
            rec.update(sha256=prev.get("sha256"), warc_file=prev["warc_file"],
                       warc_offset=prev["warc_offset"], warc_length=prev.get("warc_length"),
                       etag=rec["etag"] or prev.get("etag"), last_modified=rec["last_modified"] or prev.get("last_modified"),
                       content_type=prev.get("content_type"), source_request_id=prev.get("request_id"))
        elif res.not_modified:
            rec["error"] = "304 without an archived copy"
        self.requests.append(rec)
        return body, rec

    def _render(self, url: str) -> FetchResult:
        """A list page rendered in Chromium; every response it loaded is archived as kind 'resource'."""
        from extract.crawl.browser import render

        rendered = render(self.fetcher, url)
        for sub in rendered.loaded:
            rec = self._record(sub, "resource")
            if sub.body is not None:
                arc = self.archive.write(sub)
                rec.update(warc_file=arc.warc_file, warc_offset=arc.warc_offset, warc_length=arc.warc_length,
                           sha256=arc.sha256, no_state=True)
            self.requests.append(rec)
        return rendered.page

    def _record(self, res: FetchResult, kind: str) -> dict[str, Any]:
        return request_record(res, kind, self.portal.id, self.run)


def request_record(res: FetchResult, kind: str, portal_id: str, run: RunInfo, *,
                   sha256: Optional[str] = None) -> dict[str, Any]:
    """The ``raw.crawl_requests`` record of one answer (``extract.records.CrawlRequest``) as the dict
    that travels through XCom; the archive pointer is added once the bytes are archived."""
    return CrawlRequest(
        request_id=uuid.uuid4().hex, portal_id=portal_id, url=res.url, final_url=res.final_url, kind=kind,
        status=res.status, error=res.error, fetched_at=res.fetched_at.isoformat(), etag=res.etag,
        last_modified=res.last_modified, content_type=res.content_type,
        content_length=len(res.body) if res.body is not None else None, sha256=sha256,
        dag_id=run.dag_id, run_id=run.run_id, state=request_state(res)).to_dict()


def request_state(res: FetchResult) -> str:
    """Crawl state of one answer: fetched (200), not_modified (304), refused (policy), error; the
    recorder turns a challenge answer into ``challenged``."""
    if res.status is None:
        return "refused" if res.error and res.error.startswith(("off-host", "disallowed")) else "error"
    return {200: "fetched", 304: "not_modified"}.get(res.status, "error")


def _prime_robots(rec: _Recorder, fetcher: Fetcher, url: str) -> None:
    """Read robots.txt for ``url``'s origin through the recorder (conditional, archived), before ``url``."""
    def get_robots(robots_url: str) -> RobotsAnswer:
        body, r = rec.get(robots_url, "robots")
        if r.get("state") == "challenged":  # unreadable behind a challenge: do not crawl, never "allow all"
            return None, None, r.get("content_type"), f"an anti-bot challenge (HTTP {r.get('status')})"
        status = 200 if body is not None else r.get("status")  # a 304 stands for the archived 200
        return status, body, r.get("content_type"), r.get("error")

    fetcher.prime_robots(url, get_robots)


def _robots_records(fetcher: Fetcher, portal: Portal, run: RunInfo) -> list[dict[str, Any]]:
    recs = [request_record(res, "robots", portal.id, run, sha256=res.sha256) for res in fetcher.robots_results]
    fetcher.robots_results.clear()
    return recs


def _report_blocked(fetcher: Fetcher, portal: Portal, run: RunInfo) -> list[str]:
    """Hosts robots.txt closed for this run (see ``Fetcher.robots_answer``): one alert each,
    and one error line each for the caller's result."""
    from extract.alerts import send_alert

    lines = []
    for origin, reason in fetcher.blocked.items():
        send_alert({"kind": "robots_blocked", "portal_id": portal.id, "origin": origin, "reason": reason,
                    "dag_id": run.dag_id, "run_id": run.run_id})
        lines.append(f"{origin}: {reason}")
    return lines


def _next_request(adapter: Any, portal: Portal, start: str, page_no: int, page: Any) -> Optional[ListRequest]:
    """The list page after ``page_no`` (a next link, or the platform's rule up to the page count)."""
    if page.next_url:
        return ListRequest(page.next_url)
    if adapter.pagination.get("rule") == "next_link":
        return None
    if page.total_pages is not None and page_no >= page.total_pages:
        return None
    if page.total_pages is None and adapter.mode == "json_api":
        return None  # an API that does not say how many pages: one page only
    return adapter.list_request(start, page_no + 1, portal.list_params)


def discover(portal: Portal, state: dict[str, dict[str, Any]], run: RunInfo,
             fetcher: Optional[Fetcher] = None) -> dict[str, Any]:
    """Walk the portal's list pages (HTML or list API) and add its ``known_urls``.

    Returns ``{"portal_id", "notices": [{notice_url, title, list_date, list_url}], "requests":
    [raw.crawl_requests rows], "skipped", "errors", "challenges": [str], "degraded": bool}``.
    A challenged answer stops the walk of that list (``degraded``); a page of an unexpected
    shape raises PageShapeError naming the URL (fail loudly).
    """
    fetcher = fetcher or make_fetcher(portal)
    adapter = get_adapter(portal.family)
    notices: dict[str, dict[str, Any]] = {}
    skipped: list[dict[str, str]] = []
    errors: list[str] = []
    with WarcArchive(portal.id) as archive:
        rec = _Recorder(portal, fetcher, archive, state, run)
        for start in portal.start_urls:
            _prime_robots(rec, fetcher, start)
            if rec.challenges:
                break  # robots.txt behind a challenge: this host is not crawled this run
            req: Optional[ListRequest] = adapter.list_request(start, 1, portal.list_params)
            seen: set[str] = set()
            page_no = 0
            while req and req.key not in seen and page_no < portal.max_list_pages:
                seen.add(req.key)
                page_no += 1
                api = req.json_body is not None
                body, r = rec.get(req.url, "list", req.json_body, req.key if api else None)
                if r.get("state") == "challenged":
                    break
                if body is None:
                    if r.get("status") == 404 and page_no > 1 and adapter.pagination.get("rule") == "pattern":
                        break  # past the last page of a list that does not say how many it has
                    errors.append(f"list page {req.key}: {r['error']}")
                    break
                by_bytes = api or portal.fetcher == "browser"  # neither a POST nor a rendering is conditional
                unchanged = r["status"] == 304 or (by_bytes and r.get("sha256") is not None
                                                        and r["sha256"] == (state.get(req.key) or {}).get("sha256"))
                if unchanged and portal.stop_at_unchanged_list:
                    break  # unchanged since last walk: nothing new on it or past it
                text, _ = decode_bytes(body, r.get("content_type"))
                page = adapter.parse_list(text, req.url)  # PageShapeError propagates: fail loudly
                for item in page.items:
                    if not portal.matches(item.title):
                        continue
                    if not portal.is_allowed(item.url):
                        skipped.append({"url": item.url, "reason": "off-host"})
                        continue
                    if not fetcher.robots_allowed(item.url):
                        skipped.append({"url": item.url, "reason": "disallowed by robots.txt"})
                        continue
                    notices.setdefault(item.url, {"notice_url": item.url, "title": item.title,
                                                  "list_date": item.date, "list_url": req.key})
                req = _next_request(adapter, portal, start, page_no, page)
        if not rec.challenges:
            _add_known_urls(portal, fetcher, rec, notices, skipped)
        requests = _robots_records(fetcher, portal, run) + rec.requests
    errors.extend(_report_blocked(fetcher, portal, run))
    if errors or rec.challenges:
        # An interrupted walk must not leave "unchanged" validators behind: next run walks it all again.
        for r in requests:
            if r["kind"] == "list":
                r["no_state"] = True
    return {"portal_id": portal.id, "notices": list(notices.values()), "requests": requests,
            "skipped": skipped, "errors": errors, "challenges": rec.challenges, "degraded": bool(rec.challenges)}


def _add_known_urls(portal: Portal, fetcher: Fetcher, rec: _Recorder, notices: dict[str, dict[str, Any]],
                    skipped: list[dict[str, str]]) -> None:
    """Notice URLs found by hand (portal ``known_urls``), under the same host and robots policy."""
    for url in portal.known_urls:
        if not portal.is_allowed(url):
            skipped.append({"url": url, "reason": "off-host"})
            continue
        _prime_robots(rec, fetcher, url)
        if not fetcher.robots_allowed(url):
            skipped.append({"url": url, "reason": "disallowed by robots.txt"})
            continue
        notices.setdefault(url, {"notice_url": url, "title": "", "list_date": None, "list_url": None})


_EXT_RE = re.compile(r"\.(docx?|xlsx?|pdf|html?|wps|et|txt)$", re.I)
_PREFIX_RE = re.compile(r"^\s*附件\s*\d*\s*[:：.、]?\s*")


def attachment_group(label: str, url: str) -> str:
    """Key grouping renditions of one attachment: its label without 附件N： and extension."""
    name = label.strip() or unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    name = _EXT_RE.sub("", _PREFIX_RE.sub("", name))
    name = re.sub(r"[（(]\s*(docx?|xlsx?|pdf|word|excel)\s*(版|格式)?\s*[)）]", "", name, flags=re.I)
    return re.sub(r"\s+", "", name) or url


# Formats whose files are never HTML or plain text. Word and Excel can save a "web page"
# under .doc/.xls, so HTML there is accepted when it carries Office's markers.
_BINARY_CLAIMS = {"pdf", "docx", "xlsx", "doc", "xls", "wps", "et"}
_OFFICE_HTML_RE = re.compile(rb"schemas-microsoft-com:office|<meta[^>]+ProgId|^MIME-Version:", re.I | re.M)


def format_mismatch(url: str, fmt: str, body: bytes) -> Optional[str]:
    """Why an attachment's bytes are not the file its link promises, or None.

    A link ending .pdf/.docx/.xlsx/.doc/.xls (also .wps/.et) whose bytes are HTML
    or text (a challenge, login or error page) is a mismatch; Office "web page"
    exports under .doc/.xls are not. Corrupt bytes of the claimed kind are not a
    mismatch (they rank last and are quarantined at parse if nothing else stands
    in). Links without an extension claim nothing.
    """
    m = _EXT_RE.search(unquote(urlsplit(url).path))
    claimed = m.group(1).lower() if m else None
    if claimed not in _BINARY_CLAIMS:
        return None
    if fmt in ("html", "text") and not (claimed in ("doc", "xls") and _OFFICE_HTML_RE.search(body[:4096])):
        return f"linked as .{claimed} but the bytes are {fmt} (a challenge or error page?)"
    return None


def _direct_file_format(body: Optional[bytes], r: dict[str, Any]) -> Optional[str]:
    """The file format when a notice URL answers a document file instead of an HTML page, else None."""
    from extract.parse.detect import detect_format  # parse stage's sniffing; cheap import

    if body is None or "html" in (r.get("content_type") or "").lower():
        return None
    try:
        fmt = detect_format(body)
    except Exception:  # noqa: BLE001 - unknown bytes: let the HTML path report the page shape
        return None
    return None if fmt in ("html", "text") else fmt


@dataclass
class FetchedAttachment:
    """One attachment link of a notice as fetched: its URL, link text, bytes (None when the request
    failed or was challenged) and the request record (``state``, ``error``, ``sha256``, ``request_id``)."""

    url: str
    label: str
    body: Optional[bytes]
    request: dict[str, Any]


@dataclass
class RenditionChoice:
    """What ``choose_renditions`` decided: one part per attachment, every rendition, and the problems."""

    parts: list[dict[str, Any]] = field(default_factory=list)       # the rendition read, per attachment
    renditions: list[dict[str, Any]] = field(default_factory=list)  # every usable rendition (``chosen`` flag)
    missing: list[str] = field(default_factory=list)     # failed renditions another one stands in for (partial)
    errors: list[str] = field(default_factory=list)      # attachments with no usable rendition (document fails)
    notes: list[str] = field(default_factory=list)       # unknown formats (ranked last)
    challenged: Optional[str] = None                     # an attachment whose only rendition was challenged


def choose_renditions(fetched: list[FetchedAttachment]) -> RenditionChoice:
    """Group a notice's fetched attachments into attachments (``attachment_group``: the same file
    offered as .docx and .pdf is one attachment) and pick the most structured rendition of each
    (``FORMAT_RANK``: docx > xlsx > xls > html > mht > pdf > doc > text; unknown last). No I/O.

    The format comes from the bytes (``extract.parse.detect.detect_format``); bytes that are not the
    format the link claims (``format_mismatch``) are dropped like a failed request. A failed rendition
    with another one standing in goes to ``missing`` (the version is partial); with none, to ``errors``
    (the document fails) — or, when a challenge took its place, to ``challenged`` (the document waits;
    the run is degraded). Rule source: docs/ARCHITECTURE.md "Identities" (renditions, partial versions).
    """
    from extract.parse.detect import detect_format  # parse stage's sniffing; cheap import

    out = RenditionChoice()
    groups: dict[str, list[dict[str, Any]]] = {}
    failed: dict[str, list[str]] = {}
    challenged_groups: set[str] = set()
    for att in fetched:
        group = attachment_group(att.label, att.url)
        if att.request.get("state") == "challenged":
            challenged_groups.add(group)  # dropped like any part that is not its file
        if att.body is None:
            failed.setdefault(group, []).append(f"attachment {att.url}: {att.request['error']}")
            continue
        try:
            fmt = detect_format(att.body)
        except Exception as exc:  # noqa: BLE001 - unknown bytes rank last; quarantined at parse if read
            out.notes.append(f"attachment {att.url}: {exc}")
            fmt = "unknown"
        mismatch = format_mismatch(att.url, fmt, att.body)
        if mismatch:  # e.g. a challenge page where a PDF was linked: the other renditions stand
            failed.setdefault(group, []).append(f"attachment {att.url}: dropped: {mismatch}")
            continue
        groups.setdefault(group, []).append({"role": f"attachment:{group}", "url": att.url, "format": fmt,
                                             "request": att.request, "group": group, "label": att.label})
    for group, problems in failed.items():
        if group in groups:
            out.missing.extend(problems)
        elif group in challenged_groups:
            out.challenged = problems[0]
        else:
            out.errors.extend(problems)
    for group, members in groups.items():
        members.sort(key=lambda m: FORMAT_RANK.get(m["format"], 99))
        for i, m in enumerate(members):
            out.renditions.append({"url": m["url"], "format": m["format"], "sha256": m["request"]["sha256"],
                                   "request_id": m["request"]["request_id"], "group": group, "chosen": i == 0})
        out.parts.append(members[0])
    return out


def fetch_notice(portal: Portal, notice: dict[str, Any], state: dict[str, dict[str, Any]], run: RunInfo,
                 fetcher: Optional[Fetcher] = None) -> dict[str, Any]:
    """Fetch a notice's detail page and attachments (network, archive); describe the document's parts.

    Which rendition of each attachment is read is decided by ``choose_renditions`` (no I/O).
    """
    fetcher = fetcher or make_fetcher(portal)
    adapter = get_adapter(portal.family)
    url = notice["notice_url"]
    doc: dict[str, Any] = {"portal_id": portal.id, "notice_url": url, "document_key": document_key(portal.id, url),
                           "title": notice.get("title"), "list_url": notice.get("list_url"), "meta": {},
                           "parts": [], "renditions": [], "errors": [], "notes": [], "missing": []}
    with WarcArchive(portal.id) as archive:
        rec = _Recorder(portal, fetcher, archive, state, run)
        _prime_robots(rec, fetcher, url)
        body, r = rec.get(url, "detail")
        detail = None
        fmt = _direct_file_format(body, r)
        if r.get("state") == "challenged":
            doc["challenged"] = r["error"]  # nothing parsed; the run is degraded, not the document bad
        elif body is None:
            doc["errors"].append(f"detail page {url}: {r['error']}")
        elif fmt is not None:
            # A list item that links straight to a file (a PDF plan): the document is that one part.
            group = attachment_group(notice.get("title") or "", url)
            doc["parts"].append({"role": f"attachment:{group}", "url": url, "format": fmt, "request": r,
                                 "group": group, "label": notice.get("title") or ""})
            doc["renditions"].append({"url": url, "format": fmt, "sha256": r["sha256"],
                                      "request_id": r["request_id"], "group": group, "chosen": True})
        else:
            html, _ = decode_bytes(body, r.get("content_type"))
            try:
                detail = adapter.parse_detail(html, url)
            except PageShapeError as exc:
                doc["errors"].append(f"detail page {url}: unexpected page shape: {exc}")
            if detail is not None:
                doc["title"] = detail.title or doc["title"]
                doc["meta"] = dict(detail.meta)
                doc["parts"].append({"role": "body", "url": url, "format": "html", "request": r,
                                     "body_html": detail.body_html, "group": "body"})
                fetched: list[FetchedAttachment] = []
                for att in detail.attachments:
                    if not portal.is_allowed(att.url):
                        doc["notes"].append(f"attachment {att.url}: off-host, not fetched")
                        continue
                    abody, ar = rec.get(att.url, "attachment")
                    fetched.append(FetchedAttachment(att.url, att.label, abody, ar))
                chosen = choose_renditions(fetched)
                doc["parts"].extend(chosen.parts)
                doc["renditions"].extend(chosen.renditions)
                doc["missing"].extend(chosen.missing)
                doc["errors"].extend(chosen.errors)
                doc["notes"].extend(chosen.notes)
                if chosen.challenged:
                    doc["challenged"] = chosen.challenged
        doc["requests"] = _robots_records(fetcher, portal, run) + rec.requests
        doc["challenges"] = rec.challenges
    page_challenges = [c for c in rec.challenges if not c.startswith("attachment ")]
    if page_challenges and not doc.get("challenged"):
        doc["challenged"] = page_challenges[0]
    hashes = [p["request"]["sha256"] for p in doc["parts"] if p["request"].get("sha256")]
    ok = hashes and not doc["errors"] and not doc.get("challenged")
    doc["document_version_id"] = version_id(hashes) if ok else None
    return doc
