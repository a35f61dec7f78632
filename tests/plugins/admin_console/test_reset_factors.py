"""Resetting a person's second factors (issue 14): alice sets up an
authenticator app and recovery codes, is asked for a code at sign-in; an
administrator resets her factors in the console (a confirmation, a recent
sign-in) or through the admin API, and her next sign-in is the password
alone."""

from __future__ import annotations

import html

import pytest
import webtest

from ostiary.testing import TEST_ISSUER, CodeFlow, form_value, transaction_root
from tests.functional.admin_kit import Admin, add_admin_clients, token_of
from tests.plugins.totp.test_totp_console import SECTION, _set_up


@pytest.fixture
def ostiary_settings(ostiary_settings):
    return {**ostiary_settings, "ostiary.plugins": "admin_console totp recovery_codes"}


def _alice_with_factors(ostiary_app) -> tuple[webtest.TestApp, str]:
    """A browser of alice's that set up an app and recovery codes; her subject."""
    browser = webtest.TestApp(ostiary_app, extra_environ={"HTTP_HOST": "localhost"})
    _, done = _set_up(browser)
    codes = browser.post("/account/recovery-codes", {"csrf_token": form_value(done.text, "csrf_token")})
    assert codes.status_int == 200
    with transaction_root(ostiary_app) as root:
        subject = root.users.by_username["alice"]
    return browser, subject


def _asks_for_a_factor(ostiary_app) -> bool:
    flow = CodeFlow(webtest.TestApp(ostiary_app, extra_environ={"HTTP_HOST": "localhost"}))
    return "/account/login/step" in flow.login(flow.authorize()).location


def test_an_administrator_resets_a_persons_factors_in_the_console(admin_app, ostiary_app):
    _, subject = _alice_with_factors(ostiary_app)
    assert _asks_for_a_factor(ostiary_app)
    page = admin_app.get(f"/admin/users/{subject}")
    assert "totp" in page.text and "recovery_code" in page.text and "Reset factors" in page.text
    confirm = admin_app.get(f"/admin/users/{subject}/factors")
    assert "Reset the second factors of alice?" in confirm.text
    # CSRF and a recent sign-in, as for every destructive action
    admin_app.post(f"/admin/users/{subject}/factors", {}, status=400)
    done = admin_app.post(f"/admin/users/{subject}/factors", {"csrf_token": form_value(confirm.text, "csrf_token")})
    assert done.status_int == 303
    shown = admin_app.get(done.location.removeprefix(TEST_ISSUER))
    assert "The user's second factors were reset." in html.unescape(shown.text)
    assert "No second factor enrolled." in shown.text
    assert not _asks_for_a_factor(ostiary_app)
    with transaction_root(ostiary_app) as root:
        events = [e for e in root.audit.query(type="admin.changed") if e.details.get("action") == "factors_reset"]
    assert [(e.subject, e.details["methods"]) for e in events] == [(subject, "totp recovery_code")]


def test_the_reset_needs_a_recent_sign_in(admin_app, ostiary_app):
    _, subject = _alice_with_factors(ostiary_app)
    with transaction_root(ostiary_app) as root:
        for session in list(root.sessions.by_cookie.values()):
            session.auth_time -= 3600
    confirm = admin_app.get(f"/admin/users/{subject}/factors")
    refused = admin_app.post(
        f"/admin/users/{subject}/factors", {"csrf_token": form_value(confirm.text, "csrf_token")}, status=303
    )
    # to the login page, and back to this page afterwards
    assert "/account/login" in refused.location and "returnUrl=%2Fadmin%2Fusers%2F" in refused.location
    assert _asks_for_a_factor(ostiary_app)


def test_the_admin_api_resets_factors_and_a_reader_cannot(app, ostiary_app):
    browser, subject = _alice_with_factors(ostiary_app)
    add_admin_clients(ostiary_app)
    admin = Admin(app, token_of(app, "automation", "ostiary:admin"))
    reader = Admin(app, token_of(app, "reader", "ostiary:admin.read"))
    assert reader.call("GET", f"/users/{subject}", status=200).json["factors"] == ["totp", "recovery_code"]
    reader.call("DELETE", f"/users/{subject}/factors", status=403)
    admin.call("DELETE", "/users/nobody/factors", status=404)
    done = admin.call("DELETE", f"/users/{subject}/factors", status=200).json
    assert (done["reset"], done["kept"]) == (["totp", "recovery_code"], [])
    assert admin.call("GET", f"/users/{subject}", status=200).json["factors"] == []
    assert admin.call("DELETE", f"/users/{subject}/factors", status=200).json["reset"] == []
    assert not _asks_for_a_factor(ostiary_app)
    # Her console shows no app any more either.
    assert "No authenticator app is set up." in browser.get(SECTION).text


def test_removing_a_person_forgets_their_app_and_codes(app, ostiary_app):
    _, subject = _alice_with_factors(ostiary_app)
    add_admin_clients(ostiary_app)
    admin = Admin(app, token_of(app, "automation", "ostiary:admin"))
    admin.call("DELETE", f"/users/{subject}", status=200)
    with transaction_root(ostiary_app) as root:
        mapping = root._p_jar.root()
        assert subject not in mapping["ostiary_totp"].by_subject
        assert subject not in mapping["ostiary_recovery_codes"].by_subject
