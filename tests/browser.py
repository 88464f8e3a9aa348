"""Headless chromium for the browser tests: where screenshots go (test-artifacts/), the flags it runs with, and
the path of Debian's chromium."""

import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("no chromium on PATH: install Debian's chromium (apt-get install -y chromium) to run the browser test")
    return path
