"""A client's demand for a fresh sign-in (``prompt=login``, ``max_age``)
reaches the upstream provider, and the upstream's ``auth_time`` must meet
it: otherwise an upstream SSO session would answer at once and the demand
would be silently defeated."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from fake_upstream import FakeUpstream
from federation_harness import DOWNSTREAM, Browser, database, error_shown, provider_settings

from ostiary.federation import MESSAGES
from ostiary.testing import transaction_root

DORA = ("dora", "dora-password")


def _age_session(app, cookie, seconds):
    """Move the authentication time of the session behind ``cookie`` back."""
    with transaction_root(app) as root:
        session = root.sessions.from_cookie(cookie)
        assert session is not None
        session.auth_time -= seconds
        return session.auth_time


def _age_upstream_session(browser, upstream, seconds):
    return _age_session(upstream.app, browser.up.cookies.get("ostiary_session"), seconds)


def _age_downstream_session(browser, seconds):
    return _age_session(browser.app, browser.down.cookies["ostiary_session"], seconds)


def _upstream_login_form_shown(browser) -> bool:
    return ("up", 200, "/account/login") in browser.visited


def _upstream_authorize_query(browser) -> dict:
    (url,) = [u for u in browser.upstream_urls if urlsplit(u).path == "/connect/authorize"]
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# -- against a real upstream Ostiary ----------------------------------------------------


def test_prompt_login_makes_the_upstream_ask_again_despite_its_session(browser, upstream):
    browser.tokens(browser.sign_in_upstream(user=DORA))
    _age_upstream_session(browser, upstream, 600)  # its SSO would answer with this auth_time
    browser.visited.clear()
    browser.upstream_urls.clear()
    started = int(time.time())
    token = browser.tokens(browser.sign_in_upstream(user=DORA, prompt="login"))
    assert _upstream_login_form_shown(browser)
    assert _upstream_authorize_query(browser)["prompt"] == "login"
    assert token["id_claims"]["idp"] == "upstream"
    assert token["id_claims"]["auth_time"] >= started


def test_max_age_is_passed_on_and_an_older_upstream_session_asks_again(browser, upstream):
    browser.tokens(browser.sign_in_upstream(user=DORA))
    _age_upstream_session(browser, upstream, 600)
    _age_downstream_session(browser, 600)
    browser.visited.clear()
    browser.upstream_urls.clear()
    started = int(time.time())
    token = browser.tokens(browser.sign_in_upstream(user=DORA, max_age="300"))
    query = _upstream_authorize_query(browser)
    assert query["max_age"] == "300" and "prompt" not in query
    assert _upstream_login_form_shown(browser)
    assert token["id_claims"]["auth_time"] >= started


def test_the_upstream_auth_time_becomes_the_sign_in_time_here(browser, upstream):
    """An upstream session young enough for max_age answers at once, and the
    ID token says when the person really authenticated: upstream, earlier."""
    browser.tokens(browser.sign_in_upstream(user=DORA))
    upstream_auth_time = _age_upstream_session(browser, upstream, 120)
    _age_downstream_session(browser, 600)
    browser.visited.clear()
    token = browser.tokens(browser.sign_in_upstream(user=DORA, max_age="300"))
    assert not _upstream_login_form_shown(browser)
    assert token["id_claims"]["auth_time"] == upstream_auth_time


# -- against the fake upstream: what it is asked, and what it answers -------------------------


def _fake_sign_in(make_downstream, upstream, fake, settings=None, **extra):
    """Authorize at a downstream whose provider is ``fake`` (with its
    ``settings`` and the authorization parameters ``extra``); press its
    button. Return (app, browser, where the browser ended)."""
    app = make_downstream(providers="fake", **provider_settings(fake.url, "fake", **(settings or {})))
    browser = Browser(app, upstream.url)
    page = browser.login_page(**extra)
    result = browser.walk(DOWNSTREAM + browser.provider_href(page, "fake"))
    return app, browser, result


@pytest.fixture
def fake():
    with FakeUpstream() as server:
        yield server


@pytest.mark.parametrize(
    "extra, sent",
    [
        ({"prompt": "login"}, {"prompt": "login"}),
        ({"max_age": "300"}, {"max_age": "300"}),
        ({"prompt": "login consent", "max_age": "0"}, {"prompt": "login", "max_age": "0"}),
    ],
)
def test_the_demand_is_sent_and_a_fresh_auth_time_signs_in(make_downstream, upstream, fake, extra, sent):
    fake.auth_age = 0
    app, browser, result = _fake_sign_in(make_downstream, upstream, fake, **extra)
    (query,) = fake.authorize_queries
    assert {k: query[k] for k in ("prompt", "max_age") if k in query} == sent
    token = browser.tokens(result)
    assert abs(token["id_claims"]["auth_time"] - time.time()) < 5
    assert ("fake", "fake-user-1") in database(app)[1]


@pytest.mark.parametrize(
    "extra, auth_age",
    [
        ({"prompt": "login"}, None),  # no auth_time at all
        ({"max_age": "300"}, None),
        ({"max_age": "300"}, 1000),  # older than max_age, and than the leeway
        ({"prompt": "login"}, 600),  # signed in upstream long before the redirect
    ],
)
def test_a_missing_or_stale_auth_time_is_refused(make_downstream, upstream, fake, extra, auth_age):
    fake.auth_age = auth_age
    app, browser, result = _fake_sign_in(make_downstream, upstream, fake, **extra)
    assert error_shown(result) == "external_invalid"
    assert MESSAGES["external_invalid"] in result["response"].text
    users, links = database(app)
    assert (set(users), links) == ({"alice"}, {})
    assert browser.down.get("/account/applications", expect_errors=True).status_int != 200  # not signed in


def test_without_a_demand_nothing_is_sent_and_no_auth_time_is_needed(make_downstream, upstream, fake):
    app, browser, result = _fake_sign_in(make_downstream, upstream, fake)
    (query,) = fake.authorize_queries
    assert "prompt" not in query and "max_age" not in query
    assert browser.tokens(result)["id_claims"]["idp"] == "fake"


def test_forward_prompt_false_sends_nothing_and_checks_nothing(make_downstream, upstream, fake):
    app, browser, result = _fake_sign_in(
        make_downstream, upstream, fake, {"forward_prompt": "false"}, prompt="login", max_age="300"
    )
    (query,) = fake.authorize_queries
    assert "prompt" not in query and "max_age" not in query
    assert browser.tokens(result)["id_claims"]["idp"] == "fake"  # no auth_time, and still signed in


def test_a_plain_oauth2_provider_gets_neither(make_downstream, upstream):
    with FakeUpstream(style="github") as fake:
        settings = {
            "ostiary.provider.gh.authorization_endpoint": fake.url + "/authorize",
            "ostiary.provider.gh.token_endpoint": fake.url + "/token",
            "ostiary.provider.gh.userinfo_endpoint": fake.url + "/userinfo",
            "ostiary.provider.gh.client_id": "downstream",
            "ostiary.provider.gh.client_secret": "x",
            "ostiary.provider.gh.subject_claim": "id",
        }
        app = make_downstream(providers="gh", **settings)
        browser = Browser(app, upstream.url)
        page = browser.login_page(prompt="login", max_age="300")
        token = browser.tokens(browser.walk(DOWNSTREAM + browser.provider_href(page, "gh")))
        (query,) = fake.authorize_queries
    assert "prompt" not in query and "max_age" not in query
    assert token["id_claims"]["idp"] == "gh"
