"""The password-reset plugin's section of the account console: the way to
a new password for a signed-in person who no longer knows the current one."""

from __future__ import annotations

from ostiary.testing import form_value, transaction_root


def _sign_in(app):
    sent = app.get("/account", status=303)
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


def test_the_console_links_to_the_reset_for_a_person_with_an_email(app):
    _sign_in(app)
    home = app.get("/account")
    assert "Forgotten password" in home.text and 'href="/account/password/forgot"' in home.text
    assert app.get("/account/password/forgot").status_int == 200


def test_no_link_for_a_person_without_an_email(app, ostiary_app):
    with transaction_root(ostiary_app) as root:
        root.users.set_email(root.users.by_login("alice"), None)
    _sign_in(app)
    assert "Forgotten password" not in app.get("/account").text
