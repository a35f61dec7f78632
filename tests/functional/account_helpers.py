"""Helpers for the account-console tests: signing in through the console's
own redirect, and ageing a sign-in past ``ostiary.account.reauthenticate_after``."""

from __future__ import annotations

from ostiary.testing import form_value, transaction_root


def sign_in(app, path="/account", username="alice", password="alice-password"):
    """Open ``path`` while signed out, sign in on the login page it sends to,
    and return the response of the login POST (the redirect back)."""
    sent = app.get(path, status=303)
    assert "/account/login" in sent.location
    page = app.get(sent.location)
    return app.post(
        "/account/login",
        {
            "csrf_token": form_value(page.text, "csrf_token"),
            "returnUrl": form_value(page.text, "returnUrl"),
            "username": username,
            "password": password,
            "action": "login",
        },
    )


def subject_of(app, username="alice") -> str:
    with transaction_root(getattr(app, "app", app)) as root:
        return root.users.by_login(username).subject


def age_sign_in(app, username="alice", seconds=3600):
    """Make every SSO session of ``username`` look signed in ``seconds`` ago."""
    with transaction_root(getattr(app, "app", app)) as root:
        for session in root.sessions.of_subject(root.users.by_login(username).subject):
            session.auth_time -= seconds
