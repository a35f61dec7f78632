"""The login, consent, logout, signed-out and error pages of the default
theme pass an axe-core scan in a real Chromium with no serious or critical
violations.

axe-core comes from the npm registry (``make test`` installs it into the
git-ignored ``var/npm``; ``OSTIARY_AXE_JS`` points elsewhere). The pages are
reached through a real flow. Ostiary's CSP (``script-src 'self' 'nonce-…'``)
rightly refuses an injected script, so this scan, and only this scan, runs
in a browser context with ``bypass_csp=True``; the CSP itself is checked by
``test_browser_sign_in_and_out.py`` in a normal context.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from axe_scan import blocking, describe, scan
from browser_env import new_context

PAGES = ("login", "consent", "logout", "signed-out", "error")


@pytest.fixture(scope="module")
def scans(axe_js, browser, ostiary, relying_party, artifacts) -> dict:
    """Walk sign-in, consent, sign-out and an error; scan each page with axe.
    Returns page name -> {url, version, passes, violations}, also written to
    test-artifacts/browser/axe-results.json."""
    results = {}
    context = new_context(browser, bypass_csp=True)
    page = context.new_page()

    def scan_page(name):
        results[name] = scan(page, axe_js)
        page.screenshot(path=str(artifacts / f"axe-{name}.png"), full_page=True)

    try:
        page.goto(relying_party.url + "/login")
        page.wait_for_url(ostiary.url + "/account/login?*")
        scan_page("login")
        page.fill("#username", "alice")
        page.fill("#password", "alice-password")
        page.click("button[value=login]")
        page.wait_for_url(ostiary.url + "/consent?*")
        scan_page("consent")
        page.click("button[value=allow]")
        page.wait_for_selector("#hello")
        # Without id_token_hint Ostiary asks before signing out.
        page.goto(ostiary.url + "/connect/endsession")
        page.wait_for_url(ostiary.url + "/account/logout?*")
        scan_page("logout")
        page.click("main form button[type=submit]")
        page.wait_for_selector("text=You are signed out")
        scan_page("signed-out")
        page.goto(ostiary.url + "/connect/authorize?" + urlencode({"client_id": "nobody", "response_type": "code"}))
        page.wait_for_url(ostiary.url + "/error?*")
        scan_page("error")
    finally:
        context.close()
    (artifacts / "axe-results.json").write_text(json.dumps(results, indent=2))
    return results


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_serious_or_critical_accessibility_violations(scans, name):
    result = scans[name]
    assert result["passes"] > 0, "axe-core checked nothing: was it injected?"
    found = blocking(result)
    assert not found, f"axe-core {result['version']} on {result['url']}:\n{describe(found)}"
