"""Recognise anti-bot challenge answers (a crawl state, never solved or circumvented).

Shanghai government hosts answer crawlers with HTTP 412 and a tiny ``$_ts``
script page (a commercial "bot manager"), with 521 and a cookie-setting script,
or with 403 for foreign regions (issue 12, evidence in ``config/sources.live.yml``).
Such an answer carries no content: it is archived, recorded as ``challenged``
in ``raw.crawl_requests`` and nothing is parsed from it. A challenge on
robots.txt means "do not crawl this host", never "no robots.txt, allow all".

No library recognises these pages (protego/requests have no notion of them);
the markers below are the public shapes of the challenge pages.
"""

from __future__ import annotations

import re
from typing import Mapping, Optional

# Statuses that only a challenge (or a block) produces for our requests: we never send If-Match,
# so a 412 to a GET is no precondition failure; 521 is the cookie-script challenge's status.
CHALLENGE_STATUSES = frozenset({412, 521})
# 403 is a challenge only with a challenge/region-block body; a plain 403 stays an HTTP error.
MAYBE_CHALLENGE_STATUSES = frozenset({403})

_MARKERS: tuple[tuple[str, re.Pattern[bytes]], ...] = (
    ("$_ts script", re.compile(rb"\$_ts\s*=|\$_ts\.")),
    ("cookie script", re.compile(rb"document\.cookie\s*=.{0,400}?(location|reload)", re.S)),
    ("jsl clearance cookie", re.compile(rb"__jsl_clearance")),
    ("region block", re.compile("(访问受限|禁止访问|地区.{0,10}(无法|不能|限制)访问|海外.{0,6}访问)".encode())),
)
# Only the head of the body is searched: challenge pages are small, real pages may quote anything later.
_SCAN_BYTES = 16 * 1024


def _marker(body: Optional[bytes]) -> Optional[str]:
    if not body:
        return None
    head = body[:_SCAN_BYTES]
    for name, pattern in _MARKERS:
        if pattern.search(head) or (name == "region block" and pattern.search(_as_utf8(head))):
            return name
    return None


def _as_utf8(head: bytes) -> bytes:
    """GB-encoded region-block pages re-encoded as UTF-8 for the marker search (bounded head only)."""
    try:
        return head.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError:
        return b""


def _is_html(headers: Mapping[str, str], body: bytes) -> bool:
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "") or ""
    if ctype:
        return "html" in ctype.lower()
    return body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html", b"<script"))


def detect_challenge(status: Optional[int], headers: Mapping[str, str], body: Optional[bytes], *,
                     min_page_bytes: int = 0) -> Optional[str]:
    """Why this response is a challenge, or None when it is an ordinary answer.

    ``status`` is the HTTP status (None: no response), ``headers`` the response headers,
    ``body`` the response bytes (None for 304). ``min_page_bytes`` (portal config, bytes;
    0 = off) is the size below which a 200 HTML answer cannot be one of the portal's pages.
    Returns a one-line reason such as ``"HTTP 412 ($_ts script)"``; never raises.
    Rules: 412/521 always; 403 with a challenge or region-block body; 200 with a challenge
    script marker, or an HTML body smaller than ``min_page_bytes``.
    """
    if status is None or status == 304:
        return None
    marker = _marker(body)
    if status in CHALLENGE_STATUSES:
        return f"HTTP {status} ({marker or 'challenge status'})"
    if status in MAYBE_CHALLENGE_STATUSES:
        return f"HTTP {status} ({marker})" if marker else None
    if status == 200 and body is not None:
        if marker and marker != "region block":
            return f"HTTP 200 ({marker})"
        if min_page_bytes and len(body) < min_page_bytes and _is_html(headers, body):
            return f"HTTP 200 (HTML body of {len(body)} bytes < portal minimum {min_page_bytes})"
    return None
