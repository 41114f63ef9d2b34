"""Scrapy peer of our crawl (run in .venv-bench): the same work as discover + fetch_notice.

``python scrapy_crawl.py START_URL KEYWORDS_JSON CONCURRENCY OUTDIR``

Obeys robots.txt, follows the 下一页 link of ``div.pagination`` from list page to
list page, keeps items whose whitespace-free title contains a keyword, downloads
those detail pages and their attachment links (div#zoom and div.fujian, by file
extension), and writes each detail/attachment body to OUTDIR (our crawler writes
every response to a gzip WARC). Non-matching notices are never requested.
Prints one JSON object: wall seconds (crawler start → close, in process) and
request counts by kind.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from pathlib import Path

import scrapy
from scrapy.crawler import CrawlerProcess

ATTACHMENT_EXTS = (".doc", ".docx", ".xls", ".xlsx", ".pdf", ".wps", ".et", ".ofd", ".zip", ".rar", ".txt")
COUNTS = {"list": 0, "detail": 0, "attachment": 0, "matching_notices": 0}


class NoticeSpider(scrapy.Spider):
    name = "notices"

    def __init__(self, start_url: str, keywords: list[str], outdir: str, **kw):
        super().__init__(**kw)
        self.start_urls = [start_url]
        self.keywords = keywords
        self.outdir = Path(outdir)
        self.outdir.mkdir(parents=True, exist_ok=True)

    def parse(self, response):
        COUNTS["list"] += 1
        for li in response.xpath("//ul[contains(concat(' ', normalize-space(@class), ' '), ' news-list ')]/li"):
            title = re.sub(r"\s+", "", "".join(li.xpath(".//a//text()").getall()))
            if any(k in title for k in self.keywords):
                COUNTS["matching_notices"] += 1
                yield response.follow(li.xpath(".//a/@href").get(), callback=self.parse_detail)
        for a in response.xpath("//div[contains(@class, 'pagination')]//a"):
            if "".join(a.xpath(".//text()").getall()).strip() == "下一页":
                yield response.follow(a.attrib["href"], callback=self.parse)
                break

    def _save(self, response) -> None:
        name = hashlib.sha1(response.url.encode()).hexdigest()
        (self.outdir / name).write_bytes(response.body)

    def parse_detail(self, response):
        COUNTS["detail"] += 1
        self._save(response)
        seen = set()
        for href in response.xpath("//div[@id='zoom']//a/@href | //div[contains(@class, 'fujian')]//a/@href").getall():
            url = response.urljoin(href)
            if url in seen or not url.split("?", 1)[0].lower().endswith(ATTACHMENT_EXTS):
                continue
            seen.add(url)
            yield scrapy.Request(url, callback=self.parse_attachment)

    def parse_attachment(self, response):
        COUNTS["attachment"] += 1
        self._save(response)


def main() -> int:
    start_url, keywords, conc, outdir = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    process = CrawlerProcess(settings={
        "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS": conc, "CONCURRENT_REQUESTS_PER_DOMAIN": conc,
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False,
        "RETRY_TIMES": 4, "HTTPCACHE_ENABLED": False, "USER_AGENT": "wp-bench-scrapy",
        "DOWNLOAD_MAXSIZE": 50 * 1024 * 1024, "DOWNLOAD_TIMEOUT": 30,
    })
    crawler = process.create_crawler(NoticeSpider)
    t0 = time.perf_counter()
    process.crawl(crawler, start_url=start_url, keywords=keywords, outdir=outdir)
    process.start()
    wall = time.perf_counter() - t0
    stats = crawler.stats.get_stats()
    print(json.dumps({"wall_s": wall, "counts": COUNTS,
                      "requests": stats.get("downloader/request_count"),
                      "status_200": stats.get("downloader/response_status_count/200"),
                      "robots": stats.get("robotstxt/request_count"), "errors": stats.get("log_count/ERROR", 0)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
