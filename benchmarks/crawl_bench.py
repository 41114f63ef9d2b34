"""Crawl throughput on a synthetic portal: full crawl, no-op re-crawl, and Scrapy.

``python -m benchmarks.crawl_bench --notices 10000 [--concurrency 8] [--no-scrapy]``

1. Generates a portal of N notices in the scjgj (``shsamr``) shape (``benchmarks/synth_portal.py``:
   20 per list page, 1% work-plan titles with a ~40 KB .docx) and serves it with
   ``sample_portals.server`` in its own process on 127.0.0.12 (loopback only).
2. Full crawl with our crawler: ``discover`` (sequential: the next list page is
   only known from the current one) then ``fetch_notice`` for every matching
   notice on a thread pool of ``--concurrency`` workers (one Fetcher per worker,
   robots verdict shared from discovery; politeness delay 0). WP_VAR_DIR is a
   temp dir, so WARC archives go there.
3. The first run's request records go through the real path into a temp DuckDB
   (``extract.load.record_requests``) and ``state_snapshot`` gives the crawl
   state for 4. a no-op re-crawl: conditional GETs → 304, bodies from the WARC.
5. The same full crawl by Scrapy (``peers/scrapy_crawl.py`` in .venv-bench) at
   the same concurrency. Request counts of both come from the server's log.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from benchmarks import _common as C
from benchmarks.synth_portal import HOST, build_synthetic


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Server:
    """sample_portals.server on the synthetic build dir, in a child process."""

    def __init__(self, build_dir: Path, log: Path, nodelay: bool = True) -> None:
        self.port = _free_port(HOST)
        self.log = log
        module = "benchmarks.serve" if nodelay else "sample_portals.server"
        self.proc = subprocess.Popen([sys.executable, "-m", module, "--build-dir", str(build_dir),
                                      "--port", str(self.port), "--log", str(log)], cwd=str(C.REPO),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # "pudong: http://127.0.0.12:PORT/…" once bound
        if not line.startswith("pudong:"):
            self.stop()
            raise RuntimeError(f"server did not start: {line!r} {self.proc.stderr.read() if self.proc.stderr else ''}")
        self.list_url = line.split(": ", 1)[1].strip()

    def mark(self) -> int:
        return sum(1 for _ in open(self.log, encoding="utf-8")) if self.log.exists() else 0

    def since(self, mark: int) -> list[dict[str, Any]]:
        with open(self.log, encoding="utf-8") as fh:
            return [json.loads(ln) for i, ln in enumerate(fh) if i >= mark and ln.strip()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _kind(path: str) -> str:
    if path == "/robots.txt":
        return "robots"
    if "/att/" in path:
        return "attachment"
    if path.rsplit("/", 1)[-1].startswith("index"):
        return "list"
    return "detail"


def summarize(log: list[dict[str, Any]]) -> dict[str, Any]:
    kinds = Counter(_kind(r["path"].split("?", 1)[0]) for r in log)
    status = Counter(r["status"] for r in log)
    return {"requests": len(log), "by_kind": dict(kinds), "by_status": {str(k): v for k, v in status.items()}}


def our_crawl(portal: Any, state: dict[str, dict[str, Any]], concurrency: int,
              trust_env: bool = True, known: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """discover + fetch_notice (thread pool) with the real crawler; returns timings and records.

    ``trust_env=False`` is an experiment only (``--no-trust-env``): it sets
    ``session.trust_env = False`` on the harness's Fetchers to measure what the
    per-request proxy/netrc environment scan of requests costs.
    """
    from extract.crawl import crawler as crawler_mod
    from extract.crawl.crawler import RunInfo, discover, fetch_notice
    from extract.pipeline import notices_to_fetch

    def make_fetcher(p: Any, min_delay_s: float):
        f = crawler_mod.make_fetcher(p, min_delay_s=min_delay_s)
        f.session.trust_env = trust_env
        return f

    run = RunInfo("bench_crawl", uuid.uuid4().hex)
    t0 = time.perf_counter()
    fetcher = make_fetcher(portal, min_delay_s=0.0)
    disc = discover(portal, state, run, fetcher)
    t1 = time.perf_counter()
    robots = fetcher.robots_verdicts()  # share discovery's robots verdict, no refetch per worker
    local = threading.local()

    def one(notice: dict[str, Any]) -> dict[str, Any]:
        f = getattr(local, "fetcher", None)
        if f is None:
            f = local.fetcher = make_fetcher(portal, min_delay_s=0.0)
            f.adopt_robots_verdicts(robots)
        return fetch_notice(portal, notice, state, run, f)

    # The pipeline's policy: new notices, plus known ones due for revalidation (portal.revalidate_days).
    todo = notices_to_fetch(disc["notices"], known or [], portal.revalidate_days)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        docs = list(pool.map(one, todo))
    t2 = time.perf_counter()
    records = disc["requests"] + [r for d in docs for r in d["requests"]]
    return {"wall_s": t2 - t0, "discover_s": t1 - t0, "fetch_s": t2 - t1, "notices": len(disc["notices"]),
            "docs_with_version": sum(1 for d in docs if d["document_version_id"]),
            "doc_errors": sum(1 for d in docs if d["errors"]), "discover_errors": disc["errors"],
            "records": records, "fetched_notices": [n["notice_url"] for n in todo]}


def _fmt(xs: list[float]) -> str:
    return "[" + ", ".join(f"{x:.2f}" for x in xs) + "]"


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notices", type=int, default=10000)
    ap.add_argument("--concurrency", type=int, default=8, help="workers for ours = CONCURRENT_REQUESTS for Scrapy")
    ap.add_argument("--page-size", type=int, default=20)
    ap.add_argument("--no-scrapy", action="store_true")
    ap.add_argument("--stock-server", action="store_true",
                    help="serve with sample_portals.server as is (Nagle on: ~40 ms per 200 response)")
    ap.add_argument("--repeats", type=int, default=3, help="runs of each crawl; the median wall time is reported")
    ap.add_argument("--no-trust-env", action="store_true",
                    help="experiment: requests' trust_env off on our Fetchers (no per-request env proxy scan)")
    ap.add_argument("--profile", type=Path,
                    help="write cProfiles of one extra full crawl and one re-crawl to PROFILE.full / PROFILE.recrawl")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="wp-crawl-bench-") as tmp:
        tmp_p = Path(tmp)
        os.environ["WP_VAR_DIR"] = str(tmp_p / "var")
        for name in ("WP_WAREHOUSE", "WP_ARCHIVE_DIR"):
            os.environ.pop(name, None)
        from extract import load as loader
        from extract import warehouse
        from extract.sources import Politeness, Portal, load_portals

        t = time.perf_counter()
        info = build_synthetic(tmp_p / "build", args.notices, page_size=args.page_size)
        gen_s = time.perf_counter() - t
        print(f"synthetic portal: {info.notices} notices, {info.list_pages} list pages, {info.matching} matching, "
              f"{info.files} files, {info.bytes / 1e6:.1f} MB (generated in {gen_s:.1f}s)")
        keywords = next(p for p in load_portals("sample") if p.id == "pudong").keywords
        server = Server(tmp_p / "build", tmp_p / "requests.jsonl", nodelay=not args.stock_server)
        out: dict[str, Any] = {"env": C.env_summary(), "notices": info.notices, "list_pages": info.list_pages,
                               "matching": info.matching, "concurrency": args.concurrency,
                               "server": "stock" if args.stock_server else "TCP_NODELAY"}
        try:
            portal = Portal(id="synth", name="synthetic portal", family="shsamr", jurisdiction="浦东新区",
                            organ="浦东新区人民政府", start_urls=(server.list_url,), allowed_hosts=(HOST,),
                            keywords=keywords, schedule="", politeness=Politeness(0.0, args.concurrency),
                            max_list_pages=info.list_pages + 10)
            te = not args.no_trust_env
            # ---- full crawl, --repeats times from an empty state (each run writes its own WARCs)
            fulls = []
            for _ in range(args.repeats):
                m = server.mark()
                r = our_crawl(portal, {}, args.concurrency, te)
                r["server"] = summarize(server.since(m))
                fulls.append(r)
            full = sorted(fulls, key=lambda r: r["wall_s"])[len(fulls) // 2]
            # ---- crawl state through the real load path (median run's records)
            t = time.perf_counter()
            with warehouse.connect(tmp_p / "state.duckdb") as con:
                loader.record_requests(con, full["records"])
                state = loader.state_snapshot(con, portal.id)
            state_s = time.perf_counter() - t
            # What the warehouse knows after a loaded run: every fetched notice loaded, checked just now.
            now_iso = datetime.now(timezone.utc).isoformat()
            known = [{"notice_url": u, "title": "", "list_url": None, "checked_at": now_iso, "loaded": True}
                     for u in full["fetched_notices"]]
            # ---- no-op re-crawl, --repeats times from that state
            agains = []
            for _ in range(args.repeats):
                m = server.mark()
                r = our_crawl(portal, state, args.concurrency, te, known)
                r["server"] = summarize(server.since(m))
                agains.append(r)
            again = sorted(agains, key=lambda r: r["wall_s"])[len(agains) // 2]
            if args.profile:
                import cProfile

                for name, st in (("full", {}), ("recrawl", state)):
                    prof = cProfile.Profile()
                    prof.enable()
                    our_crawl(portal, st, args.concurrency, te)
                    prof.disable()
                    prof.dump_stats(f"{args.profile}.{name}")
            # ---- Scrapy, --repeats times
            scrapy_res = None
            if not args.no_scrapy:
                runs = []
                for i in range(args.repeats):
                    m = server.mark()
                    t = time.perf_counter()
                    r = C.run_peer("scrapy_crawl.py", [server.list_url, json.dumps(list(keywords)),
                                                       str(args.concurrency), str(tmp_p / f"scrapy-out-{i}")])
                    r["process_wall_s"] = time.perf_counter() - t
                    r["server"] = summarize(server.since(m))
                    runs.append(r)
                scrapy_res = sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]
                scrapy_res["all_wall_s"] = [r["wall_s"] for r in runs]
            full["all_wall_s"] = [r["wall_s"] for r in fulls]
            again["all_wall_s"] = [r["wall_s"] for r in agains]
        finally:
            server.stop()

        def row(name: str, r: dict[str, Any], wall: float) -> list[Any]:
            s = r["server"]
            st = s["by_status"]
            return [name, f"{wall:.2f}", s["requests"], f"{s['requests'] / wall:.0f}",
                    f"{st.get('200', 0)}/{st.get('304', 0)}/{s['requests'] - st.get('200', 0) - st.get('304', 0)}",
                    "/".join(str(s["by_kind"].get(k, 0)) for k in ("robots", "list", "detail", "attachment"))]

        print(f"\nwall s of every run: ours full {_fmt(full['all_wall_s'])}, re-crawl {_fmt(again['all_wall_s'])}"
              + (f", Scrapy {_fmt(scrapy_res['all_wall_s'])}" if scrapy_res else ""))
        print(f"\n## Crawl of {info.notices} notices ({info.list_pages} list pages, {info.matching} matching), "
              f"concurrency {args.concurrency}, delay 0, "
              f"server {out['server']}, median of {args.repeats} runs"
              + (", EXPERIMENT trust_env=False" if args.no_trust_env else "") + "\n")
        rows = [row("ours: full crawl", full, full["wall_s"]),
                row("ours: no-op re-crawl (304s)", again, again["wall_s"])]
        if scrapy_res:
            rows.append(row("Scrapy: full crawl", scrapy_res, scrapy_res["wall_s"]))
        print(C.table(["run", "wall s", "requests", "pages/s", "200/304/other", "robots/list/detail/attachment"],
                      rows))
        print(f"\nours full: discover {full['discover_s']:.2f}s + fetch {full['fetch_s']:.2f}s; "
              f"{full['notices']} notices, {full['docs_with_version']} with a version, {full['doc_errors']} with errors")
        print(f"ours re-crawl: discover {again['discover_s']:.2f}s + fetch {again['fetch_s']:.2f}s; "
              f"{again['docs_with_version']} with a version, {again['doc_errors']} with errors")
        print(f"crawl state via record_requests + state_snapshot: {state_s:.2f}s for {len(full['records'])} records "
              f"(not in either crawl's time)")
        ratio_re = again["wall_s"] / full["wall_s"]
        print(f"\nno-op re-crawl / full crawl = {ratio_re:.1%} (goal ≤ 5%)")
        if scrapy_res:
            ratio = scrapy_res["wall_s"] / full["wall_s"]
            print(f"Scrapy wall / ours wall = {ratio:.2f} (goal ≥ 1; >1 means ours is faster); "
                  f"Scrapy process incl. interpreter start {scrapy_res['process_wall_s']:.2f}s")
            print(f"Scrapy counts: {scrapy_res['counts']}")
        print("Peer versions: " + ", ".join(f"{k} {v}" for k, v in C.peer_versions().items()
                                            if k in ("Scrapy", "Twisted", "python")))
        for r in (full, again):
            r.pop("records", None)
        out.update(full=full, recrawl=again, scrapy=scrapy_res, state_s=state_s)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
