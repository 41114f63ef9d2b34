"""The fetcher's policies against a real loopback server: retries, Retry-After, 304, robots, hosts, caps."""

from __future__ import annotations

import http.server
import threading
import time
from typing import ClassVar, Iterator

import pytest

from extract.crawl.http import Fetcher


class _Handler(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}
    log: ClassVar[list[tuple[str, dict]]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        n = self.hits[self.path] = self.hits.get(self.path, 0) + 1
        self.log.append((self.path, dict(self.headers)))
        if self.path == "/robots.txt":
            return self._send(200, b"User-agent: *\nDisallow: /private/\n")
        if self.path == "/flaky":
            return self._send(503, headers={"Retry-After": "1"}) if n < 3 else self._send(200, b"ok")
        if self.path == "/limited":
            return self._send(429, headers={"Retry-After": "0"}) if n < 2 else self._send(200, b"ok")
        if self.path == "/always503":
            return self._send(503)
        if self.path == "/etag":
            if self.headers.get("If-None-Match") == '"v1"':
                return self._send(304, headers={"ETag": '"v1"'})
            return self._send(200, b"body", {"ETag": '"v1"', "Last-Modified": "Mon, 01 May 2023 00:00:00 GMT"})
        if self.path == "/big":
            return self._send(200, b"x" * 5000)
        if self.path == "/missing":
            return self._send(404)
        return self._send(200, b"hello")


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.hits, _Handler.log = {}, []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def _fetcher(**kw: object) -> Fetcher:
    args = {"allowed_hosts": ("127.0.0.1",), "min_delay_s": 0.0, "backoff_base_s": 0.01, **kw}
    return Fetcher(**args)  # type: ignore[arg-type]


def test_503_then_200_is_retried_honouring_retry_after(server: str) -> None:
    t0 = time.monotonic()
    res = _fetcher().fetch(server + "/flaky")
    assert (res.status, res.body, res.attempts) == (200, b"ok", 3)
    assert time.monotonic() - t0 >= 2.0  # two Retry-After: 1 waits


def test_429_retry_after_then_ok(server: str) -> None:
    res = _fetcher().fetch(server + "/limited")
    assert (res.status, res.attempts) == (200, 2)


def test_persistent_503_gives_up_with_error_not_exception(server: str) -> None:
    res = _fetcher(max_retries=2).fetch(server + "/always503")
    # An error status keeps its (bounded) body, so a challenge page can be recognised and archived.
    assert res.status == 503 and res.error == "HTTP 503" and res.body is not None and not res.ok
    assert _Handler.hits["/always503"] == 3


def test_conditional_get_answers_304(server: str) -> None:
    f = _fetcher()
    first = f.fetch(server + "/etag")
    second = f.fetch(server + "/etag", etag=first.etag, last_modified=first.last_modified)
    assert first.status == 200 and second.not_modified and second.body is None
    assert _Handler.log[-1][1]["If-None-Match"] == '"v1"'
    assert _Handler.log[-1][1]["If-Modified-Since"] == "Mon, 01 May 2023 00:00:00 GMT"


def test_robots_and_off_host_urls_are_never_requested(server: str) -> None:
    f = _fetcher()
    assert f.fetch(server + "/private/x").error == "disallowed by robots.txt"
    assert f.fetch("http://127.0.0.99:9/x").error == "off-host: not in allowed_hosts"
    assert "/private/x" not in _Handler.hits
    assert _Handler.hits["/robots.txt"] == 1


def test_user_agent_names_project_and_contact(server: str) -> None:
    _fetcher().fetch(server + "/ok")
    ua = _Handler.log[-1][1]["User-Agent"]
    assert "workplans-crawler" in ua and "@" in ua


def test_response_size_cap(server: str) -> None:
    res = _fetcher(max_bytes=1000).fetch(server + "/big")
    assert res.body is None and "larger than 1000 bytes" in (res.error or "")


def test_404_is_recorded_as_error(server: str) -> None:
    res = _fetcher().fetch(server + "/missing")
    assert (res.status, res.error) == (404, "HTTP 404")


def test_min_delay_between_requests_to_one_host(server: str) -> None:
    f = _fetcher(min_delay_s=0.3, obey_robots=False)
    t0 = time.monotonic()
    for _ in range(3):
        f.fetch(server + "/ok")
    assert time.monotonic() - t0 >= 0.6
