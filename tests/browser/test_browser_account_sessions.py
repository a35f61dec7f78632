"""A person signed in on two browsers sees both sessions in the account
console of one of them, signs the other out there, and the relying party
the other browser used gets its back-channel logout token.

Two Playwright contexts are two browsers (separate cookie jars); the
relying party is the one of ``relying_party.py``, here with a
back-channel logout URI on a loopback receiver (``ostiary.testing``).
"""

from __future__ import annotations

import pytest
from browser_env import new_context
from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.testing import LogoutReceiver, transaction_root

FIREFOX_LIKE = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
PHONE_LIKE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(scope="module")
def receiver(ostiary, relying_party):
    receiver = LogoutReceiver()
    with transaction_root(ostiary.app) as root:
        root.clients.get(relying_party.client_id).update(backchannel_logout_uri=receiver.url)
    yield receiver
    receiver.close()


def _sign_in_at_the_relying_party(page, ostiary, relying_party) -> str:
    """Sign in as alice through the relying party; return the session's sid."""
    page.goto(relying_party.url + "/login")
    page.wait_for_url(ostiary.url + "/account/login?*")
    page.fill("#username", "alice")
    page.fill("#password", "alice-password")
    page.click("button[value=login]")
    page.wait_for_url(lambda url: "/consent?" in url or url == relying_party.url + "/")
    if "/consent?" in page.url:
        page.click("button[value=allow]")
    page.wait_for_url(relying_party.url + "/")
    page.wait_for_selector("#hello")
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "rp_session")
    return relying_party.sessions[cookie]["claims"]["sid"]


def test_ending_the_other_browsers_session_reaches_its_client(browser, ostiary, relying_party, receiver, artifacts):
    laptop = new_context(browser, user_agent=FIREFOX_LIKE)
    phone = new_context(browser, user_agent=PHONE_LIKE)
    try:
        laptop_page, phone_page = laptop.new_page(), phone.new_page()
        _sign_in_at_the_relying_party(laptop_page, ostiary, relying_party)
        phone_sid = _sign_in_at_the_relying_party(phone_page, ostiary, relying_party)

        laptop_page.goto(ostiary.url + "/account/sessions")
        sessions = laptop_page.locator("li.session")
        assert sessions.count() == 2
        assert "(this browser)" in sessions.nth(0).inner_text()
        assert "Firefox 128 on Linux" in sessions.nth(0).inner_text()
        other = sessions.nth(1)
        assert "Mobile Safari" in other.inner_text() and "Browser test application" in other.inner_text()
        laptop_page.screenshot(path=str(artifacts / "account-sessions-two.png"), full_page=True)

        other.locator("button").click()
        laptop_page.wait_for_url(ostiary.url + "/account/sessions?ended=1")
        assert laptop_page.locator("li.session").count() == 1
        assert "Sessions ended: 1" in laptop_page.inner_text("main")

        (token,) = receiver.wait_tokens()
        keys = KeySet.import_key_set(_jwks(ostiary))
        claims = jwt.decode(token, keys).claims
        assert claims["sid"] == phone_sid and claims["aud"] == relying_party.client_id

        # the phone is signed out at Ostiary: the console asks it to sign in
        phone_page.goto(ostiary.url + "/account/sessions")
        phone_page.wait_for_url(ostiary.url + "/account/login?*")
    finally:
        laptop.close()
        phone.close()


def _jwks(ostiary) -> dict:
    import json
    import urllib.request

    with urllib.request.urlopen(ostiary.url + "/.well-known/jwks.json", timeout=5) as answer:
        return json.load(answer)
