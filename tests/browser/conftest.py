"""Fixtures for the real-browser tests: Debian's Chromium driven by
Playwright for Python, Ostiary under waitress and a small relying party,
all on loopback.

Playwright's own browser download cannot work here, so the tests use the
system Chromium (``/usr/bin/chromium``, or ``OSTIARY_CHROMIUM``). Where it or
Playwright is missing the tests are skipped with the reason, unless
``OSTIARY_TEST_REQUIRE_SERVERS=1`` (set by ``.ci/run``) turns that into a
failure. Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from browser_env import ARTIFACTS, AXE_JS, CHROMIUM, CHROMIUM_ARGS, REPO, unavailable

sys.path.insert(0, str(REPO / "tests" / "e2e"))  # live_server, shared with the e2e tests

from live_server import LiveServer  # noqa: E402
from relying_party import RelyingParty, Served  # noqa: E402

from ostiary.testing import DEMO, load_data  # noqa: E402


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (Playwright launches it with a fresh profile)."""
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, chromium_sandbox=False, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_js() -> str:
    """The path of axe.min.js (``make test`` installs axe-core with npm)."""
    if not os.path.isfile(AXE_JS):
        unavailable(f"axe-core is not installed at {AXE_JS} (make test installs it with npm)")
    return AXE_JS


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The folder for screenshots (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def ostiary(tmp_path_factory):
    """Ostiary on a free loopback port, issuer ``http://127.0.0.1:<port>``, with alice."""
    with LiveServer(tmp_path_factory.mktemp("browser")) as live:
        load_data(live.app, {"users": DEMO["users"]})
        yield live


@pytest.fixture(scope="module")
def relying_party(ostiary) -> RelyingParty:
    """The relying party on another loopback port, registered as a client
    with its redirect, post-logout and front-channel logout URIs."""
    rp = RelyingParty(ostiary.url)
    served = Served(rp)
    rp.url = served.url
    load_data(ostiary.app, {"clients": [rp.client()]})
    with served:
        yield rp
