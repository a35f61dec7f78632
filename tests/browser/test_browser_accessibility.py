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
import os
from urllib.parse import urlencode

import pytest
from browser_env import AXE_JS, unavailable

BLOCKING = ("serious", "critical")
PAGES = ("login", "consent", "logout", "signed-out", "error")
# iframes: false: the front-channel iframe belongs to the client, not to us,
# and axe would wait for an answer from a frame it was not injected into.
AXE_RUN = """async () => {
  const r = await axe.run(document, {iframes: false, resultTypes: ['violations']});
  return {version: r.testEngine.version, passes: r.passes.length, violations: r.violations};
}"""


@pytest.fixture(scope="module")
def axe_js() -> str:
    if not os.path.isfile(AXE_JS):
        unavailable(f"axe-core is not installed at {AXE_JS} (make test installs it with npm)")
    return AXE_JS


@pytest.fixture(scope="module")
def scans(axe_js, browser, ostiary, relying_party, artifacts) -> dict:
    """Walk sign-in, consent, sign-out and an error; scan each page with axe.
    Returns page name -> {url, version, passes, violations}, also written to
    test-artifacts/browser/axe-results.json."""
    results = {}
    context = browser.new_context(viewport={"width": 1024, "height": 768}, bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()

    def scan(name):
        page.add_script_tag(path=axe_js)
        results[name] = {"url": page.url, **page.evaluate(AXE_RUN)}
        page.screenshot(path=str(artifacts / f"axe-{name}.png"), full_page=True)

    try:
        page.goto(relying_party.url + "/login")
        page.wait_for_url(ostiary.url + "/account/login?*")
        scan("login")
        page.fill("#username", "alice")
        page.fill("#password", "alice-password")
        page.click("button[value=login]")
        page.wait_for_url(ostiary.url + "/consent?*")
        scan("consent")
        page.click("button[value=allow]")
        page.wait_for_selector("#hello")
        # Without id_token_hint Ostiary asks before signing out.
        page.goto(ostiary.url + "/connect/endsession")
        page.wait_for_url(ostiary.url + "/account/logout?*")
        scan("logout")
        page.click("main form button[type=submit]")
        page.wait_for_selector("text=You are signed out")
        scan("signed-out")
        page.goto(ostiary.url + "/connect/authorize?" + urlencode({"client_id": "nobody", "response_type": "code"}))
        page.wait_for_url(ostiary.url + "/error?*")
        scan("error")
    finally:
        context.close()
    (artifacts / "axe-results.json").write_text(json.dumps(results, indent=2))
    return results


def _describe(violations) -> str:
    lines = []
    for violation in violations:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        lines.append(f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_serious_or_critical_accessibility_violations(scans, name):
    scan = scans[name]
    assert scan["passes"] > 0, "axe-core checked nothing: was it injected?"
    blocking = [v for v in scan["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core {scan['version']} on {scan['url']}:\n{_describe(blocking)}"
