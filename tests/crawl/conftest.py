"""Fixtures: one built sample-portal tree per session and a running server per test."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from sample_portals.server import SamplePortals, start_sample_portals
from sample_portals.testing import build_once


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built sites (built once)."""
    return build_once(tmp_path_factory.mktemp("sample_portals"))


@pytest.fixture()
def portals(build_dir: Path, tmp_path: Path) -> Iterator[SamplePortals]:
    """Running sample portals on ephemeral ports, with a per-test request log."""
    with start_sample_portals(build_dir, port=0, log_path=tmp_path / "requests.jsonl") as sp:
        yield sp
