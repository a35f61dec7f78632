"""CSRF tokens belong to one browser and one sign-in."""

import webtest

from ostiary import main
from ostiary.testing import DEMO, CodeFlow, close_app, form_value, load_data


def _login_form(flow):
    """The login page of a fresh authorization request, and its form values
    (prompt=login: the login page shows while signed in too)."""
    page = flow.app.get(flow.authorize(prompt="login").location)
    assert 'name="password"' in page.text
    return {"csrf_token": form_value(page.text, "csrf_token"), "returnUrl": form_value(page.text, "returnUrl")}


def _post_login(app, form, password="alice-password", status=None):
    return app.post("/account/login", dict(form, username="alice", password=password, action="login"), status=status)


def test_a_token_from_before_signing_in_is_refused_after_it(app, flow):
    before = _login_form(flow)
    assert _post_login(app, before).status_int == 303  # signed in with it
    response = _post_login(app, before, status=400)
    assert "Traceback" not in response.text


def test_a_token_from_after_signing_in_works(app, flow):
    assert _post_login(app, _login_form(flow)).status_int == 303
    assert _post_login(app, _login_form(flow)).status_int == 303


def test_a_token_from_before_signing_out_is_refused_after_it(app, flow):
    id_token = flow.exchange(flow.code()["code"]).json["id_token"]
    signed_in = _login_form(flow)
    response = app.get(
        "/connect/endsession",
        params={  # a valid hint signs out at once
            "id_token_hint": id_token,
            "post_logout_redirect_uri": "http://127.0.0.1:9999/logged-out",
        },
    )
    app.get(response.location)
    assert "You are signed in" not in app.get("/").text
    _post_login(app, signed_in, status=400)


def test_a_token_from_another_browser_is_refused(ostiary_app, app, flow):
    other = CodeFlow(webtest.TestApp(ostiary_app, extra_environ={"HTTP_HOST": "localhost"}))
    theirs = _login_form(other)
    mine = _login_form(flow)
    _post_login(app, dict(mine, csrf_token=theirs["csrf_token"]), status=400)


def test_the_csrf_cookie_alone_does_not_make_a_token(app, flow):
    _login_form(flow)
    planted = app.cookies["ostiary_csrf"]
    _post_login(app, dict(_login_form(flow), csrf_token=planted), status=400)


def test_over_https_the_csrf_cookie_is_a_host_cookie(ostiary_settings):
    wsgi = main({}, **dict(ostiary_settings, **{"ostiary.issuer": "https://id.example.org"}))
    try:
        load_data(wsgi, DEMO)
        testapp = webtest.TestApp(wsgi, extra_environ={"HTTP_HOST": "id.example.org", "wsgi.url_scheme": "https"})
        flow = CodeFlow(testapp)
        page = testapp.get(flow.authorize().location)
        (cookie,) = [v for k, v in page.headerlist if k == "Set-Cookie" and "csrf" in v]
        attributes = [part.strip().lower() for part in cookie.split(";")]
        assert cookie.startswith("__Host-ostiary_csrf=")
        assert "secure" in attributes and "path=/" in attributes
        assert not any(part.startswith("domain") for part in attributes)
    finally:
        close_app(wsgi)
