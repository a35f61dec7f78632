"""Passkeys in a real Chromium with a virtual authenticator.

Chromium's DevTools protocol gives a browser a virtual authenticator
(``WebAuthn.addVirtualAuthenticator``): a CTAP2 device with resident keys
and user verification that answers ``navigator.credentials`` as a phone or
a security key would, without a person touching it. Through it a person
registers a passkey in their account, signs out, and signs in to a relying
party with the passkey alone; the relying party's ID token says how.

Ostiary's issuer here is ``http://localhost:<port>``: WebAuthn refuses an
IP address as a relying-party id, and ``localhost`` is a secure context.
"""

from __future__ import annotations

import pytest
from axe_scan import blocking, describe, scan
from browser_env import new_context
from live_server import LiveServer
from relying_party import RelyingParty, Served

from ostiary.testing import DEMO, load_data
from ostiary.themes import installed_themes

BOB_PASSWORD = "bob-password-for-the-browser"
CAROL_PASSWORD = "carol-password-for-the-browser"


@pytest.fixture(scope="module")
def passkey_server(tmp_path_factory):
    with LiveServer(
        tmp_path_factory.mktemp("passkeys"), public_host="localhost", **{"ostiary.plugins": "passkeys"}
    ) as live:
        load_data(live.app, {"users": DEMO["users"]})
        yield live


@pytest.fixture(scope="module")
def passkey_rp(passkey_server):
    rp = RelyingParty(passkey_server.url, client_id="passkey-rp")
    served = Served(rp)
    rp.url = served.url
    load_data(passkey_server.app, {"clients": [rp.client()]})
    with served:
        yield rp


@pytest.fixture
def page_with_authenticator(browser):
    """A fresh profile whose browser has a virtual passkey authenticator."""
    context = new_context(browser)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.authenticator = (cdp, added["authenticatorId"])
    yield page
    context.close()


def _password_sign_in(page, server, username="alice", password="alice-password"):
    page.goto(server.url + "/account/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[value=login]")
    page.wait_for_url(server.url + "/")


def _presence(page, enabled: bool) -> None:
    """Whether the virtual authenticator answers by itself, as a person
    touching it would: off while a page's conditional request must stay
    pending (the login page), on when the test presses the button."""
    cdp, authenticator_id = page.authenticator
    cdp.send("WebAuthn.setAutomaticPresenceSimulation", {"authenticatorId": authenticator_id, "enabled": enabled})


def _through_consent(page, rp):
    page.wait_for_url(lambda url: "/consent?" in url or url == rp.url + "/")
    if "/consent?" in page.url:
        page.click("button[value=allow]")
    page.wait_for_url(rp.url + "/")
    page.wait_for_selector("#hello")
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "rp_session")
    return rp.sessions[cookie]["claims"]


def test_register_a_passkey_then_sign_in_with_it_alone(page_with_authenticator, passkey_server, passkey_rp, artifacts):
    page, server = page_with_authenticator, passkey_server
    _password_sign_in(page, server)
    page.goto(server.url + "/account/passkeys")
    page.fill("#passkey-name", "Virtual phone")
    page.click("#add-passkey")
    page.wait_for_selector("p.notice")
    assert "Passkey added." in page.inner_text("main")
    assert "Virtual phone" in page.inner_text("main")
    page.screenshot(path=str(artifacts / "passkeys-01-added.png"), full_page=True)
    cdp, authenticator_id = page.authenticator
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert len(stored) == 1 and stored[0]["isResidentCredential"]

    page.goto(server.url + "/account/logout")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert not [c for c in page.context.cookies() if c["name"] == "ostiary_session" and c["value"]]

    _presence(page, False)  # else the login page's autofill request signs in at once (the last test)
    page.goto(passkey_rp.url + "/login")
    page.wait_for_url(server.url + "/account/login?*")
    page.click("a.provider:has-text('A passkey')")
    page.wait_for_url(server.url + "/account/passkeys/sign-in?*")
    page.screenshot(path=str(artifacts / "passkeys-02-sign-in.png"), full_page=True)
    _presence(page, True)
    page.click("#use-passkey")
    claims = _through_consent(page, passkey_rp)
    assert claims["amr"] == ["hwk", "user", "mfa"]
    assert "Alice" in page.inner_text("main")


def test_then_as_a_second_factor_after_the_password(page_with_authenticator, passkey_server, passkey_rp, artifacts):
    """The same kind of authenticator, now asked after the password: core's
    step page names the person's credential and the browser answers."""
    page, server = page_with_authenticator, passkey_server
    # Bob: alice's passkey lives in the previous test's browser, gone with it.
    load_data(server.app, {"users": [{"username": "bob", "password": BOB_PASSWORD, "claims": {"name": "Bob"}}]})
    _password_sign_in(page, server, "bob", BOB_PASSWORD)
    page.goto(server.url + "/account/passkeys")
    page.fill("#passkey-name", "Security key")
    page.click("#add-passkey")
    page.wait_for_selector("p.notice")
    page.goto(server.url + "/account/logout")
    page.click("button[type=submit]")
    page.wait_for_load_state()

    _presence(page, False)  # the person types the password instead of picking the passkey
    page.goto(passkey_rp.url + "/login")
    page.wait_for_url(server.url + "/account/login?*")
    page.fill("#username", "bob")
    page.fill("#password", BOB_PASSWORD)
    page.click("button[value=login]")
    page.wait_for_url(server.url + "/account/login/step?*")
    page.screenshot(path=str(artifacts / "passkeys-03-second-factor.png"), full_page=True)
    _presence(page, True)
    page.click("#use-passkey")
    claims = _through_consent(page, passkey_rp)
    assert claims["amr"] == ["pwd", "hwk", "user", "mfa"]
    assert claims["acr"] == "urn:ostiary:acr:mfa"


def test_the_login_page_offers_the_passkey_in_the_username_autofill(
    page_with_authenticator, passkey_server, passkey_rp, artifacts
):
    """Conditional mediation: the login page's script asks the browser for
    a passkey at once; picking it from the username field's autofill (the
    virtual authenticator picks its one credential) signs in, no password."""
    page, server = page_with_authenticator, passkey_server
    load_data(server.app, {"users": [{"username": "carol", "password": CAROL_PASSWORD, "claims": {"name": "Carol"}}]})
    _password_sign_in(page, server, "carol", CAROL_PASSWORD)
    page.goto(server.url + "/account/passkeys")
    page.click("#add-passkey")
    page.wait_for_selector("p.notice")
    page.goto(server.url + "/account/logout")
    page.click("button[type=submit]")
    page.wait_for_load_state()

    # The virtual authenticator answers the conditional request as soon as
    # the page makes it: the login page goes on to the passkey sign-in by itself.
    with page.expect_request(lambda r: r.url == server.url + "/account/passkeys/sign-in") as posted:
        page.goto(passkey_rp.url + "/login")
    assert posted.value.method == "POST"
    assert "/account/login?" in posted.value.headers["referer"]  # posted from the login page itself
    claims = _through_consent(page, passkey_rp)
    assert claims["amr"] == ["hwk", "user", "mfa"]
    assert "Carol" in page.inner_text("main")


GALLERY_STATES = (
    "sign-in",
    "sign-in-refused",
    "manage-empty",
    "manage",
    "manage-error",
    "step",
    "step-refused",
    "step-enrol",
)


@pytest.fixture(scope="module", params=sorted(installed_themes()))
def passkey_gallery(request, tmp_path_factory):
    settings = {"ostiary.development": "true", "ostiary.theme": request.param, "ostiary.plugins": "passkeys"}
    with LiveServer(tmp_path_factory.mktemp("passkey-gallery"), **settings) as live:
        yield request.param, live


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_passkey_pages_in_the_gallery_have_no_serious_accessibility_findings(
    passkey_gallery, browser, axe_js, artifacts, lang
):
    theme, live = passkey_gallery
    context = new_context(browser, bypass_csp=True)
    found = []
    try:
        page = context.new_page()
        for state in GALLERY_STATES:
            page.goto(f"{live.url}/_gallery/passkeys/{state}?lang={lang}")
            page.screenshot(path=str(artifacts / f"passkeys-gallery-{theme}-{state}-{lang}.png"), full_page=True)
            found += blocking(scan(page, axe_js))
    finally:
        context.close()
    assert not found, describe(found)
