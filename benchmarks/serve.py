"""``sample_portals.server`` with TCP_NODELAY on every connection (benchmark launcher).

The stock handler writes the status/headers and the body in two ``send`` calls;
with Nagle on, the body waits for the client's delayed ACK (~40 ms on Linux
loopback) on every keep-alive response, which would make any crawler look
network-bound. ``python -m benchmarks.serve --build-dir DIR --port N --log FILE``.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from sample_portals import server


def main() -> int:
    BaseHTTPRequestHandler.disable_nagle_algorithm = True  # StreamRequestHandler.setup() sets TCP_NODELAY
    return server.main()


if __name__ == "__main__":
    raise SystemExit(main())
