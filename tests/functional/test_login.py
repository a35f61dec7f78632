"""The login page."""

import pytest
import webtest

from ostiary.testing import CodeFlow, form_value, transaction_root


def _login_page(app, flow, **extra):
    return app.get(flow.authorize(**extra).location)


def test_wrong_password_shows_a_generic_message(app, flow):
    response = flow.login(flow.authorize(), password="wrong")
    assert response.status_int == 200
    assert "Invalid username or password." in response.text
    assert "alice" in response.text  # the username stays filled in


def test_unknown_user_gets_the_same_message(app, flow):
    response = flow.login(flow.authorize(), username="mallory", password="x")
    assert "Invalid username or password." in response.text


def test_email_works_as_username(app, flow):
    response = flow.login(flow.authorize(), username="ALICE@example.org")
    assert response.status_int == 303 and "/connect/authorize/callback" in response.location


def test_account_locks_after_repeated_failures_with_the_same_message(ostiary_app, ostiary_demo):
    # From several addresses: one address alone is throttled before the
    # account locks (see test_login_throttle).
    for number in range(5):
        flow = CodeFlow(webtest.TestApp(ostiary_app, extra_environ={"REMOTE_ADDR": f"198.51.100.{number}"}))
        flow.login(flow.authorize(), password="wrong")
    flow = CodeFlow(webtest.TestApp(ostiary_app, extra_environ={"REMOTE_ADDR": "198.51.100.99"}))
    response = flow.login(flow.authorize())  # the right password, but locked
    assert "Invalid username or password." in response.text
    with transaction_root(ostiary_app) as root:
        assert root.users.by_login("alice").is_locked()


def test_disabled_user_cannot_sign_in(app, flow, ostiary_app):
    with transaction_root(ostiary_app) as root:
        root.users.by_login("alice").active = False
    assert "Invalid username or password." in flow.login(flow.authorize()).text


def test_login_without_csrf_token_is_refused(app, flow):
    page = _login_page(app, flow)
    response = app.post(
        "/account/login",
        {
            "returnUrl": form_value(page.text, "returnUrl"),
            "username": "alice",
            "password": "alice-password",
            "action": "login",
        },
        expect_errors=True,
    )
    assert response.status_int == 400
    assert "Traceback" not in response.text


def test_cancel_returns_access_denied_to_the_client(app, flow):
    page = _login_page(app, flow)
    response = app.post(
        "/account/login",
        {
            "csrf_token": form_value(page.text, "csrf_token"),
            "returnUrl": form_value(page.text, "returnUrl"),
            "action": "cancel",
        },
    )
    params = flow.follow_to_client(response)
    assert params["error"] == "access_denied"
    assert params["state"].startswith("state-")


@pytest.mark.parametrize(
    "return_url",
    [
        "http://evil.example/connect/authorize",
        "//evil.example/connect/authorize",
        "/\\evil.example/connect/authorize",
        "\\\\evil.example/connect/authorize",
        "/%2F%2Fevil.example/connect/authorize",
        "/connect/authorize/../../evil",
        "/account/login",
        "javascript:alert(1)",
        "/connect/authorize?client_id=demo-rp&redirect_uri=http://evil.example/cb",
    ],
)
def test_return_urls_that_leave_the_authorize_endpoint_are_refused(app, return_url):
    response = app.get("/account/login", params={"returnUrl": return_url})
    assert response.status_int == 303
    assert "/error?errorId=" in response.location


def test_session_cookie_flags(app, flow):
    response = flow.login(flow.authorize())
    cookie = [v for k, v in response.headerlist if k == "Set-Cookie" and v.startswith("ostiary_session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age" not in cookie  # a browser-session cookie without "remember me"


def test_remember_me_sets_a_persistent_cookie(app, flow):
    response = flow.login(flow.authorize(), remember=True)
    cookie = [v for k, v in response.headerlist if k == "Set-Cookie" and v.startswith("ostiary_session=")][0]
    assert "Max-Age=2592000" in cookie


def test_auth_time_and_amr_in_the_id_token(app, flow):
    import time

    from joserfc import jwt
    from joserfc.jwk import KeySet

    before = int(time.time())
    tokens = flow.exchange(flow.code()["code"]).json
    claims = jwt.decode(tokens["id_token"], KeySet.import_key_set(app.get("/.well-known/jwks.json").json)).claims
    assert before <= claims["auth_time"] <= int(time.time())
    assert claims["amr"] == ["pwd"]


def test_login_page_has_security_headers(app, flow):
    page = _login_page(app, flow)
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Cache-Control"] == "no-store"
