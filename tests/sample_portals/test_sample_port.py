"""The sample portals keep their port from run to run (saved crawl-state URLs carry it)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from extract import runner, settings


def test_port_is_saved_and_reused_and_a_taken_one_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WP_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("WP_SAMPLE_PORT", raising=False)
    # no saved port: the configured default when free, and it is saved
    first = runner.sample_port()
    saved = tmp_path / "sample_portals.port"
    assert saved.read_text() == f"{first}\n"
    if runner._port_free(settings.SAMPLE_PORT):
        assert first == settings.SAMPLE_PORT
    # a saved port wins over the default
    other = runner.common_free_port(first + 1)
    saved.write_text(f"{other}\n")
    assert runner.sample_port() == other
    # the saved port taken on one of the three addresses: another free port, saved in its place
    with socket.socket() as blocker:
        blocker.bind((runner.SAMPLE_HOSTS[1], other))
        blocker.listen()
        moved = runner.sample_port()
    assert moved != other
    assert saved.read_text() == f"{moved}\n"
    # WP_SAMPLE_PORT wins over the saved one
    monkeypatch.setenv("WP_SAMPLE_PORT", str(first))
    assert runner.sample_port() == first
