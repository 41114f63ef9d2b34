"""Portal adapters: one configurable adapter, one spec per platform in ``config/platforms.yml``.

``get_adapter(platform)`` returns the adapter (``parse_list``, ``parse_detail``,
``list_request``); a portal names its platform with ``platform:`` (or the older ``family:``).
"""

from __future__ import annotations

from extract.crawl.portals.configured import ConfiguredAdapter, adapter


def get_adapter(platform: str) -> ConfiguredAdapter:
    """The adapter of ``platform`` (e.g. 'pudong'); KeyError for an unknown platform."""
    return adapter(platform)
