"""The authenticator app's console section (issue 13): set up behind a
fresh sign-in, confirmed by a first code, removal refused when it is the
last factor a policy demands."""

from __future__ import annotations

import html
import re
import time

from ostiary.testing import form_value
from tests.plugins.totp.test_totp import rfc6238

SECTION = "/account/authenticator"


def _signed_in(app):
    """alice, signed in with her password alone (no factor yet)."""
    sent = app.get(SECTION, status=303)
    page = app.get(sent.location)
    app.post(
        "/account/login",
        {
            "csrf_token": form_value(page.text, "csrf_token"),
            "returnUrl": form_value(page.text, "returnUrl"),
            "username": "alice",
            "password": "alice-password",
            "action": "login",
        },
    )
    return app.get(SECTION)


def _post(app, page, action, **fields):
    return app.post(SECTION, {"csrf_token": form_value(page.text, "csrf_token"), "action": action, **fields})


def _set_up(app):
    page = _signed_in(app)
    enrol = _post(app, page, "start")
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', enrol.text).group(1).replace(" ", "")
    done = _post(app, enrol, "check", code=rfc6238(secret, time.time()))
    return secret, done


def test_the_section_is_listed_in_the_console(app):
    _signed_in(app)
    assert SECTION in app.get("/account").text


def test_setting_up_an_app_in_the_console(app, flow):
    secret, done = _set_up(app)
    assert "Your authenticator app is set up." in done.text and secret not in done.text
    # from now on signing in asks for its code
    app.get("/account/logout")
    app.reset()
    response = flow.login(flow.authorize())
    assert "/account/login/step" in response.location


def test_a_wrong_first_code_keeps_the_key_pending(app):
    page = _signed_in(app)
    enrol = _post(app, page, "start")
    response = _post(app, enrol, "check", code="000000")
    assert "That code is not right." in html.unescape(response.text)
    assert "No authenticator app is set up." in app.get(SECTION).text


def test_setting_up_needs_a_fresh_sign_in(app):
    from tests.functional.account_helpers import age_sign_in

    page = _signed_in(app)
    age_sign_in(app, seconds=3600)
    response = _post(app, page, "start")
    assert response.status_int == 303 and "/account/login" in response.location


def test_removing_the_app(app):
    _, done = _set_up(app)
    response = _post(app, done, "remove")
    assert "Your authenticator app was removed." in response.text


def test_removing_the_last_factor_is_refused_when_policy_demands_one(ostiary_settings):
    """With ostiary.require_mfa the app is the last factor: it stays."""
    from webtest import TestApp

    from ostiary import main
    from ostiary.testing import DEMO, close_app, load_data

    ostiary_settings["ostiary.require_mfa"] = "true"
    wsgi = main({}, **ostiary_settings)
    try:
        load_data(wsgi, DEMO)
        _last_factor_stays(TestApp(wsgi))
    finally:
        close_app(wsgi)


def _last_factor_stays(app):
    # alice must set one up at sign-in: do it through the step page
    sent = app.get(SECTION, status=303)
    login = app.get(sent.location)
    step = app.post(
        "/account/login",
        {
            "csrf_token": form_value(login.text, "csrf_token"),
            "returnUrl": form_value(login.text, "returnUrl"),
            "username": "alice",
            "password": "alice-password",
            "action": "login",
        },
    )
    enrol = app.get(step.location)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', enrol.text).group(1).replace(" ", "")
    back = app.post(
        enrol.forms[0].action,
        {
            "csrf_token": form_value(enrol.text, "csrf_token"),
            "returnUrl": form_value(enrol.text, "returnUrl"),
            "code": rfc6238(secret, time.time()),
            "action": "check",
        },
    )
    assert back.location.endswith(SECTION)
    page = app.get(SECTION)
    response = _post(app, page, "remove")
    assert "your account must keep one" in html.unescape(response.text)
    assert "An authenticator app is set up" in response.text
