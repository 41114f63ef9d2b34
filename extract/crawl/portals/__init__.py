"""Portal adapters, one module per portal family; ``get_adapter(family)`` returns one."""

from __future__ import annotations

import importlib
from typing import cast

from extract.crawl.portals.base import PortalAdapter

FAMILIES: tuple[str, ...] = ("shsamr", "pudong", "jiading")


def get_adapter(family: str) -> PortalAdapter:
    """The adapter module for ``family`` (e.g. 'pudong'); KeyError for an unknown family."""
    if family not in FAMILIES:
        raise KeyError(f"unknown portal family {family!r}; known: {', '.join(FAMILIES)}")
    return cast(PortalAdapter, importlib.import_module(f"extract.crawl.portals.{family}"))
