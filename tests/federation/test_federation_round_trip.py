"""The whole journey: downstream login page, upstream Ostiary, back with a
local user, and tokens that say where the person signed in."""

from __future__ import annotations

from urllib.parse import urljoin

from federation_harness import DOWNSTREAM, Browser, database, provider_settings
from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.testing import transaction_root


def test_the_login_page_lists_the_provider_with_the_return_url(browser):
    page = browser.login_page()
    href = browser.provider_href(page)
    assert href.startswith("/account/external/upstream?returnUrl=%2Fconnect%2Fauthorize%2Fcallback")
    assert "Upstream Corp" in page.text


def test_a_new_upstream_identity_is_provisioned_and_signed_in(browser, downstream):
    result = browser.sign_in_upstream(user=("dora", "dora-password"))
    token = browser.tokens(result)
    users, links = database(downstream)
    assert "dora" in users
    subject = users["dora"]
    assert token["id_claims"]["sub"] == subject
    assert token["id_claims"]["idp"] == "upstream"
    assert token["id_claims"]["amr"] == ["external"]
    assert token["access_claims"]["idp"] == "upstream"
    assert list(links.values()) == [subject]
    with transaction_root(downstream) as root:
        user = root.users.get(subject)
        assert user.email == "dora@example.org"
        assert user.password_hash is None
        assert user.claims["name"] == "Dora Explorer"
        assert user.claims["email_verified"] is True


def test_the_provisioned_user_claims_reach_userinfo(browser):
    token = browser.tokens(browser.sign_in_upstream(user=("dora", "dora-password")))
    browser.down.authorization = ("Bearer", token["access_token"])
    claims = browser.down.get("/connect/userinfo").json
    assert claims["name"] == "Dora Explorer"
    assert claims["email"] == "dora@example.org"
    assert claims["preferred_username"] == "dora"


def test_an_existing_link_signs_in_the_same_user_without_creating_another(browser, downstream, upstream):
    first = browser.tokens(browser.sign_in_upstream(user=("dora", "dora-password")))
    again = Browser(downstream, upstream.url)  # a fresh browser: no session on either side
    second = again.tokens(again.sign_in_upstream(user=("dora", "dora-password")))
    assert second["id_claims"]["sub"] == first["id_claims"]["sub"]
    users, links = database(downstream)
    assert sorted(users) == ["alice", "dora"] and len(links) == 1


def test_local_sign_ins_carry_idp_local_and_pwd(browser):
    page = browser.login_page()
    result = browser.walk(urljoin(DOWNSTREAM, browser.local_login(page).location))
    token = browser.tokens(result)
    assert token["id_claims"]["idp"] == "local"
    assert token["id_claims"]["amr"] == ["pwd"]


def test_the_upstream_session_is_single_sign_on_for_a_second_authorization(browser):
    browser.tokens(browser.sign_in_upstream(user=("dora", "dora-password")))
    result = browser.walk(browser.authorize_url())  # the downstream session answers at once
    assert browser.tokens(result)["id_claims"]["idp"] == "upstream"


def test_a_refreshed_id_token_still_names_the_upstream(browser):
    token = browser.tokens(
        browser.sign_in_upstream(user=("dora", "dora-password"), scope="openid profile offline_access")
    )
    browser.down.authorization = ("Basic", ("demo-rp", "demo-secret"))
    refreshed = browser.down.post(
        "/connect/token", {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    ).json
    browser.down.authorization = None
    keys = KeySet.import_key_set(browser.down.get("/.well-known/jwks.json").json)
    assert jwt.decode(refreshed["id_token"], keys).claims["idp"] == "upstream"
    assert jwt.decode(refreshed["access_token"], keys).claims["amr"] == ["external"]


def test_signing_in_upstream_without_an_application_lands_on_the_home_page(browser, downstream):
    page = browser.down.get("/account/login")
    result = browser.walk(DOWNSTREAM + browser.provider_href(page), user=("dora", "dora-password"))
    assert result["at"] == "/"
    assert "dora" in database(downstream)[0]
    assert browser.down.get("/account/applications").status_int == 200  # signed in


def test_the_button_shows_the_configured_icon(make_downstream, upstream):
    app = make_downstream(**provider_settings(upstream.url, icon="/static/corp.svg"))
    page = Browser(app, upstream.url).login_page()
    assert 'src="/static/corp.svg"' in page.text
