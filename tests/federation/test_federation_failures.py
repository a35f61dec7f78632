"""Every way an external login can fail ends on the error page with a clear
message, and leaves no user and no link behind."""

from __future__ import annotations

import logging
import re
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
from fake_upstream import DEFECTS, FakeUpstream
from federation_harness import DOWNSTREAM, Browser, database, error_shown, provider_settings

from ostiary.federation import MESSAGES

NOTHING_NEW = ({"alice"}, {})


def _state_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]


def _nothing_created(app):
    users, links = database(app)
    assert (set(users), links) == NOTHING_NEW


def test_cancelling_at_the_upstream_ends_on_the_error_page(browser, downstream):
    result = browser.sign_in_upstream(upstream_action="cancel")
    assert error_shown(result) == "external_denied"
    assert MESSAGES["external_denied"] in result["response"].text
    _nothing_created(downstream)


def test_a_callback_with_an_unknown_state_is_refused(browser, downstream):
    browser.login_page()  # the browser has cookies, but this state was never issued
    result = browser.walk(DOWNSTREAM + "/account/external/upstream/callback?code=abc&state=forged")
    assert error_shown(result) == "external_state"
    _nothing_created(downstream)


def _callback_url(browser, user=("dora", "dora-password")):
    """Sign in upstream, but stop at the redirect back to the downstream."""
    page = browser.login_page()
    url = DOWNSTREAM + browser.provider_href(page)
    for _ in range(10):
        if url.startswith(DOWNSTREAM + "/account/external/upstream/callback"):
            return url
        response = browser.get(url)
        following = browser.location(response, url)
        if following is None:
            following = browser.upstream_login(url, response.text, user)
        url = following
    raise AssertionError(browser.visited)


def test_a_replayed_callback_is_refused(browser, downstream):
    callback = _callback_url(browser)
    assert browser.walk(callback)["at"] == "client"
    replay = browser.walk(callback)
    assert error_shown(replay) == "external_state"


def test_a_callback_in_another_browser_is_refused(browser, downstream, upstream):
    callback = _callback_url(browser)
    other = Browser(downstream, upstream.url)
    other.login_page()
    assert error_shown(other.walk(callback)) == "external_state"
    _nothing_created(downstream)


def test_a_callback_in_another_browser_leaves_the_sign_in_to_the_right_browser(browser, downstream, upstream):
    """Whoever sees a callback URL cannot block the sign-in by using it first,
    with cookies of their own or with none."""
    callback = _callback_url(browser)
    with_cookies, without = Browser(downstream, upstream.url), Browser(downstream, upstream.url)
    with_cookies.login_page()
    assert error_shown(with_cookies.walk(callback)) == "external_state"
    assert error_shown(without.walk(callback)) == "external_state"
    token = browser.tokens(browser.walk(callback))
    assert token["id_claims"]["idp"] == "upstream"
    assert "dora" in database(downstream)[0]


def test_a_callback_for_another_provider_is_refused(make_downstream, upstream):
    app = make_downstream(
        providers="upstream other", **provider_settings(upstream.url), **provider_settings(upstream.url, "other")
    )
    browser = Browser(app, upstream.url)
    callback = _callback_url(browser)
    result = browser.walk(callback.replace("/upstream/callback", "/other/callback"))
    assert error_shown(result) == "external_state"


def test_an_unknown_provider_is_an_error(browser):
    result = browser.walk(DOWNSTREAM + "/account/external/nosuch")
    assert error_shown(result) == "external_unknown"


def _fake_downstream(make_downstream, fake):
    return make_downstream(providers="fake", **provider_settings(fake.url, "fake"))


@pytest.mark.parametrize("defect", [d for d in DEFECTS if d != "good"])
def test_an_untrustworthy_id_token_is_refused(make_downstream, upstream, defect):
    with FakeUpstream(defect) as fake:
        app = _fake_downstream(make_downstream, fake)
        browser = Browser(app, upstream.url)
        page = browser.login_page()
        result = browser.walk(DOWNSTREAM + browser.provider_href(page, "fake"))
    assert error_shown(result) == "external_invalid"
    assert MESSAGES["external_invalid"] in result["response"].text
    _nothing_created(app)


def test_the_fake_upstream_signs_in_when_nothing_is_wrong(make_downstream, upstream):
    """The control for the test above: the same fake, with the published key."""
    with FakeUpstream("good") as fake:
        app = _fake_downstream(make_downstream, fake)
        browser = Browser(app, upstream.url)
        page = browser.login_page()
        token = browser.tokens(browser.walk(DOWNSTREAM + browser.provider_href(page, "fake")))
    assert token["id_claims"]["idp"] == "fake"
    users, links = database(app)
    assert links == {("fake", "fake-user-1"): users["fakeperson"]}


def test_the_wrong_key_is_refused_even_after_fetching_the_jwks_again(make_downstream, upstream):
    with FakeUpstream("wrong_key") as fake:
        app = _fake_downstream(make_downstream, fake)
        browser = Browser(app, upstream.url)
        page = browser.login_page()
        result = browser.walk(DOWNSTREAM + browser.provider_href(page, "fake"))
        assert error_shown(result) == "external_invalid"
        assert fake.requests.count("/jwks") == 2  # once cached, once more in case of a rotation


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_provider_that_is_down_ends_on_the_error_page(make_downstream, upstream):
    app = make_downstream(providers="down", **provider_settings(f"http://127.0.0.1:{_closed_port()}", "down"))
    browser = Browser(app, upstream.url)
    page = browser.login_page()
    result = browser.walk(DOWNSTREAM + browser.provider_href(page, "down"))
    assert error_shown(result) == "external_unavailable"
    assert MESSAGES["external_unavailable"] in result["response"].text
    _nothing_created(app)


def test_a_provider_that_goes_down_before_the_callback_ends_on_the_error_page(make_downstream, upstream):
    fake = FakeUpstream("good").start()
    try:
        app = _fake_downstream(make_downstream, fake)
        browser = Browser(app, upstream.url)
        page = browser.login_page()
        challenge = browser.get(DOWNSTREAM + browser.provider_href(page, "fake"))
        authorize_url = challenge.headers["Location"]
        assert authorize_url.startswith(fake.url)
        callback = browser.up.get(authorize_url, allow_redirects=False, timeout=10).headers["Location"]
    finally:
        fake.stop()
    result = browser.walk(callback)
    assert error_shown(result) == "external_unavailable"
    _nothing_created(app)


def test_a_refused_provisioning_creates_nothing(make_downstream, upstream):
    class Veto:
        from ostiary.hookspecs import hookimpl

        @hookimpl
        def ostiary_external_provisioning(self, provider, claims, proposal):
            return "sign-ups are closed"

    app = make_downstream(ostiary_testing_plugins=[("veto", Veto())])
    browser = Browser(app, upstream.url)
    result = browser.sign_in_upstream(user=("dora", "dora-password"))
    assert error_shown(result) == "external_refused"
    _nothing_created(app)


def test_a_user_refused_after_provisioning_leaves_nothing_behind(make_downstream, upstream):
    class NoNewcomers:
        from ostiary.hookspecs import Caller, hookimpl

        @hookimpl
        def ostiary_is_active(self, subject, caller):
            return False if caller == self.Caller.LOGIN else None

    app = make_downstream(ostiary_testing_plugins=[("no_newcomers", NoNewcomers())])
    browser = Browser(app, upstream.url)
    result = browser.sign_in_upstream(user=("dora", "dora-password"))
    assert error_shown(result) == "external_refused"
    _nothing_created(app)


def test_a_user_refused_after_linking_by_email_leaves_no_link(make_downstream, upstream):
    class Locked:
        from ostiary.hookspecs import Caller, hookimpl

        @hookimpl
        def ostiary_is_active(self, caller):
            return False if caller == self.Caller.LOGIN else None

    app = make_downstream(
        ostiary_testing_plugins=[("locked", Locked())], **provider_settings(upstream.url, link_by_verified_email="true")
    )
    browser = Browser(app, upstream.url)
    assert error_shown(browser.sign_in_upstream()) == "external_refused"
    _nothing_created(app)


def test_a_discovery_document_for_another_issuer_is_refused(make_downstream, upstream):
    with FakeUpstream() as fake:
        fake.discovery_issuer = "https://elsewhere.example"
        app = _fake_downstream(make_downstream, fake)
        browser = Browser(app, upstream.url)
        page = browser.login_page()
        result = browser.walk(DOWNSTREAM + browser.provider_href(page, "fake"))
        assert "/authorize" not in fake.requests  # the browser never went there
    assert error_shown(result) == "external_invalid"


def test_an_authorization_response_from_another_issuer_is_refused(browser, downstream):
    """RFC 9207: the upstream names itself in ``iss``; a mix-up shows."""
    callback = _callback_url(browser)
    assert "iss=" in callback
    forged = re.sub(r"iss=[^&]+", "iss=https%3A%2F%2Fevil.example", callback)
    assert error_shown(browser.walk(forged)) == "external_invalid"
    _nothing_created(downstream)


# -- the provider refuses Ostiary itself -------------------------------------------------------

REFUSAL = {"error": "invalid_client", "error_description": "client authentication failed"}


def _federation_warnings(caplog) -> str:
    return "\n".join(
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("ostiary.federation")
    )


def _sign_in_at_fake(make_downstream, upstream, fake):
    app = _fake_downstream(make_downstream, fake)
    browser = Browser(app, upstream.url)
    page = browser.login_page()
    return app, browser.walk(DOWNSTREAM + browser.provider_href(page, "fake"))


def test_a_provider_refusing_our_client_secret_says_it_refused_our_registration(make_downstream, upstream):
    app = make_downstream(**provider_settings(upstream.url, client_secret="not-the-secret"))
    result = Browser(app, upstream.url).sign_in_upstream(user=("dora", "dora-password"))
    assert error_shown(result) == "external_client_refused"
    assert MESSAGES["external_client_refused"] in result["response"].text
    _nothing_created(app)


def test_a_provider_refusing_our_client_secret_is_logged_with_its_answer(make_downstream, upstream, caplog):
    caplog.set_level(logging.INFO, logger="ostiary")
    app = make_downstream(**provider_settings(upstream.url, client_secret="not-the-secret"))
    Browser(app, upstream.url).sign_in_upstream(user=("dora", "dora-password"))
    logged = _federation_warnings(caplog)
    assert "external_client_refused" in logged and "HTTP 401" in logged and '"invalid_client"' in logged
    assert "not-the-secret" not in caplog.text


def test_a_refusal_that_echoes_our_secret_is_logged_without_it(make_downstream, upstream, caplog):
    caplog.set_level(logging.INFO, logger="ostiary")
    with FakeUpstream() as fake:
        fake.token_refusal = (401, dict(REFUSAL, error_description="wrong secret downstream-secret"))
        _, result = _sign_in_at_fake(make_downstream, upstream, fake)
    assert error_shown(result) == "external_client_refused"
    assert "wrong secret [client secret]" in _federation_warnings(caplog)
    assert "downstream-secret" not in caplog.text


def test_a_refusal_without_a_json_body_still_says_it_refused_our_registration(make_downstream, upstream, caplog):
    caplog.set_level(logging.INFO, logger="ostiary")
    with FakeUpstream() as fake:
        fake.token_refusal = (401, "<html>Unauthorized</html>")
        app, result = _sign_in_at_fake(make_downstream, upstream, fake)
    assert error_shown(result) == "external_client_refused"
    assert "HTTP 401 <html>Unauthorized</html>" in _federation_warnings(caplog)
    _nothing_created(app)


def test_a_code_the_provider_refuses_is_still_an_untrusted_answer(make_downstream, upstream):
    """The control: refusing the code (invalid_grant) is not our registration's fault."""
    with FakeUpstream() as fake:
        fake.token_refusal = (400, {"error": "invalid_grant"})
        _, result = _sign_in_at_fake(make_downstream, upstream, fake)
    assert error_shown(result) == "external_invalid"


def test_a_provider_that_will_not_serve_us_at_authorization_says_it_refused_our_registration(
    make_downstream, upstream, caplog
):
    caplog.set_level(logging.INFO, logger="ostiary")
    with FakeUpstream() as fake:
        fake.authorize_error = "unauthorized_client"
        _, result = _sign_in_at_fake(make_downstream, upstream, fake)
    assert error_shown(result) == "external_client_refused"
    assert "unauthorized_client" in _federation_warnings(caplog)
