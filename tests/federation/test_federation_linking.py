"""Linking an upstream identity to a local user: by an existing link, by a
verified email where allowed, or by signing in locally once."""

from __future__ import annotations

import copy
from urllib.parse import urljoin

from federation_harness import DOWNSTREAM, Browser, database, error_shown, provider_settings

from ostiary.testing import DEMO


def _with_local_carol():
    data = copy.deepcopy(DEMO)
    data["users"].append(
        {
            "username": "carol",
            "password": "carol-local",
            "email": "carol@example.org",
            "claims": {"email_verified": True},
        }
    )
    return data


def test_a_verified_email_links_to_the_local_user_when_allowed(make_downstream, upstream):
    app = make_downstream(**provider_settings(upstream.url, link_by_verified_email="true"))
    browser = Browser(app, upstream.url)
    token = browser.tokens(browser.sign_in_upstream(user=("alice", "alice-password")))
    users, links = database(app)
    assert token["id_claims"]["sub"] == users["alice"]
    assert token["id_claims"]["idp"] == "upstream"
    assert set(users) == {"alice"}  # nobody new
    assert list(links.values()) == [users["alice"]]


def test_an_unverified_email_never_links_by_itself(make_downstream, upstream):
    app = make_downstream(data=_with_local_carol(), **provider_settings(upstream.url, link_by_verified_email="true"))
    browser = Browser(app, upstream.url)
    result = browser.sign_in_upstream(user=("carol", "carol-password"))
    assert result["at"] == "/account/login"  # asked to sign in locally instead
    assert database(app)[1] == {}


def test_a_matching_email_asks_to_sign_in_locally_when_email_linking_is_off(downstream, browser):
    result = browser.sign_in_upstream(user=("alice", "alice-password"))
    assert result["at"] == "/account/login"
    assert "Do not link your Upstream Corp account" in result["response"].text
    users, links = database(downstream)
    assert links == {} and set(users) == {"alice"}


def _link_by_local_sign_in(browser, result, username="alice", password="alice-password"):
    posted = browser.local_login(result["response"], username, password)
    assert posted.status_int == 303, posted.text
    return browser.walk(urljoin(DOWNSTREAM, posted.location))


def test_signing_in_locally_links_and_the_next_upstream_sign_in_is_direct(downstream, browser, upstream):
    first = browser.tokens(_link_by_local_sign_in(browser, browser.sign_in_upstream()))
    users, links = database(downstream)
    assert first["id_claims"]["sub"] == users["alice"]
    assert first["id_claims"]["idp"] == "local"  # that session was a password sign-in
    assert list(links.values()) == [users["alice"]]
    later = Browser(downstream, upstream.url)
    second = later.tokens(later.sign_in_upstream())
    assert second["id_claims"]["sub"] == users["alice"]
    assert second["id_claims"]["idp"] == "upstream"


def test_a_wrong_local_password_links_nothing(downstream, browser):
    result = browser.sign_in_upstream()
    posted = browser.local_login(result["response"], "alice", "wrong")
    assert posted.status_int == 200
    assert database(downstream)[1] == {}


def test_link_mode_never_creates_users(make_downstream, upstream):
    app = make_downstream(**provider_settings(upstream.url, provisioning="link"))
    browser = Browser(app, upstream.url)
    result = browser.sign_in_upstream(user=("dora", "dora-password"))
    assert result["at"] == "/account/login"
    token = browser.tokens(_link_by_local_sign_in(browser, result))
    users, links = database(app)
    assert set(users) == {"alice"}
    assert links == {next(iter(links)): users["alice"]} and token["id_claims"]["sub"] == users["alice"]


def test_off_mode_refuses_identities_without_a_link(make_downstream, upstream):
    app = make_downstream(**provider_settings(upstream.url, provisioning="off"))
    browser = Browser(app, upstream.url)
    result = browser.sign_in_upstream(user=("dora", "dora-password"))
    assert error_shown(result) == "external_no_account"
    assert database(app) == ({"alice": database(app)[0]["alice"]}, {})


def test_declining_to_link_forgets_the_upstream_identity(downstream, browser):
    result = browser.sign_in_upstream()
    cancel = browser.down.get(urljoin(DOWNSTREAM, _cancel_href(result["response"])))
    page = browser.down.get(cancel.location)
    assert "Do not link" not in page.text
    browser.tokens(browser.walk(urljoin(DOWNSTREAM, browser.local_login(page).location)))
    assert database(downstream)[1] == {}


def _cancel_href(page):
    import re

    return re.search(r'href="(/account/external/-/cancel-link[^"]*)"', page.text).group(1).replace("&amp;", "&")


def test_a_pending_link_is_for_the_request_that_started_it(downstream, browser):
    browser.sign_in_upstream()  # waits for a local sign-in for that request
    other = browser.login_page(state="another-request")  # a new authorization request
    browser.tokens(browser.walk(urljoin(DOWNSTREAM, browser.local_login(other).location)))
    assert database(downstream)[1] == {}
