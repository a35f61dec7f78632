"""A single-page application in a real Chromium: panva's ``oauth4webapi``
runs the code flow with PKCE as a public client from its own loopback
origin, calls userinfo and refreshes, every call a cross-origin ``fetch``
that only works because Ostiary answers CORS (preflights included) for
the client's origin. A second application on another origin, not
registered anywhere, is refused by the browser itself."""

from __future__ import annotations

import base64
import json
import os

import pytest
from browser_env import OAUTH4WEBAPI_JS, new_context, unavailable
from relying_party import Served
from spa_server import SinglePageApp

from ostiary.testing import load_data


@pytest.fixture(scope="session")
def oauth4webapi_js() -> str:
    if not os.path.isfile(OAUTH4WEBAPI_JS):
        unavailable(f"oauth4webapi is not installed at {OAUTH4WEBAPI_JS} (make test installs it with npm)")
    return OAUTH4WEBAPI_JS


def _serve(ostiary, oauth4webapi_js, client_id, **options):
    spa = SinglePageApp(ostiary.url, oauth4webapi_js, client_id=client_id, **options)
    served = Served(spa)
    spa.url = served.url
    return spa, served


@pytest.fixture(scope="module")
def spa(ostiary, oauth4webapi_js):
    spa, served = _serve(ostiary, oauth4webapi_js, "browser-spa")
    load_data(ostiary.app, {"clients": [spa.client()]})
    with served:
        yield spa


@pytest.fixture(scope="module")
def dpop_spa(ostiary, oauth4webapi_js):
    """The same application with DPoP (oauth4webapi's DPoP handle), on an
    origin of its own, registered with require_dpop."""
    spa, served = _serve(ostiary, oauth4webapi_js, "browser-spa-dpop", dpop=True)
    load_data(ostiary.app, {"clients": [spa.client(require_dpop=True)]})
    with served:
        yield spa


def _run(browser, ostiary, spa, artifacts, name) -> dict:
    context = new_context(browser)
    page = context.new_page()
    try:
        page.goto(spa.url + "/")
        page.click("#login")
        page.wait_for_url(ostiary.url + "/account/login?*")
        page.fill("#username", "alice")
        page.fill("#password", "alice-password")
        page.click("button[value=login]")
        page.wait_for_url(lambda url: "/consent?" in url or url.startswith(spa.url + "/callback"))
        if "/consent?" in page.url:
            page.click("button[value=allow]")
        page.wait_for_url(spa.url + "/callback?*")
        page.wait_for_function("['done', 'failed'].includes(document.getElementById('status').textContent)")
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
        status, error = page.inner_text("#status"), page.inner_text("#error")
        assert status == "done", error
        return json.loads(page.inner_text("#result"))
    finally:
        context.close()


def test_the_spa_signs_in_reads_userinfo_and_refreshes(browser, ostiary, spa, artifacts):
    result = _run(browser, ostiary, spa, artifacts, "spa-01-bearer")
    assert result["token_type"].lower() == "bearer"
    assert result["name"] == result["name_after_refresh"] == "Alice Liddell"
    assert result["new_refresh_token"] is True
    assert result["sub"]


def test_the_spa_does_it_all_with_dpop_and_server_nonces(browser, ostiary, dpop_spa, artifacts):
    """Every call carries a DPoP proof; the server asks for its nonce first
    (use_dpop_nonce), which the application retries with, as RFC 9449 says."""
    result = _run(browser, ostiary, dpop_spa, artifacts, "spa-02-dpop")
    assert result["token_type"].lower() == result["refreshed_token_type"].lower() == "dpop"
    assert result["name"] == result["name_after_refresh"] == "Alice Liddell"
    claims = json.loads(base64.urlsafe_b64decode(result["access_token"].split(".")[1] + "=="))
    assert len(claims["cnf"]["jkt"]) == 43


def test_an_unregistered_origin_cannot_read_the_token_endpoint(browser, ostiary, spa, oauth4webapi_js):
    """A page on another origin posts to the token endpoint with fetch: the
    browser blocks the answer, since Ostiary names no such origin."""
    other, served = _serve(ostiary, oauth4webapi_js, "browser-spa")
    with served:
        context = new_context(browser)
        page = context.new_page()
        try:
            page.goto(other.url + "/")
            outcome = page.evaluate(
                """async (token) => {
                    try {
                        const response = await fetch(token, {method: 'POST',
                            headers: {'Content-Type': 'application/x-www-form-urlencoded', 'DPoP': 'x'},
                            body: 'grant_type=refresh_token&client_id=browser-spa&refresh_token=x'});
                        return 'read ' + response.status;
                    } catch (error) { return 'blocked'; }
                }""",
                ostiary.url + "/connect/token",
            )
        finally:
            context.close()
    assert outcome == "blocked"
