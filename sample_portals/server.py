"""Serve a built sample-portal tree on the three loopback addresses.

One ThreadingHTTPServer per site (127.0.0.11 shsamr, .12 pudong, .13 jiading). Strong
ETags and Last-Modified with 304 answers, Content-Type charset as in the manifest (or
none), a JSONL request log, switchable faults (503 N times then 200, 429, 404, slow),
runtime changes (``add_notice``, ``replace_file``) for incremental-crawl tests, Pudong's list
API (``POST /zwgk-search-front/api/data/affair``) and a challenge switch: ``challenge(site)``
makes a site answer every request with HTTP 412 and a tiny ``$_ts`` script page, like the
anti-bot product in front of the real hosts (env ``WP_SAMPLE_CHALLENGE=site[,site]`` at start).

In process: ``with start_sample_portals(build_dir, port=0) as sp: sp.base_urls["pudong"]``.
CLI: ``python -m sample_portals.server --build-dir DIR [--port N]``. Control API (any
site): ``GET /__control/fault?path=/x&status=503&times=2&retry_after=1&delay=0``,
``GET /__control/challenge?site=pudong&status=412``, ``GET /__control/reset`` (runtime content
changes are Python-only).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

from extract import settings

CONTROL_PREFIX = "/__control/"


@dataclass
class Fault:
    path: str                       # URL path the fault applies to
    status: int = 503               # 503, 429, 404 … or 200 for a slow-only fault
    times: Optional[int] = None     # answer the fault this many times, then serve normally (None = always)
    retry_after: Optional[int] = None
    delay: float = 0.0              # seconds to sleep before answering
    site: Optional[str] = None      # None = every site


@dataclass
class Served:
    data: bytes
    content_type: str
    charset: Optional[str]
    last_modified: str
    etag: str


def _etag(data: bytes) -> str:
    """Strong ETag for a body."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _now_http() -> str:
    """Current time as an RFC 1123 date."""
    return format_datetime(datetime.now(timezone.utc).replace(microsecond=0), usegmt=True)


class SamplePortals:
    """The three sample sites, their faults and their request log."""

    def __init__(self, build_dir: Path, port: int = 0, log_path: Optional[Path] = None,
                 faults: Optional[list[Fault]] = None) -> None:
        self.build_dir = Path(build_dir)
        self.manifest: dict = json.loads((self.build_dir / "manifest.json").read_text(encoding="utf-8"))
        self.port = port
        self.log_path = Path(log_path) if log_path else self.build_dir / "requests.jsonl"
        self.faults: list[Fault] = list(faults or [])
        self.files: dict[str, dict[str, Served]] = {}
        self.hosts: dict[str, str] = {}
        self._lock = threading.Lock()
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self._threads: list[threading.Thread] = []
        self._models: Optional[dict] = None
        # site → status of the challenge page it answers with (412, 521, or 200 for a 200 challenge page)
        self.challenges: dict[str, int] = {s: 412 for s in os.environ.get("WP_SAMPLE_CHALLENGE", "").split(",") if s}
        for site, info in self.manifest["sites"].items():
            self.hosts[site] = info["host"]
            self.files[site] = {}
            for path, e in info["files"].items():
                data = (self.build_dir / e["file"]).read_bytes()
                self.files[site][path] = Served(data, e["content_type"], e["charset"], e["last_modified"], _etag(data))

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> SamplePortals:
        """Bind and serve every site in background threads."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        for site, host in self.hosts.items():
            srv = ThreadingHTTPServer((host, self.port), _make_handler(self, site))
            srv.daemon_threads = True
            self._servers[site] = srv
            t = threading.Thread(target=srv.serve_forever, name=f"sample-{site}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        """Shut every server down."""
        for srv in self._servers.values():
            srv.shutdown()
            srv.server_close()
        for t in self._threads:
            t.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> SamplePortals:
        return self if self._servers else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def ports(self) -> dict[str, int]:
        """Actual port per site (useful with port 0)."""
        return {s: srv.server_address[1] for s, srv in self._servers.items()}

    @property
    def base_urls(self) -> dict[str, str]:
        """Site → base URL, e.g. {'pudong': 'http://127.0.0.12:8731/'}."""
        return {s: f"http://{self.hosts[s]}:{p}/" for s, p in self.ports.items()}

    def list_urls(self) -> dict[str, str]:
        """Site → URL of its first list page."""
        return {s: u.rstrip("/") + self.manifest["sites"][s]["list_url_path"] for s, u in self.base_urls.items()}

    # ------------------------------------------------------------------ faults
    def add_fault(self, fault: Fault) -> None:
        """Register a fault (first matching fault wins)."""
        with self._lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        """Remove every fault and challenge."""
        with self._lock:
            self.faults.clear()
            self.challenges.clear()

    def challenge(self, site: str, status: int = 412) -> None:
        """Make ``site`` answer every request with a challenge page (``status`` 412, 521 or 200)."""
        with self._lock:
            self.challenges[site] = status

    def _take_fault(self, site: str, path: str) -> Optional[Fault]:
        with self._lock:
            for f in self.faults:
                if f.path == path and f.site in (None, site) and (f.times is None or f.times > 0):
                    if f.times is not None:
                        f.times -= 1
                    return Fault(f.path, f.status, f.times, f.retry_after, f.delay, f.site)
        return None

    # ------------------------------------------------------------------ runtime changes
    def replace_file(self, site: str, path: str, data: bytes, content_type: Optional[str] = None,
                     last_modified: Optional[str] = None) -> None:
        """Change the bytes served at ``path`` (new ETag, Last-Modified now unless given)."""
        with self._lock:
            old = self.files[site].get(path)
            ctype = content_type or (old.content_type if old else "application/octet-stream")
            charset = old.charset if old else None
            self.files[site][path] = Served(data, ctype, charset, last_modified or _now_http(), _etag(data))

    def add_notice(self, site: str, title: str, day: date, body_html: str = "<p>特此通知。</p>",
                   meta: Optional[dict[str, str]] = None,
                   attachments: Optional[list[tuple[str, str, bytes, str]]] = None) -> str:
        """Publish a new notice at runtime; list pages are re-rendered. Returns its absolute URL.

        ``attachments`` are (label, url_path, bytes, content_type).
        """
        from sample_portals import build as B

        with self._lock:
            if self._models is None:
                self._models = B.build_sites(with_doc=False)
            model = self._models[site]
            org = (meta or {}).get("发布机构", "")
            n = B.Notice(title=title, day=day, meta={"索引号": "", "文件编号": "", "发布机构": org,
                                                     "公开类别": "主动公开", **(meta or {})},
                         body_html=body_html,
                         attachments=[B.Attachment(lbl, p, d, ct) for lbl, p, d, ct in attachments or []])
            model.notices.append(n)
            B.prepare_site(model)
            rendered = B.render_site(model)
            keep = set(self.files[site])
            for path, f in rendered.items():
                is_list = model.is_list_path(path)
                if is_list or path not in keep or path == n.path or any(a.path == path for a in n.attachments):
                    self.files[site][path] = Served(f.data, f.content_type, f.charset, f.last_modified, _etag(f.data))
        return self.base_urls[site].rstrip("/") + n.path

    # ------------------------------------------------------------------ log
    def log(self, record: dict[str, Any]) -> None:
        """Append one JSON line to the request log."""
        line = json.dumps(record, ensure_ascii=False, sort_keys=True)
        with self._lock, open(self.log_path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    def requests(self) -> list[dict[str, Any]]:
        """Every logged request so far."""
        if not self.log_path.exists():
            return []
        return [json.loads(ln) for ln in self.log_path.read_text(encoding="utf-8").splitlines() if ln.strip()]

    def lookup(self, site: str, path: str) -> Optional[Served]:
        """The file served at ``path`` (directory paths fall back to index.html)."""
        files = self.files[site]
        if path in files:
            return files[path]
        if path.endswith("/") and path + "index.html" in files:
            return files[path + "index.html"]
        return None


CHALLENGE_PAGE = (b'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
                  b'<script>var $_ts=window[\'$_ts\'];if(!$_ts)$_ts=window[\'$_ts\']={};$_ts.nsd=84212;'
                  b'$_ts.cd="qwrDrr";</script><script src="/4QbVtADbnLVIc/c.FxJzG50F.1a8b9c.js" r="m"></script>'
                  b'</head><body></body></html>')


def api_answer(portals: SamplePortals, site: str, raw: bytes) -> tuple[int, bytes]:
    """Pudong's list API: ``{channelList: [id], pageNo, pageSize}`` → ``{code, data: {list, totalPage,
    totalCount, pageNo}}`` with the channel's items (newest first) sliced for the page."""
    from sample_portals.build import api_items_path

    try:
        req = json.loads(raw.decode("utf-8"))
        channel = str(req["channelList"][0])
        page_no, size = max(1, int(req.get("pageNo") or 1)), max(1, min(100, int(req.get("pageSize") or 20)))
    except (ValueError, KeyError, IndexError, TypeError):
        return 400, json.dumps({"code": 400, "message": "bad request body"}).encode()
    f = portals.lookup(site, api_items_path(channel))
    if f is None:
        return 200, json.dumps({"code": 0, "data": {"list": [], "totalPage": 0, "totalCount": 0}}).encode()
    items = json.loads(f.data.decode("utf-8"))
    pages = max(1, -(-len(items) // size))
    data = {"list": items[(page_no - 1) * size:page_no * size], "totalPage": pages, "totalCount": len(items),
            "pageNo": page_no, "pageSize": size}
    return 200, json.dumps({"code": 0, "message": "success", "data": data}, ensure_ascii=False).encode("utf-8")


def _not_modified(req: BaseHTTPRequestHandler, f: Served) -> bool:
    """RFC 9110 conditional GET: If-None-Match wins over If-Modified-Since."""
    inm = req.headers.get("If-None-Match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or f.etag in tags or f"W/{f.etag}" in tags
    ims = req.headers.get("If-Modified-Since")
    if ims:
        try:
            return parsedate_to_datetime(f.last_modified) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


def _make_handler(portals: SamplePortals, site: str) -> type[BaseHTTPRequestHandler]:
    """Request handler class bound to one site."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "SamplePortal/1.0"
        sys_version = ""
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out separately: avoid a ~40 ms stall per response

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return

        def _send(self, status: int, body: bytes = b"", headers: Optional[dict[str, str]] = None,
                  head: bool = False) -> None:
            # Logged before the answer goes out: a client that has its answer always finds
            # the request in the log (logging after the body raced the test's read of the log).
            portals.log({"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                         "site": site, "host": self.headers.get("Host", ""), "method": self.command,
                         "path": self.path, "status": status,
                         "if_none_match": self.headers.get("If-None-Match"),
                         "if_modified_since": self.headers.get("If-Modified-Since"),
                         "user_agent": self.headers.get("User-Agent")})
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body and not head and status != 304:
                self.wfile.write(body)

        def _control(self, path: str, query: dict[str, list[str]]) -> None:
            q = {k: v[0] for k, v in query.items()}
            if path == CONTROL_PREFIX + "reset":
                portals.clear_faults()
            elif path == CONTROL_PREFIX + "challenge" and "site" in q:
                portals.challenge(q["site"], int(q.get("status", "412")))
            elif path == CONTROL_PREFIX + "fault" and "path" in q:
                portals.add_fault(Fault(q["path"], int(q.get("status", "503")),
                                        int(q["times"]) if "times" in q else None,
                                        int(q["retry_after"]) if "retry_after" in q else None,
                                        float(q.get("delay", "0")), q.get("site")))
            else:
                self._send(400, b"bad control request\n", {"Content-Type": "text/plain"})
                return
            self._send(200, b"ok\n", {"Content-Type": "text/plain"})

        def _serve(self, head: bool) -> None:
            parts = urlsplit(self.path)
            path = parts.path or "/"
            if path.startswith(CONTROL_PREFIX):
                self._control(path, parse_qs(parts.query))
                return
            if site in portals.challenges:
                self._send(portals.challenges[site], CHALLENGE_PAGE, {"Content-Type": "text/html; charset=utf-8"}, head)
                return
            fault = portals._take_fault(site, path)  # noqa: SLF001 - the handler is part of the server
            if fault and fault.delay:
                time.sleep(fault.delay)
            if fault and fault.status != 200:
                hdrs = {"Content-Type": "text/html; charset=utf-8"}
                if fault.retry_after is not None:
                    hdrs["Retry-After"] = str(fault.retry_after)
                self._send(fault.status, f"<html><body>{fault.status}</body></html>\n".encode(), hdrs, head)
                return
            f = portals.lookup(site, path)
            if f is None:
                self._send(404, b"<html><body>404 Not Found</body></html>\n",
                           {"Content-Type": "text/html; charset=utf-8"}, head)
                return
            hdrs = {"ETag": f.etag, "Last-Modified": f.last_modified, "Cache-Control": "no-cache"}
            if _not_modified(self, f):
                self._send(304, b"", hdrs, head)
                return
            ctype = f.content_type + (f"; charset={f.charset}" if f.charset else "")
            hdrs["Content-Type"] = ctype
            self._send(200, f.data, hdrs, head)

        def do_GET(self) -> None:
            """Serve GET."""
            self._serve(head=False)

        def do_POST(self) -> None:
            """Serve the list API (POST with a JSON body, at most 64 KiB); anything else is 405."""
            from sample_portals.build import API_PATH

            size = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(min(size, 64 * 1024))
            path = urlsplit(self.path).path
            if site in portals.challenges:
                self._send(portals.challenges[site], CHALLENGE_PAGE, {"Content-Type": "text/html; charset=utf-8"})
                return
            fault = portals._take_fault(site, path)  # noqa: SLF001 - the handler is part of the server
            if fault and fault.status != 200:
                self._send(fault.status, f"{fault.status}\n".encode(), {"Content-Type": "text/plain"})
                return
            if path != API_PATH or portals.manifest["sites"][site].get("family") != "pudong":
                self._send(405, b"method not allowed\n", {"Content-Type": "text/plain"})
                return
            status, body = api_answer(portals, site, raw)
            self._send(status, body, {"Content-Type": "application/json;charset=UTF-8", "Cache-Control": "no-store"})

        def do_HEAD(self) -> None:
            """Serve HEAD."""
            self._serve(head=True)

    return Handler


def start_sample_portals(build_dir: Path, port: int = 0, log_path: Optional[Path] = None,
                         faults: Optional[list[Fault]] = None) -> SamplePortals:
    """Start the three sample sites (port 0 = ephemeral per site) and return the handle."""
    return SamplePortals(build_dir, port, log_path, faults).start()


def main(argv: Optional[list[str]] = None) -> int:
    """CLI: serve a built tree until interrupted (builds it first if missing)."""
    ap = argparse.ArgumentParser(description="Serve the sample portals on 127.0.0.11-13.")
    ap.add_argument("--build-dir", type=Path, default=settings.sample_build_dir())
    ap.add_argument("--port", type=int, default=settings.SAMPLE_PORT)
    ap.add_argument("--log", type=Path, default=None)
    args = ap.parse_args(argv)
    if not (args.build_dir / "manifest.json").exists():
        from sample_portals.build import build
        build(args.build_dir)
    sp = start_sample_portals(args.build_dir, args.port, args.log)
    for site, url in sp.list_urls().items():
        print(f"{site}: {url}", flush=True)
    print(f"request log: {sp.log_path}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sp.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
