#!/usr/bin/env bash
# `make test` runs this first: the browser test (tests/test_browser.py) drives Debian's chromium headless.
# As root it installs chromium with apt-get (as CI does); otherwise it stops at once with the one command to run.
set -euo pipefail

have_chromium() { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }
INSTALL="apt-get install -y chromium"

have_chromium && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "make test: the browser test needs chromium, which is not on PATH. Run: sudo $INSTALL   (then make test)" >&2
    exit 1
fi
echo "make test: installing chromium for the browser test ($INSTALL)"
if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive $INSTALL -qq >/dev/null); then
    echo "make test: '$INSTALL' failed; run it by hand (then make test)" >&2
    exit 1
fi
if ! have_chromium; then
    echo "make test: '$INSTALL' ran, but chromium is still not on PATH ($PATH)" >&2
    exit 1
fi
