"""Optional browser fetcher (portal ``fetcher: browser``): lists that exist only after scripts run.

Playwright drives the system Chromium that ``scripts/setup.sh`` installs (``/usr/bin/chromium``,
env ``WP_CHROMIUM``); no browser is downloaded. A list page is rendered with the same policy as
the HTTP fetcher: off-host and robots-disallowed sub-requests are aborted, the per-host delay is
taken before the navigation, and there are bounds on time (``timeout_s``) and on every body
(``max_bytes``). The result is the rendered DOM as a ``FetchResult`` plus every response the page
loaded, for the WARC archive. Nothing here solves a challenge: a challenge answer is recorded
like any other (``extract/crawl/challenge.py`` judges the main response).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Optional

from extract.crawl.http import Fetcher, FetchResult

DEFAULT_CHROMIUM = "/usr/bin/chromium"


class BrowserUnavailable(RuntimeError):
    """Playwright or the system Chromium is missing: the portal cannot use ``fetcher: browser``."""


def chromium_path() -> str:
    """Path of the system Chromium (env ``WP_CHROMIUM`` first); BrowserUnavailable when absent."""
    path = os.environ.get("WP_CHROMIUM") or shutil.which("chromium") or DEFAULT_CHROMIUM
    if not os.path.exists(path):
        raise BrowserUnavailable(f"no Chromium at {path}: run scripts/setup.sh (Debian package chromium)")
    return path


@dataclass
class Rendered:
    """The rendered DOM (``page``) and every response the page loaded (``loaded``)."""

    page: FetchResult
    loaded: list[FetchResult] = field(default_factory=list)


def render(fetcher: Fetcher, url: str, *, timeout_s: float = 30.0) -> Rendered:
    """Load ``url`` in headless Chromium under ``fetcher``'s host/robots policy and delay.

    Returns the DOM after the network is idle (or ``timeout_s`` seconds) as UTF-8 HTML with the
    main response's status, and every sub-response with its body (bodies over ``fetcher.max_bytes``
    are dropped). Raises BrowserUnavailable when Playwright or Chromium cannot start.
    """
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is in requirements.lock
        raise BrowserUnavailable(f"playwright is not installed: {exc}") from exc
    if not fetcher.host_allowed(url) or not fetcher.robots_allowed(url):
        return Rendered(FetchResult(url=url, error="off-host or disallowed by robots.txt"))
    loaded: list[FetchResult] = []

    def guard(route: Any) -> None:
        req_url = route.request.url
        if fetcher.host_allowed(req_url) and fetcher.robots_allowed(req_url):
            route.continue_(headers={**route.request.headers, "user-agent": fetcher.user_agent})
        else:
            route.abort()

    def keep(resp: Any) -> None:
        try:
            body = resp.body()
        except PlaywrightError:
            body = None
        if body is not None and len(body) > fetcher.max_bytes:
            body = None
        loaded.append(FetchResult(url=resp.url, final_url=resp.url, status=resp.status,
                                  headers=dict(resp.headers), body=body, error=None if resp.ok else f"HTTP {resp.status}",
                                  fetched_at=datetime.now(timezone.utc), attempts=1))

    fetcher._wait_turn(url)  # noqa: SLF001 - same per-host politeness clock as plain requests
    started = datetime.now(timezone.utc)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=["--no-sandbox"])
            try:
                page = browser.new_page(user_agent=fetcher.user_agent)
                page.route("**/*", guard)
                page.on("response", keep)
                main = page.goto(url, wait_until="networkidle", timeout=timeout_s * 1000)
                html = page.content()
            finally:
                browser.close()
    except PlaywrightError as exc:
        if "Executable doesn't exist" in str(exc) or "launch" in str(exc).lower():
            raise BrowserUnavailable(f"Chromium could not start: {exc}") from exc
        return Rendered(FetchResult(url=url, error=f"browser: {exc}".splitlines()[0], fetched_at=started), loaded)
    status: Optional[int] = main.status if main is not None else None
    page_result = FetchResult(url=url, final_url=main.url if main is not None else url, status=status,
                              headers={"Content-Type": "text/html; charset=utf-8"}, body=html.encode("utf-8"),
                              error=None if status == 200 else f"HTTP {status}", fetched_at=started, attempts=1)
    return Rendered(page_result, loaded)
