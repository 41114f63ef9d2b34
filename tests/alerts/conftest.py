"""Fixtures for alert tests: a loopback webhook receiver."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest


class Receiver:
    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.event = threading.Event()
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        rec = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                rec.posts.append({"path": self.path, "content_type": self.headers.get("Content-Type"),
                                  "json": json.loads(body)})
                rec.event.set()
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return H


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    rec = Receiver()
    rec.thread.start()
    monkeypatch.setenv("WP_ALERT_TARGET", "webhook")
    monkeypatch.setenv("WP_ALERT_WEBHOOK_URL", rec.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    try:
        yield rec
    finally:
        rec.server.shutdown()
        rec.server.server_close()


@pytest.fixture
def alert_log(tmp_path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "alerts.log"
    monkeypatch.setenv("WP_ALERT_TARGET", "log")
    monkeypatch.setenv("WP_ALERT_LOG", str(path))
    return path
