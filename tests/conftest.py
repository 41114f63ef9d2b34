"""Shared fixtures: every test gets its own var/ (warehouse, archive, publish) under tmp."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

GOLD_DIR = Path(__file__).parent / "fixtures" / "gold"


@pytest.fixture
def wp_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every extract.settings path at a fresh temp dir."""
    var = tmp_path / "var"
    monkeypatch.setenv("WP_VAR_DIR", str(var))
    for name in ("WP_WAREHOUSE", "WP_ARCHIVE_DIR", "WP_PUBLISH_DIR", "WP_DATA_DOCS_DIR", "WP_SAMPLE_BUILD_DIR"):
        monkeypatch.delenv(name, raising=False)
    return var


def load_gold(seed: str) -> dict:
    return json.loads((GOLD_DIR / f"{seed}.json").read_text(encoding="utf-8"))


def gold_seeds() -> list[str]:
    return sorted(p.stem for p in GOLD_DIR.glob("*.json"))
