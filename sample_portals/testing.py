"""Test helper: build the sample portals once per test session."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

_BUILT: Optional[Path] = None


def build_once(base: Path) -> Path:
    """Build the sites under ``base`` on first call; later calls return the same tree."""
    global _BUILT
    if _BUILT is None or not (_BUILT / "manifest.json").exists():
        from sample_portals.build import build

        build(base)
        _BUILT = base
    return _BUILT
