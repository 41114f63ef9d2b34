"""Shared fixtures: every test gets its own var/ (warehouse, archive, publish) under tmp;
one built sample-portal tree per session and a running server per test that asks."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from sample_portals.server import SamplePortals, start_sample_portals
from sample_portals.testing import build_once
from tests.gold import GOLD_DIR, gold_seeds, load_gold, nows  # noqa: F401  (re-exported for the tests)


@pytest.fixture
def wp_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every extract.settings path at a fresh temp dir."""
    var = tmp_path / "var"
    monkeypatch.setenv("WP_VAR_DIR", str(var))
    for name in ("WP_WAREHOUSE", "WP_ARCHIVE_DIR", "WP_PUBLISH_DIR", "WP_DATA_DOCS_DIR", "WP_SAMPLE_BUILD_DIR"):
        monkeypatch.delenv(name, raising=False)
    return var


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built sites (built once)."""
    return build_once(tmp_path_factory.mktemp("sample_portals"))


@pytest.fixture()
def portals(build_dir: Path, tmp_path: Path) -> Iterator[SamplePortals]:
    """Running sample portals on ephemeral ports, with a per-test request log."""
    with start_sample_portals(build_dir, port=0, log_path=tmp_path / "requests.jsonl") as sp:
        yield sp
