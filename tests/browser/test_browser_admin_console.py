"""The admin console in a real Chromium: an administrator creates a client,
edits it, a person signs in with it through a relying party, the
administrator rotates its secret and the old secret is refused at the
token endpoint while the relying party, given the new one, signs in again.
Then an axe-core scan of every console state of the gallery.

Screenshots go to ``test-artifacts/browser/admin-console/``.
"""

from __future__ import annotations

import json

import pytest
import requests
from axe_scan import blocking, describe, scan
from browser_env import new_context
from live_server import LiveServer
from relying_party import RelyingParty, Served

from ostiary.testing import load_data

ADMIN = {
    "username": "root",
    "password": "root-password",
    "email": "root@example.org",
    "claims": {"name": "Root Admin", "roles": ["ostiary-admin"]},
}


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    """Ostiary with the console, in development mode (for its gallery), with an administrator."""
    settings = {"ostiary.plugins": "admin_console", "ostiary.development": "true"}
    with LiveServer(tmp_path_factory.mktemp("admin-console"), **settings) as live:
        load_data(live.app, {"users": [ADMIN]})
        yield live


@pytest.fixture(scope="module")
def journey(console, browser, artifacts):
    """The whole walk once; returns what the browser and the token endpoint saw."""
    folder = artifacts / "admin-console"
    folder.mkdir(parents=True, exist_ok=True)
    rp = RelyingParty(console.url, client_id="console-rp", secret="not-known-yet")
    served = Served(rp)
    rp.url = served.url
    seen = {}
    context = new_context(browser)
    with served:
        try:
            page = context.new_page()

            def shot(name):
                page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

            # The administrator signs in and creates the client.
            page.goto(console.url + "/account/login")
            page.fill("#username", "root")
            page.fill("#password", "root-password")
            page.click("button[value=login]")
            page.wait_for_load_state()
            page.goto(console.url + "/admin/clients/new")
            page.fill("#field-client_id", "console-rp")
            page.fill("#field-name", "Console RP")
            page.fill("#field-redirect_uris", rp.url + "/cb")
            page.fill("#field-post_logout_redirect_uris", rp.url + "/logged-out")
            page.fill("#field-scopes", "openid\nprofile\nemail")
            shot("01-new-client")
            page.click("form button.primary")
            page.wait_for_selector("#secret")
            rp.secret = page.input_value("#secret")
            shot("02-secret-shown-once")

            # ... edits it ...
            page.goto(console.url + "/admin/clients/console-rp")
            page.fill("#field-name", "Console RP, edited")
            page.click("form button.primary")
            page.wait_for_selector("p.notice")
            seen["saved"] = page.inner_text("main")
            shot("03-edited")

            # ... a person (the same browser) signs in through the relying party ...
            page.goto(rp.url + "/login")
            page.wait_for_url(lambda url: "/consent?" in url or url == rp.url + "/")
            if "/consent?" in page.url:
                seen["consent"] = page.inner_text("main")
                shot("04-consent")
                page.click("button[value=allow]")
            page.wait_for_selector("#hello")
            seen["signed_in"] = page.inner_text("main")
            shot("05-rp-signed-in")

            # ... the administrator rotates the secret.
            old = rp.secret
            page.goto(console.url + "/admin/clients/console-rp")
            page.click("text=Rotate the secret")
            page.wait_for_selector("#secret")
            rp.secret = page.input_value("#secret")
            shot("06-rotated")
            token_endpoint = console.url + "/connect/token"
            form = {"grant_type": "authorization_code", "code": "x", "redirect_uri": rp.url + "/cb"}
            seen["old_secret"] = requests.post(token_endpoint, form, auth=("console-rp", old), timeout=10)
            seen["new_secret"] = requests.post(token_endpoint, form, auth=("console-rp", rp.secret), timeout=10)

            # The relying party with the new secret signs in again.
            page.goto(rp.url + "/login")
            page.wait_for_selector("#hello")
            seen["signed_in_again"] = page.inner_text("main")
        finally:
            context.close()
    return seen


def test_the_edited_client_is_saved(journey):
    assert "Saved." in journey["saved"]


def test_a_person_signs_in_with_the_console_made_client(journey):
    assert "Console RP, edited" in journey.get("consent", "Console RP, edited")
    assert "Root Admin" in journey["signed_in"] or "root" in journey["signed_in"]


def test_the_old_secret_is_refused_after_rotation(journey):
    assert journey["old_secret"].status_code == 401
    assert journey["old_secret"].json()["error"] == "invalid_client"
    # The new one authenticates: the made-up code is what fails now.
    assert journey["new_secret"].status_code == 400
    assert journey["new_secret"].json()["error"] == "invalid_grant"
    assert journey["signed_in_again"]


def test_console_gallery_states_have_no_serious_accessibility_violations(console, browser, axe_js, artifacts):
    context = new_context(browser, bypass_csp=True)
    results = {}
    try:
        page = context.new_page()
        page.goto(console.url + "/_gallery")
        states = page.eval_on_selector_all("table.gallery th[scope=row] a", "els => els.map(e => e.href)")
        states = [url for url in states if "/_gallery/admin-" in url]
        assert len(states) >= 15
        for url in states:
            for lang in ("en", "de"):
                response = page.goto(f"{url}?lang={lang}")
                assert response.status == 200, url
            results[url.rsplit("/", 1)[1]] = scan(page, axe_js)
    finally:
        context.close()
    (artifacts / "admin-console-axe.json").write_text(json.dumps(results, indent=2))
    found = {state: blocking(result) for state, result in results.items()}
    report = "\n".join(f"{state}:\n{describe(v)}" for state, v in found.items() if v)
    assert not report, "axe-core found:\n" + report
