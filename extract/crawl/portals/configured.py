"""One portal adapter driven by data: ``config/platforms.yml`` says how a platform's pages look.

A *platform* (a CMS family shared by several portals, e.g. Pudong's ``zwgk-search-front``
used by Pudong, Putuo and Changning) is a config entry with three parts:

- ``list``: ``mode: html`` (CSS selectors ``rows``, ``link``, ``date``; ``title_attr``) or
  ``mode: json_api`` (``body`` template, JMESPath ``items``/``title``/``url``/``date``/
  ``total_pages``); ``pagination``: ``{rule: pattern, pattern: "index_{n}.html"}`` (``{start}``
  = the start URL, otherwise relative to it), ``{rule: next_link, pager: CSS}`` or
  ``{rule: api_page}``; optional ``total_pages`` regex over a list page's text.
- ``detail``: ``title``/``body`` (CSS, first match wins; ``sel@attr`` reads an attribute),
  ``meta_block`` + ``meta_cells`` (label/value cells in document order), ``meta_tags``
  (``<meta name=…>`` → canonical label), ``attachments`` (CSS for links) and ``required``
  labels (a page without them is not a notice page: PageShapeError).
- top-level ``labels``: canonical label → aliases (发布时间: 发文日期, 发布日期 …); spaces
  inside labels (``索 引 号``) are ignored.

CSS is compiled by cssselect (via lxml), JSON paths by jmespath. Every shape problem is a
``PageShapeError`` naming the URL and what was expected.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urljoin

import jmespath
import yaml
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from extract import settings
from extract.crawl.portals import _common as C
from extract.crawl.portals.base import ListPage, NoticeDetail, NoticeLink, PageShapeError

PLATFORMS_FILE = "platforms.yml"
_SPACE_RE = re.compile(r"[\s\u3000\xa0]+")
_BEIJING = timezone(timedelta(hours=8))
_COLON_RE = re.compile("([:：])")


@dataclass(frozen=True)
class ListRequest:
    """One list page to fetch: ``url`` (GET) or ``url`` + ``json_body`` (POST to a list API)."""

    url: str
    json_body: Optional[dict[str, Any]] = None

    @property
    def key(self) -> str:
        """Identity of the request in crawl state: the URL, plus the canonical JSON body after '#'."""
        if self.json_body is None:
            return self.url
        return self.url + "#" + json.dumps(self.json_body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@lru_cache(maxsize=256)
def _compiled_css(css: str) -> CSSSelector:
    return CSSSelector(css, translator="html")


def css_select(css: str, element: HtmlElement) -> list[Any]:
    """The elements under ``element`` matching ``css``, the selector compiled once per selector
    string (``lxml.cssselect.CSSSelector``, an XPath; ``element.cssselect(css)`` recompiles on
    every call, ~60 % of a detail page's adapter time)."""
    return _compiled_css(css)(element)  # type: ignore[return-value]  # (typing.cast is a call per use)


def _select(root: HtmlElement, selectors: Any) -> list[Any]:
    """Elements (or attribute strings for ``css@attr``) of the first selector that matches."""
    for sel in [selectors] if isinstance(selectors, str) else list(selectors or []):
        css, _, attr = sel.partition("@")
        found = css_select(css, root) if css.strip() else [root]
        if attr:
            found = [v for v in (el.get(attr) for el in found) if v]
        if found:
            return found
    return []


def _meta_contents(root: HtmlElement) -> dict[str, str]:
    """``name`` → ``content`` of the first ``<meta name=… content=…>`` per name anywhere in the document
    (the first result of ``//meta[@name=$n]/@content``), read in one pass: one XPath call per name
    cost ~60k instructions on a 1 KiB notice page."""
    out: dict[str, str] = {}
    for el in root.getroottree().iter("meta"):
        name, content = el.get("name"), el.get("content")
        if name is not None and content is not None and name not in out:
            out[name] = content
    return out


@lru_cache(maxsize=4096)  # the same few label texts on every page of a platform
def normalize_label(text: str) -> str:
    """A label as written (``索 引 号：``) → compact form (``索引号``)."""
    return _SPACE_RE.sub("", text or "").rstrip("：:")


def _fill(template: Any, params: dict[str, Any]) -> Any:
    """Replace ``"{name}"`` strings anywhere in a JSON template by ``params[name]`` (any type)."""
    if isinstance(template, dict):
        return {k: _fill(v, params) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, params) for v in template]
    if isinstance(template, str):
        m = re.fullmatch(r"\{(\w+)\}", template)
        if m:
            if m.group(1) not in params:
                raise KeyError(f"list body needs parameter {m.group(1)!r} (portal list_params)")
            return params[m.group(1)]
    return template


def _api_date(value: Any) -> Optional[str]:
    """API dates: epoch milliseconds (Beijing calendar day) or a date string → ISO date."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit() and len(value) >= 12):
        return datetime.fromtimestamp(int(value) / 1000, tz=_BEIJING).date().isoformat()
    return C.iso_date(str(value))


class ConfiguredAdapter:
    """``parse_list`` / ``parse_detail`` / ``list_request`` of one platform spec (see module doc)."""

    def __init__(self, name: str, spec: dict[str, Any], labels: dict[str, list[str]]) -> None:
        self.name = name
        self.list_spec: dict[str, Any] = spec.get("list") or {}
        self.detail_spec: dict[str, Any] = spec.get("detail") or {}
        self.fetcher: str = spec.get("fetcher", "http")
        self.min_page_bytes: int = int(spec.get("min_page_bytes", 0))
        self.mode: str = self.list_spec.get("mode", "html")
        if self.mode not in ("html", "json_api"):
            raise ValueError(f"platform {name}: list mode {self.mode!r} is not html or json_api")
        self.pagination: dict[str, Any] = self.list_spec.get("pagination") or {"rule": "next_link"}
        self._labels: dict[str, str] = {}
        for canon, aliases in labels.items():
            for lbl in [canon, *(aliases or [])]:
                self._labels[normalize_label(lbl)] = canon

    # -- list pages ---------------------------------------------------------
    def list_request(self, start_url: str, page: int, params: Optional[dict[str, Any]] = None) -> ListRequest:
        """The request for list page ``page`` (1-based) of a list starting at ``start_url``."""
        if self.mode == "json_api":
            body = _fill(self.list_spec.get("body") or {}, {**(params or {}), "page": page})
            return ListRequest(start_url, body)
        if page == 1:
            return ListRequest(start_url)
        pattern = self.pagination.get("pattern")
        if self.pagination.get("rule") != "pattern" or not pattern:
            raise ValueError(f"platform {self.name}: page {page} needs pagination rule 'pattern'")
        if "{start}" in pattern:
            return ListRequest(pattern.format(start=start_url.rstrip("/"), n=page))
        return ListRequest(urljoin(start_url, pattern.format(n=page)))

    def parse_list(self, text: str, url: str) -> ListPage:
        """Notice links of one list page (HTML or API JSON) and, if known, the page count / next URL."""
        if self.mode == "json_api":
            return self._parse_api(text, url)
        spec = self.list_spec
        root = C.parse_html(text, url)
        rows = _select(root, spec["rows"])
        items = []
        for row in rows:
            links = _select(row, spec["link"])
            if not links:
                raise PageShapeError(f"list row without a link for {spec['link']!r} at {url}")
            a = links[0]
            href = C.absolute(url, a.get("href"))
            if href is None:
                continue
            title = (a.get(spec["title_attr"]) if spec.get("title_attr") else None) or C.text_of(a)
            dates = _select(row, spec["date"]) if spec.get("date") else []
            date = C.iso_date(dates[0] if isinstance(dates[0], str) else C.text_of(dates[0])) if dates else None
            items.append(NoticeLink(href, title, date))
        if not items:
            raise PageShapeError(f"empty notice list at {url}: no rows for {spec['rows']!r}")
        total = None
        if self.list_spec.get("total_pages"):
            m = re.search(self.list_spec["total_pages"], text)
            total = int(m.group(1)) if m else None
        nxt = None
        if self.pagination.get("rule") == "next_link":
            nxt = C.next_link(root, css_to_xpath(self.pagination.get("pager", "body")), url)
        return ListPage(items, nxt, total)

    def _parse_api(self, text: str, url: str) -> ListPage:
        spec = self.list_spec
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise PageShapeError(f"list API at {url} did not answer JSON: {exc}") from exc
        rows = jmespath.search(spec["items"], data)
        if not isinstance(rows, list):
            raise PageShapeError(f"list API at {url}: expected a list at {spec['items']!r}, got {type(rows).__name__}")
        items = []
        for row in rows:
            href, title = jmespath.search(spec["url"], row), jmespath.search(spec["title"], row)
            if not href or not title:
                raise PageShapeError(f"list API item without {spec['url']!r}/{spec['title']!r} at {url}: {row}")
            items.append(NoticeLink(urljoin(url, href), str(title),
                                    _api_date(jmespath.search(spec["date"], row)) if spec.get("date") else None))
        if not items:  # a wrong channel id or a changed API must not read as "nothing published"
            raise PageShapeError(f"empty notice list from the list API at {url} ({spec['items']!r})")
        total = jmespath.search(spec["total_pages"], data) if spec.get("total_pages") else None
        return ListPage(items, None, int(total) if total is not None else None)

    # -- detail pages -------------------------------------------------------
    def canonical_label(self, text: str) -> Optional[str]:
        """The canonical label (索引号, 文件编号, 发布机构, 公开类别, 发布时间 …) of a label text, or None."""
        return self._labels.get(normalize_label(text))

    def read_meta(self, root: HtmlElement) -> dict[str, str]:
        """Label/value metadata: ``<meta name>`` tags first, then the label/value cells (which win)."""
        spec = self.detail_spec
        meta: dict[str, str] = {}
        tags = _meta_contents(root) if spec.get("meta_tags") else {}
        for name, canon in (spec.get("meta_tags") or {}).items():
            value = tags.get(name)
            if value and value.strip():
                meta[canon] = (C.iso_date(value) or value.strip()) if canon == "发布时间" else value.strip()
        for block in _select(root, spec.get("meta_block") or []):
            texts = [C.text_of(cell) for cell in css_select(spec.get("meta_cells", "th, td, dt, dd"), block)]
            canons = [self.canonical_label(text) for text in texts]
            for i, (text, canon) in enumerate(zip(texts, canons)):
                if canon and i + 1 < len(texts) and not canons[i + 1]:
                    meta[canon] = texts[i + 1]
                elif not canon and _COLON_RE.search(text):
                    label, _, value = _COLON_RE.split(text, maxsplit=1)
                    canon = self.canonical_label(label)
                    if canon and value.strip():
                        meta[canon] = value.strip()
        return meta

    def parse_detail(self, html: str, url: str) -> NoticeDetail:
        """Title, canonical metadata, body HTML and attachment links (real names from link text)."""
        spec = self.detail_spec
        root = C.parse_html(html, url)
        titles = _select(root, spec["title"])
        bodies = _select(root, spec["body"])
        if not titles or len(bodies) != 1:
            raise PageShapeError(f"notice page at {url}: expected a title ({spec['title']!r}) and one body "
                                 f"({spec['body']!r}), found {len(titles)} and {len(bodies)}")
        title = titles[0].strip() if isinstance(titles[0], str) else C.text_of(titles[0])
        meta = self.read_meta(root)
        missing = [k for k in spec.get("required", ["发布时间"]) if k not in meta]
        if not title or missing:
            raise PageShapeError(f"notice page at {url}: no {', '.join(missing) or 'title'} "
                                 f"(meta block {spec.get('meta_block')!r})")
        containers = [bodies[0]] + [el for el in _select(root, spec.get("attachments") or []) if el is not bodies[0]]
        return NoticeDetail(title, meta, C.inner_html(bodies[0]), C.attachment_links(containers, url))


def css_to_xpath(css: str) -> str:
    """XPath of a CSS selector (cssselect)."""
    from cssselect import HTMLTranslator

    return HTMLTranslator().css_to_xpath(css)


@lru_cache(maxsize=4)
def _load(path: Path) -> tuple[dict[str, Any], dict[str, list[str]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data.get("platforms") or {}, data.get("labels") or {}


def platforms(path: Optional[Path] = None) -> dict[str, Any]:
    """Platform name → spec, from ``config/platforms.yml``."""
    return _load(path or settings.CONFIG_DIR / PLATFORMS_FILE)[0]


@lru_cache(maxsize=64)
def adapter(name: str, path: Optional[Path] = None) -> ConfiguredAdapter:
    """The adapter of platform ``name``; KeyError naming the known platforms when unknown.
    One instance per (name, config file): adapters hold only their parsed config."""
    specs, labels = _load(path or settings.CONFIG_DIR / PLATFORMS_FILE)
    if name not in specs:
        raise KeyError(f"unknown portal platform {name!r}; known: {', '.join(sorted(specs))}")
    return ConfiguredAdapter(name, specs[name], labels)
