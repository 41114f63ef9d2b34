"""Headless Chromium for the browser tests (the report, the Airflow UI): where it is and how it runs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--disable-extensions", "--mute-audio"]


def find_chromium() -> str:
    """Path of a Chromium binary; installs it with apt-get when root, else skips (fails under CI)."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    # the setup (scripts/setup.sh) installs it; try the same here before giving up
    reason = "chromium is not installed"
    if shutil.which("apt-get") and os.geteuid() == 0:
        proc = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium", "fonts-noto-cjk"],
                              check=False, capture_output=True, text=True, timeout=900,
                              env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        if proc.returncode == 0 and shutil.which("chromium"):
            return shutil.which("chromium")
        reason += f" and `apt-get install chromium` failed: {(proc.stdout + proc.stderr)[-400:]}"
    else:
        reason += " and cannot be installed here (needs root + apt-get)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser test (scripts/setup.sh installs chromium)")
    pytest.skip(reason)
