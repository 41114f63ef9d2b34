"""``Fetcher.prime_robots``: robots.txt read through the caller's own request, once per origin."""

from __future__ import annotations

from extract.crawl.http import Fetcher


def test_prime_robots_reads_once_through_the_callers_request_then_obeys_it():
    f = Fetcher(allowed_hosts=("127.0.0.11",), min_delay_s=0.0)
    calls: list[tuple[str, bool]] = []

    def get_robots(url: str):
        calls.append((url, f.obey_robots))  # robots.txt itself is requested with robots checks off
        return 200, b"User-agent: *\nDisallow: /private/\n", "text/plain", None

    f.prime_robots("http://127.0.0.11:8080/zwgk/a.html", get_robots)
    f.prime_robots("http://127.0.0.11:8080/zwgk/b.html", get_robots)  # known: not asked again
    f.prime_robots("http://elsewhere.example/x.html", get_robots)     # host not allowed: not asked
    assert calls == [("http://127.0.0.11:8080/robots.txt", False)]
    assert f.obey_robots is True
    assert not f.robots_allowed("http://127.0.0.11:8080/private/plan.html")
    assert f.robots_allowed("http://127.0.0.11:8080/zwgk/a.html")
    assert f.robots_results == []  # nothing fetched by the fetcher itself
    other = Fetcher(allowed_hosts=("127.0.0.11",), min_delay_s=0.0)
    other.adopt_robots_verdicts(f.robots_verdicts())
    assert not other.robots_allowed("http://127.0.0.11:8080/private/plan.html") and other.robots_results == []


def test_a_challenge_on_robots_closes_the_host():
    f = Fetcher(allowed_hosts=("127.0.0.11",), min_delay_s=0.0)
    f.prime_robots("http://127.0.0.11/a.html",
                   lambda url: (None, None, "text/html", "an anti-bot challenge (HTTP 412)"))
    assert f.blocked == {"http://127.0.0.11": "robots.txt answered an anti-bot challenge (HTTP 412): "
                                              "host not crawled this run"}
    assert not f.robots_allowed("http://127.0.0.11/a.html")
