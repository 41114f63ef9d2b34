"""Polite HTTP for portals: robots.txt, per-host delay, conditional GET, retries, caps.

Every outcome is returned as a ``FetchResult`` (never raised), so one broken
URL is recorded and the crawl goes on. Redirects are followed here, hop by hop,
each hop under the same allow-list, robots and politeness rules; every request
has a total deadline and a byte cap (``extract.settings``). Retries (tenacity) cover 5xx, 429,
timeouts and connection resets, with exponential backoff that honours
``Retry-After``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable, Optional
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import urllib3
from protego import Protego
from tenacity import RetryCallState, Retrying, retry_if_exception_type, retry_if_result, stop_after_attempt, wait_exponential

from extract import settings

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# robots.txt answers that mean "there is none": allow all (RFC 9309 §2.3.1.3 "unavailable").
# Anything else that is not a robots file (401/403/412/429/5xx, a challenge page) means
# "do not crawl this host this run" (§2.3.1.4 "unreachable", applied to every other failure).
ROBOTS_ABSENT_STATUSES = frozenset({404, 410})
MAX_RETRY_AFTER_S = 60.0
_ROBOTS_LINE_RE = re.compile(r"^\s*(user-agent|disallow|allow|sitemap|crawl-delay|host)\s*:", re.I | re.M)


def robots_body_problem(body: bytes, content_type: Optional[str]) -> Optional[str]:
    """Why a 200 robots.txt body is not a robots file (HTML, a challenge script), or None.

    Empty bodies and plain text with at least one robots directive are robots files.
    """
    text = body[:65536].decode("utf-8", "replace")
    if not text.strip():
        return None
    if "html" in (content_type or "").lower() or re.search(r"<\s*(html|head|body|script|meta)\b", text, re.I):
        return "robots.txt answered with an HTML page (challenge or error page)"
    if not _ROBOTS_LINE_RE.search(text):
        return "robots.txt answered with text that has no robots directive"
    return None


@dataclass
class FetchResult:
    """What happened to one URL. ``body`` is None for 304, transport errors and refusals; an error
    status keeps its (bounded) body so a challenge page can be recognised and archived."""

    url: str
    final_url: Optional[str] = None
    status: Optional[int] = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Optional[bytes] = None
    error: Optional[str] = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    attempts: int = 0
    http_version: str = "HTTP/1.1"
    redirects: list[str] = field(default_factory=list)  # every hop requested after ``url``, in order

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.body is not None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def sha256(self) -> Optional[str]:
        return hashlib.sha256(self.body).hexdigest() if self.body is not None else None

    @property
    def etag(self) -> Optional[str]:
        return self.headers.get("ETag") or self.headers.get("etag")

    @property
    def last_modified(self) -> Optional[str]:
        return self.headers.get("Last-Modified") or self.headers.get("last-modified")

    @property
    def content_type(self) -> Optional[str]:
        return self.headers.get("Content-Type") or self.headers.get("content-type")


class _TooLarge(Exception):
    pass


def _last_outcome(state: RetryCallState) -> object:
    """Out of attempts: the last response, or the last exception (returned, not raised)."""
    outcome = state.outcome
    if outcome is None:  # tenacity sets it before calling retry_error_callback
        raise RuntimeError("retry gave up without an attempt")
    return outcome.exception() if outcome.failed else outcome.result()


def _retry_after_seconds(resp: Optional[requests.Response]) -> Optional[float]:
    if resp is None:
        return None
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
            return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
        except (TypeError, ValueError):
            return None


#: One robots.txt answer: (HTTP status or None, body or None, content type, error text).
RobotsAnswer = tuple[Optional[int], Optional[bytes], Optional[str], Optional[str]]


def _origin(url: str) -> str:
    """scheme://host[:port] of ``url``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


class Fetcher:
    """One crawler identity: session, robots cache, per-host clocks and limits."""

    def __init__(self, *, allowed_hosts: tuple[str, ...], min_delay_s: float = 1.0,
                 user_agent: str = settings.USER_AGENT, timeout_s: float = settings.REQUEST_TIMEOUT_S,
                 max_bytes: int = settings.MAX_RESPONSE_BYTES, max_retries: int = settings.MAX_RETRIES,
                 backoff_base_s: float = 0.5, obey_robots: bool = True,
                 deadline_s: float = settings.REQUEST_DEADLINE_S,
                 max_redirects: int = settings.MAX_REDIRECTS) -> None:
        self.allowed_hosts = allowed_hosts
        self.min_delay_s = min_delay_s
        self.user_agent = user_agent
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.obey_robots = obey_robots
        self.deadline_s = deadline_s
        self.max_redirects = max_redirects
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self._robots: dict[str, Optional[Protego]] = {}
        self._last_request: dict[str, float] = {}
        self._lock = threading.Lock()
        self.robots_results: list[FetchResult] = []
        self.blocked: dict[str, str] = {}  # origin → why nothing is fetched there this run

    # -- policy -------------------------------------------------------------
    def host_allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and (parts.hostname or "") in self.allowed_hosts

    def set_robots(self, origin: str, text: Optional[str]) -> None:
        """Use robots.txt obtained elsewhere (e.g. a conditional GET answered from the archive)."""
        self._robots[origin] = Protego.parse(text) if text is not None else None

    def robots_answer(self, origin: str, status: Optional[int], body: Optional[bytes],
                      content_type: Optional[str] = None, error: Optional[str] = None) -> Optional[str]:
        """Apply one robots.txt answer to ``origin``; returns why the host is blocked, or None.

        200 with a robots file → obey it; 404/410 → allow all; anything else (401, 403,
        412, 429, 5xx, network error, refused redirect, a 200 that is an HTML or challenge
        page) → fetch nothing on this host this run. Blocked origins are kept in
        ``self.blocked`` (origin → reason) for the caller to record and alert.
        """
        reason: Optional[str] = None
        if status == 200 and body is not None:
            reason = robots_body_problem(body, content_type)
            if reason is None:
                self.set_robots(origin, body.decode("utf-8", "replace"))
                return None
        elif status in ROBOTS_ABSENT_STATUSES:
            self.set_robots(origin, None)
            return None
        else:
            reason = f"robots.txt answered {f'HTTP {status}' if status else error or 'nothing'}"
        self._robots[origin] = Protego.parse("User-agent: *\nDisallow: /")
        self.blocked[origin] = f"{reason}: host not crawled this run"
        log.error("%s: %s", origin, self.blocked[origin])
        return self.blocked[origin]

    def prime_robots(self, url: str, get_robots: Callable[[str], RobotsAnswer]) -> None:
        """Read robots.txt of ``url``'s origin through ``get_robots`` unless already known.

        ``get_robots(robots_url)`` is the caller's own request (e.g. the crawler's conditional,
        archived GET) returning ``(status, body, content_type, error)``; it runs with robots.txt
        checks off (robots.txt itself is always allowed) and its answer goes through
        ``robots_answer``. Nothing happens for an origin already known or a host not allowed.
        """
        origin = _origin(url)
        if origin in self._robots or not self.host_allowed(url):
            return
        prev_obey, self.obey_robots = self.obey_robots, False
        try:
            status, body, content_type, error = get_robots(origin + "/robots.txt")
        finally:
            self.obey_robots = prev_obey
        self.robots_answer(origin, status, body, content_type, error)

    def robots_verdicts(self) -> dict[str, Optional[Protego]]:
        """A copy of the robots.txt verdicts known so far (origin → parsed rules, None = allow all)."""
        return dict(self._robots)

    def adopt_robots_verdicts(self, verdicts: dict[str, Optional[Protego]]) -> None:
        """Use verdicts another fetcher already obtained (``robots_verdicts``): no refetch per worker."""
        self._robots.update(verdicts)

    def robots_allowed(self, url: str) -> bool:
        """robots.txt verdict (fetched once per host; see ``robots_answer`` for the statuses)."""
        if not self.obey_robots:
            return True
        origin = _origin(url)
        if origin not in self._robots:
            res = self._get(origin + "/robots.txt", {})
            self.robots_results.append(res)
            self.robots_answer(origin, res.status, res.body, res.content_type, res.error)
        rp = self._robots[origin]
        return True if rp is None else rp.can_fetch(url, self.user_agent)

    # -- fetching -----------------------------------------------------------
    def fetch(self, url: str, *, etag: Optional[str] = None, last_modified: Optional[str] = None,
              json_body: Optional[dict] = None) -> FetchResult:
        """GET ``url`` (conditionally when validators are given) under every policy; with
        ``json_body``, POST it as JSON instead (list APIs; never conditional)."""
        if not self.host_allowed(url):
            return FetchResult(url=url, error="off-host: not in allowed_hosts")
        if not self.robots_allowed(url):
            return FetchResult(url=url, error="disallowed by robots.txt")
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._follow(url, headers, json_body)

    def _follow(self, url: str, headers: dict[str, str], json_body: Optional[dict] = None) -> FetchResult:
        """GET ``url`` and follow redirects ourselves: every hop must pass the allow-list and
        robots.txt before it is requested, and waits its politeness turn. A refused hop, a
        loop or more than ``settings.MAX_REDIRECTS`` hops end in an error result (no body).
        A POST (``json_body``) that is redirected continues as a GET, as RFC 9110 §15.4 allows."""
        hops: list[str] = []
        current = url
        while True:
            res = self._get(current, headers if not hops else {}, json_body if not hops else None)
            if res.status not in REDIRECT_STATUSES:
                res.url, res.redirects = url, hops
                return res
            location = res.headers.get("Location") or res.headers.get("location")
            target = urljoin(current, location) if location else None
            problem = None
            if not target:
                problem = f"HTTP {res.status} without a Location"
            elif len(hops) >= self.max_redirects:
                problem = f"more than {self.max_redirects} redirects"
            elif target in hops or target == url:
                problem = "redirect loop"
            elif not self.host_allowed(target):
                problem = "off-host: not in allowed_hosts"
            elif not self.robots_allowed(target):
                problem = "disallowed by robots.txt"
            if problem or not target:
                return FetchResult(url=url, final_url=target, status=res.status, headers=res.headers,
                                   error=f"redirect to {target} refused: {problem}", fetched_at=res.fetched_at,
                                   attempts=res.attempts, redirects=hops)
            hops.append(target)
            current = target

    def _wait_turn(self, url: str) -> None:
        host = urlsplit(url).netloc
        with self._lock:
            last = self._last_request.get(host)
            now = time.monotonic()
            if last is not None and now - last < self.min_delay_s:
                time.sleep(self.min_delay_s - (now - last))
            self._last_request[host] = time.monotonic()

    def _wait(self, state: RetryCallState) -> float:
        resp = state.outcome.result() if state.outcome and not state.outcome.failed else None
        after = _retry_after_seconds(resp)
        if after is not None:
            return min(after, MAX_RETRY_AFTER_S)
        return wait_exponential(multiplier=self.backoff_base_s, max=30)(state)

    def _once(self, url: str, headers: dict[str, str], json_body: Optional[dict] = None) -> requests.Response:
        """One request (GET, or POST of ``json_body``), redirects not followed; the body is read
        with ``read1`` (returns whatever has arrived) so the total deadline holds even for a body
        that drips one byte every few seconds (each wait is also bounded by the read timeout)."""
        self._wait_turn(url)
        deadline = time.monotonic() + self.deadline_s
        resp = self.session.request("GET" if json_body is None else "POST", url, headers=headers, json=json_body,
                                    timeout=self.timeout_s, stream=True, allow_redirects=False)
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                if time.monotonic() > deadline:
                    raise requests.Timeout(f"download exceeded the {self.deadline_s:.0f}s deadline")
                chunk = resp.raw.read1(64 * 1024, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_bytes:
                    raise _TooLarge(f"response larger than {self.max_bytes} bytes")
                chunks.append(chunk)
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise requests.Timeout(str(exc)) from exc
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError) as exc:
            raise requests.ConnectionError(str(exc)) from exc
        finally:
            resp.close()
        resp._content = b"".join(chunks)  # noqa: SLF001 - keep body on the response
        return resp

    def _get(self, url: str, headers: dict[str, str], json_body: Optional[dict] = None) -> FetchResult:
        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self._wait,
            retry=(retry_if_exception_type((requests.Timeout, requests.ConnectionError))
                   | retry_if_result(lambda r: r.status_code in RETRY_STATUSES)),
            # Out of attempts: hand back the last response or exception instead of raising.
            retry_error_callback=_last_outcome,
        )
        started = datetime.now(timezone.utc)
        result: requests.Response | BaseException
        try:
            result = retrying(self._once, url, headers, json_body)
        except (_TooLarge, requests.RequestException) as exc:
            result = exc
        attempts = retrying.statistics.get("attempt_number", 1)
        if isinstance(result, BaseException):
            return FetchResult(url=url, error=f"{type(result).__name__}: {result}", fetched_at=started,
                               attempts=attempts)
        status = result.status_code
        body = result.content if status != 304 else None
        error = None if status in (200, 304) else f"HTTP {status}"
        version = {10: "HTTP/1.0", 11: "HTTP/1.1"}.get(getattr(result.raw, "version", 11), "HTTP/1.1")
        return FetchResult(url=url, final_url=result.url, status=status, headers=dict(result.headers),
                           body=body, error=error, fetched_at=started, attempts=attempts,
                           http_version=version)
