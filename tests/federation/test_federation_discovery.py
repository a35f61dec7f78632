"""Home-realm discovery: the ``idp:`` hint, and clients restricted to some
ways of signing in."""

from __future__ import annotations

import copy
from urllib.parse import urljoin

import pytest
from federation_harness import DOWNSTREAM, Browser, error_shown, provider_settings

from ostiary.testing import DEMO, CodeFlow


def _login_page_shown(browser) -> bool:
    return ("down", 200, "/account/login") in browser.visited


def test_an_idp_hint_goes_straight_upstream(browser):
    result = browser.walk(browser.authorize_url(acr_values="idp:upstream"), user=("dora", "dora-password"))
    token = browser.tokens(result)
    assert not _login_page_shown(browser)
    assert token["id_claims"]["idp"] == "upstream"


def test_an_unknown_idp_hint_is_ignored(browser):
    page = browser.login_page(acr_values="idp:nosuch")
    assert browser.provider_href(page)


def test_the_local_idp_hint_shows_the_login_page(browser):
    page = browser.login_page(acr_values="idp:local")
    result = browser.walk(urljoin(DOWNSTREAM, browser.local_login(page).location))
    assert browser.tokens(result)["id_claims"]["idp"] == "local"


def test_an_idp_hint_asks_for_a_new_sign_in_over_a_local_session(browser):
    page = browser.login_page()
    browser.tokens(browser.walk(urljoin(DOWNSTREAM, browser.local_login(page).location)))
    token = browser.tokens(
        browser.walk(browser.authorize_url(acr_values="idp:upstream"), user=("dora", "dora-password"))
    )
    assert token["id_claims"]["idp"] == "upstream"


def _restricted(*allowed, extra_client=False):
    data = copy.deepcopy(DEMO)
    client = data["clients"][0]
    if extra_client:  # a second client, restricted, beside the unrestricted demo-rp
        client = dict(client, client_id="corp-rp", name="Corp application")
        data["clients"].append(client)
    client["identity_providers"] = list(allowed)
    return data


@pytest.fixture
def two_providers(make_downstream, upstream):
    def build(*allowed, extra_client=False):
        settings = {**provider_settings(upstream.url), **provider_settings(upstream.url, "other")}
        app = make_downstream(
            providers="upstream other", data=_restricted(*allowed, extra_client=extra_client), **settings
        )
        return Browser(app, upstream.url)

    return build


def test_the_login_page_offers_only_the_providers_a_client_accepts(two_providers):
    browser = two_providers("other", "local")
    page = browser.login_page()
    assert browser.provider_href(page, "other")
    assert "/account/external/upstream" not in page.text


def test_every_provider_is_offered_to_an_unrestricted_client(two_providers):
    browser = two_providers()
    page = browser.login_page()
    assert browser.provider_href(page, "other") and browser.provider_href(page, "upstream")


def test_a_provider_the_client_does_not_accept_is_refused(two_providers):
    browser = two_providers("other", "local")
    page = browser.login_page()
    href = browser.provider_href(page, "other").replace("/external/other", "/external/upstream")
    assert error_shown(browser.walk(DOWNSTREAM + href)) == "external_not_allowed"


def test_an_idp_hint_for_a_provider_the_client_does_not_accept_is_ignored(two_providers):
    browser = two_providers("other", "local")
    page = browser.login_page(acr_values="idp:upstream")
    assert "/account/external/upstream" not in page.text


def test_a_client_with_one_provider_and_no_local_login_goes_straight_there(two_providers):
    browser = two_providers("upstream")
    token = browser.tokens(browser.walk(browser.authorize_url(), user=("dora", "dora-password")))
    assert not _login_page_shown(browser)
    assert token["id_claims"]["idp"] == "upstream"


def test_a_client_without_local_login_refuses_a_password(two_providers):
    browser = two_providers("upstream", "other")
    page = browser.login_page()
    posted = browser.local_login(page)
    assert posted.status_int == 200
    assert "does not accept signing in with a password" in posted.text


def test_a_local_session_does_not_serve_a_client_that_refuses_local_sign_in(two_providers):
    browser = two_providers("upstream", extra_client=True)
    page = browser.login_page()  # demo-rp, unrestricted: sign in with a password
    browser.tokens(browser.walk(urljoin(DOWNSTREAM, browser.local_login(page).location)))
    browser.flow = CodeFlow(browser.down, client_id="corp-rp")
    browser.visited.clear()
    token = browser.tokens(browser.walk(browser.authorize_url(), user=("dora", "dora-password")))
    assert token["id_claims"]["idp"] == "upstream"
    assert any(side == "up" for side, _, _ in browser.visited)


def test_prompt_none_with_a_session_the_client_refuses_is_login_required(two_providers):
    browser = two_providers("upstream", extra_client=True)
    page = browser.login_page()
    browser.tokens(browser.walk(urljoin(DOWNSTREAM, browser.local_login(page).location)))
    browser.flow = CodeFlow(browser.down, client_id="corp-rp")
    assert browser.walk(browser.authorize_url(prompt="none"))["error"] == "login_required"


def test_the_client_command_restricts_identity_providers():
    from ostiary.cli import build_parser
    from ostiary.cli.clients import client_fields

    args = build_parser().parse_args(
        [
            "x.ini",
            "client",
            "add",
            "c",
            "--redirect-uri",
            "http://a/cb",
            "--identity-provider",
            "corp",
            "--identity-provider",
            "local",
        ]
    )
    assert client_fields(args)["identity_providers"] == ["corp", "local"]
