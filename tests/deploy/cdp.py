"""Headless Chromium driven over the Chrome DevTools Protocol (CDP) for pages that need a login
cookie and JavaScript (the Airflow UI is a React app; ``--dump-dom`` cannot log in).

Chromium is found with the report test's helper (tests/publish/test_report.py); the CDP client is
a few JSON messages over the ``websockets`` package already in the lock (Playwright would be a new
dependency whose browser download cannot run offline).
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import requests
from websockets.sync.client import connect

from tests.chromium import CHROMIUM_FLAGS, find_chromium


class Browser:
    """One headless Chromium with one page; use as a context manager (the process is always killed)."""

    def __init__(self, profile: Path, timeout: float = 60.0) -> None:
        self.profile, self.timeout, self._id = profile, timeout, 0
        profile.mkdir(parents=True, exist_ok=True)
        (profile / "DevToolsActivePort").unlink(missing_ok=True)  # a stale one names a dead port
        self.proc = subprocess.Popen([find_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                      "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                                      "--remote-allow-origins=*", "--window-size=1400,1000", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.ws: Any = None

    def __enter__(self) -> Browser:
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError(f"chromium did not open its DevTools port (exit {self.proc.poll()})")
            time.sleep(0.2)
        port = int(port_file.read_text().split()[0])
        pages = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        url = next(p["webSocketDebuggerUrl"] for p in pages if p["type"] == "page")
        self.ws = connect(url, max_size=None, open_timeout=10)
        self.send("Page.enable")
        self.send("Network.enable")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
        if self.proc.poll() is None:
            import os

            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """One CDP command; returns its result (events in between are skipped)."""
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"CDP {method}: {msg['error']}")
                return msg.get("result", {})
        raise TimeoutError(f"CDP {method}: no answer in {self.timeout:.0f}s")

    def set_cookie(self, url: str, name: str, value: str) -> None:
        assert self.send("Network.setCookie", url=url, name=name, value=value).get("success") is not False

    def goto(self, url: str) -> None:
        self.send("Page.navigate", url=url)

    def evaluate(self, expression: str) -> Any:
        """Value of a JavaScript expression in the page (JSON-serialisable)."""
        res = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in res:
            raise RuntimeError(f"JS error: {res['exceptionDetails'].get('text')}")
        return res["result"].get("value")

    def wait_value(self, expression: str, expected: Any, timeout: float = 60.0) -> Any:
        """Poll a JavaScript expression until its value equals ``expected`` (the page may re-render in
        between: a React UI replaces an iframe after its first paint); AssertionError with the last
        value when it never does within ``timeout`` seconds."""
        deadline, value = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value == expected:
                return value
            time.sleep(0.5)
        raise AssertionError(f"{expression[:80]}… never gave {expected!r}; last {value!r}")

    def wait_text(self, *needles: str, timeout: float = 60.0, frame: bool = False) -> str:
        """Poll the page's visible text (or its first iframe's) until it contains every needle."""
        js = ("(() => { const f = document.querySelector('iframe');"
              " return f && f.contentDocument && f.contentDocument.body ? f.contentDocument.body.innerText : ''; })()"
              if frame else "document.body ? document.body.innerText : ''")
        deadline, text = time.monotonic() + timeout, ""
        while time.monotonic() < deadline:
            text = self.evaluate(js) or ""
            if all(n in text for n in needles):
                return text
            time.sleep(0.5)
        missing = [n for n in needles if n not in text]
        raise AssertionError(f"page never showed {missing}; it shows:\n{text[:2000]}")
