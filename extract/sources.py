"""Portal sources from ``config/sources.<profile>.yml``.

One entry per portal; adding a portal on a known platform (``config/platforms.yml``) is a
config change. ``list_params`` fill a list API's body template (e.g. Pudong's channel ids);
``known_urls`` are notice URLs found by hand, fetched like discovered ones (discovery that
does not depend on list markup); ``fetcher: browser`` renders list pages in Chromium. URLs
may contain ``${VAR}`` or ``${VAR:-default}`` placeholders, expanded from the
environment at load time (the sample profile uses ``${WP_SAMPLE_PORT:-8731}``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

import yaml

from extract import settings

_VAR_RE = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")


def _expand(value: str) -> str:
    def repl(m: re.Match[str]) -> str:
        return os.environ.get(m.group(1)) or (m.group(2) or "")
    return _VAR_RE.sub(repl, value)


@dataclass(frozen=True)
class Politeness:
    min_delay_s: float = 1.0
    max_concurrency: int = 1


@dataclass(frozen=True)
class Portal:
    id: str
    name: str
    family: str
    jurisdiction: str
    organ: str
    start_urls: tuple[str, ...]
    allowed_hosts: tuple[str, ...]
    keywords: tuple[str, ...]
    schedule: str
    politeness: Politeness = field(default_factory=Politeness)
    max_list_pages: int = settings.MAX_LIST_PAGES
    # Known notices (detail page + attachments) are revalidated with conditional GETs when their last
    # check is older than this; 0 = every run. New notices are always fetched.
    revalidate_days: float = 7.0
    # Lists are newest first: a list page answered 304 means nothing new past it; stop walking there.
    stop_at_unchanged_list: bool = True
    list_params: dict[str, Any] = field(default_factory=dict)   # values for the platform's list body template
    known_urls: tuple[str, ...] = ()    # notice URLs found by hand: fetched like discovered ones
    fetcher: str = "http"               # http | browser (Playwright + system Chromium, for script-built lists)

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(sorted({urlsplit(u).hostname or "" for u in self.start_urls}))

    def is_allowed(self, url: str) -> bool:
        """True when ``url`` is http(s) on one of the portal's allowed hosts."""
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and (parts.hostname or "") in self.allowed_hosts

    def matches(self, title: str) -> bool:
        """True when a notice title marks a work plan (any configured keyword)."""
        compact = re.sub(r"\s+", "", title)
        return any(k in compact for k in self.keywords)


class ConfigError(Exception):
    """The sources file is missing fields or has wrong values."""


def _portal(raw: dict[str, Any], defaults: dict[str, Any]) -> Portal:
    merged = {**defaults, **raw}
    merged["family"] = merged.get("platform") or merged.get("family")
    missing = [k for k in ("id", "name", "family", "jurisdiction", "organ", "start_urls", "schedule")
               if not merged.get(k)]
    if merged.get("fetcher", "http") not in ("http", "browser"):
        raise ConfigError(f"portal {merged['id']}: fetcher must be http or browser, not {merged['fetcher']!r}")
    if missing:
        raise ConfigError(f"portal {raw.get('id', '?')}: missing {', '.join(missing)}")
    start_urls = tuple(_expand(u) for u in merged["start_urls"])
    hosts = merged.get("allowed_hosts") or sorted({urlsplit(u).hostname or "" for u in start_urls})
    pol = merged.get("politeness") or {}
    return Portal(
        id=merged["id"], name=merged["name"], family=merged["family"],
        jurisdiction=merged["jurisdiction"], organ=merged["organ"],
        start_urls=start_urls, allowed_hosts=tuple(_expand(h) for h in hosts),
        keywords=tuple(merged.get("keywords") or ()),
        schedule=merged["schedule"],
        politeness=Politeness(float(pol.get("min_delay_s", 1.0)), int(pol.get("max_concurrency", 1))),
        max_list_pages=int(merged.get("max_list_pages", settings.MAX_LIST_PAGES)),
        revalidate_days=float(merged.get("revalidate_days", 7.0)),
        stop_at_unchanged_list=bool(merged.get("stop_at_unchanged_list", True)),
        list_params=dict(merged.get("list_params") or {}),
        known_urls=tuple(_expand(u) for u in merged.get("known_urls") or ()),
        fetcher=merged.get("fetcher", "http"),
    )


def load_portals(profile: Optional[str] = None, path: Optional[Path] = None) -> list[Portal]:
    """All portals of a profile (``sample`` by default, env ``WP_SOURCES_PROFILE``)."""
    path = path or (settings.CONFIG_DIR / f"sources.{profile}.yml" if profile else settings.sources_file())
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"no sources file at {path}") from exc
    defaults = data.get("defaults") or {}
    portals = [_portal(p, defaults) for p in data.get("portals") or []]
    ids = [p.id for p in portals]
    if len(ids) != len(set(ids)):
        raise ConfigError(f"duplicate portal ids in {path}")
    return portals


def get_portal(portal_id: str, profile: Optional[str] = None) -> Portal:
    for p in load_portals(profile):
        if p.id == portal_id:
            return p
    raise ConfigError(f"unknown portal {portal_id!r}")
