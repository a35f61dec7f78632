# ruff: noqa: F811  (the fixtures imported from test_signin are parameters here)
"""The account console on the ASP.NET Identity store, through the same
user-store hooks as the built-in one: the rows change as ASP.NET Core
Identity would change them (issue 12)."""

from __future__ import annotations

import re

import pytest
from pyramid_mailer.interfaces import IMailer

from ostiary.testing import form_value

from .identity_db import VECTOR_PASSWORD
from .test_signin import SCOPE, alice, app, aspnet_db, ostiary_settings, sign_in, userinfo  # noqa: F401 (fixtures)

NEW_PASSWORD = "correct horse battery staple"


@pytest.fixture
def extra_settings():
    return {"pyramid.includes": "pyramid_mailer.testing"}


def console_sign_in(app, path):
    sent = app.get(path, status=303)
    page = app.get(sent.location)
    return app.post(
        "/account/login",
        {
            "csrf_token": form_value(page.text, "csrf_token"),
            "returnUrl": form_value(page.text, "returnUrl"),
            "username": "alice",
            "password": VECTOR_PASSWORD,
        },
        status=303,
    )


def post_form(app, path, status=None, **fields):
    page = app.get(path)
    assert page.status_int == 200, (page.status, page.location)
    return app.post(path, {"csrf_token": form_value(page.text, "csrf_token"), **fields}, status=status)


def test_a_password_change_writes_a_v3_hash_and_a_new_security_stamp(app, aspnet_db, alice):
    before = aspnet_db.user(alice)
    console_sign_in(app, "/account/password")
    post_form(
        app,
        "/account/password",
        status=303,
        current_password=VECTOR_PASSWORD,
        new_password=NEW_PASSWORD,
        new_password_again=NEW_PASSWORD,
    )
    after = aspnet_db.user(alice)
    assert after["PasswordHash"].startswith("AQAAAA") and after["PasswordHash"] != before["PasswordHash"]
    assert after["SecurityStamp"] != before["SecurityStamp"]
    assert app.get("/account").status_int == 200  # this session carries on under the new stamp
    app.reset()
    assert sign_in(app, password=NEW_PASSWORD)["access_token"]


def test_a_wrong_current_password_counts_as_asp_net_does(app, aspnet_db, alice):
    console_sign_in(app, "/account/password")
    post_form(
        app,
        "/account/password",
        status=400,
        current_password="nope",
        new_password=NEW_PASSWORD,
        new_password_again=NEW_PASSWORD,
    )
    assert aspnet_db.user(alice)["AccessFailedCount"] == 1


def test_an_email_change_writes_email_normalized_email_and_confirmed(app, ostiary_app, aspnet_db, alice):
    console_sign_in(app, "/account/email")
    post_form(app, "/account/email", status=303, email="Alice@New.Example")
    assert aspnet_db.user(alice)["Email"] == "alice@example.org"  # only after the link
    (mail,) = ostiary_app.registry.getUtility(IMailer).outbox
    app.get(re.search(r"http://localhost(/account/email/confirm\?token=[\w-]+)", mail.body).group(1))
    row = aspnet_db.user(alice)
    assert (row["Email"], row["NormalizedEmail"], bool(row["EmailConfirmed"])) == (
        "Alice@New.Example",
        "ALICE@NEW.EXAMPLE",
        True,
    )


def test_profile_claims_go_into_asp_net_user_claims_and_reach_userinfo(app, aspnet_db, alice):
    console_sign_in(app, "/account/profile")
    post_form(app, "/account/profile", status=303, given_name="Alicia", locale="de-DE")
    tokens = sign_in(app)
    info = userinfo(app, tokens["access_token"]).json
    assert info["given_name"] == "Alicia" and info["locale"] == "de-DE"


def test_deleting_the_account_removes_the_user_row(app, aspnet_db, alice):
    console_sign_in(app, "/account/delete")
    post_form(app, "/account/delete", status=303, confirm="yes")
    assert aspnet_db.execute('SELECT COUNT(*) FROM "AspNetUsers" WHERE "Id" = :i', i=alice).scalar() == 0
