"""Where the browser tests find Chromium, axe-core and the artifacts folder,
and what they do when something is missing: skip locally, fail in CI
(``OSTIARY_TEST_REQUIRE_SERVERS=1``, set by ``.ci/run``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("OSTIARY_CHROMIUM", "/usr/bin/chromium")
# As root, in a closed network: no sandbox, nothing that phones home.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
AXE_JS = os.environ.get("OSTIARY_AXE_JS") or str(REPO / "var" / "npm" / "node_modules" / "axe-core" / "axe.min.js")
#: panva's oauth4webapi (ES module build), which the single-page application test loads.
OAUTH4WEBAPI_JS = os.environ.get("OSTIARY_OAUTH4WEBAPI_JS") or str(
    REPO / "var" / "npm" / "node_modules" / "oauth4webapi" / "build" / "index.js"
)


def unavailable(reason: str):
    """Skip, or fail where the browser is required (CI)."""
    if os.environ.get("OSTIARY_TEST_REQUIRE_SERVERS") == "1":
        pytest.fail(f"{reason} (OSTIARY_TEST_REQUIRE_SERVERS=1)", pytrace=False)
    pytest.skip(reason)


#: Playwright's wait for any one step, generous for a loaded CI machine.
TIMEOUT_MS = 30_000


def new_context(browser, width=1024, height=768, **options):
    """A fresh browser profile (cookies, storage) with the tests' timeout."""
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context
