"""The account console's core sections through real requests: profile,
email, password, download, delete, each with its refusals and CSRF, and a
read-only user store that hides what it cannot do (issue 12)."""

from __future__ import annotations

import json
import re

import pytest
from account_helpers import age_sign_in, sign_in, subject_of
from pyramid_mailer.interfaces import IMailer

from ostiary.plugin import hookimpl
from ostiary.testing import form_value, transaction_root

NEW_PASSWORD = "correct horse battery staple"


@pytest.fixture
def ostiary_settings(ostiary_settings):
    ostiary_settings["pyramid.includes"] = "pyramid_mailer.testing"
    return ostiary_settings


@pytest.fixture
def outbox(ostiary_app):
    return ostiary_app.registry.getUtility(IMailer).outbox


def post_form(app, path, status=None, **fields):
    page = app.get(path)
    return app.post(path, {"csrf_token": form_value(page.text, "csrf_token"), **fields}, status=status)


def user_row(app, username="alice"):
    with transaction_root(app.app) as root:
        user = root.users.by_login(username)
        return None if user is None else (user.email, dict(user.claims), user.password_hash)


# -- profile ---------------------------------------------------------------------


def test_a_profile_change_reaches_the_next_id_token_and_userinfo(app, flow):
    sign_in(app, "/account/profile")
    post_form(app, "/account/profile", status=303, name="Alice Pleasance", locale="en-GB", zoneinfo="Europe/London")
    assert "Your profile was saved." in app.get("/account/profile?saved=1").text
    tokens = flow.exchange(flow.code(scope="openid profile")["code"]).json
    userinfo = app.get("/connect/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json
    assert userinfo["name"] == "Alice Pleasance" and userinfo["zoneinfo"] == "Europe/London"


def test_a_cleared_claim_goes_and_bad_values_are_refused(app):
    sign_in(app, "/account/profile")
    refused = post_form(
        app, "/account/profile", status=400, name="Alice", picture="http://x.example/a.png", zoneinfo="Mars/Olympus"
    )
    assert "Enter an https:// address." in refused.text and "Enter a time zone" in refused.text
    assert user_row(app)[1]["name"] == "Alice Liddell"  # nothing written
    post_form(app, "/account/profile", status=303, name="", given_name="Alice", family_name="Liddell")
    assert "name" not in user_row(app)[1]


# -- password --------------------------------------------------------------------


def test_password_change_needs_the_current_password(app):
    sign_in(app, "/account/password")
    wrong = post_form(
        app,
        "/account/password",
        status=400,
        current_password="nope",
        new_password=NEW_PASSWORD,
        new_password_again=NEW_PASSWORD,
    )
    assert "Your current password is not right." in wrong.text


def test_password_change_applies_the_policy(app):
    sign_in(app, "/account/password")
    weak = post_form(
        app,
        "/account/password",
        status=400,
        current_password="alice-password",
        new_password="password2024!",
        new_password_again="password2024!",
    )
    assert "too common" in weak.text
    plugin_rule = post_form(
        app,
        "/account/password",
        status=400,
        current_password="alice-password",
        new_password="i love ostiary so much",
        new_password_again="i love ostiary so much",
    )
    assert "No passwords about Ostiary, please." in plugin_rule.text


def test_password_change_can_end_the_other_sessions(app, ostiary_app):
    import webtest

    other = webtest.TestApp(ostiary_app, extra_environ={"HTTP_HOST": "localhost"})
    sign_in(other, "/account")
    sign_in(app, "/account/password")
    post_form(
        app,
        "/account/password",
        status=303,
        current_password="alice-password",
        new_password=NEW_PASSWORD,
        new_password_again=NEW_PASSWORD,
        sign_out_others="yes",
    )
    assert app.get("/account").status_int == 200  # this session stays
    assert other.get("/account", status=303)  # the other one ended
    with transaction_root(ostiary_app) as root:
        assert ostiary_app.registry.ostiary_passwords.verify(root.users.by_login("alice").password_hash, NEW_PASSWORD)


def test_a_user_without_a_password_sets_one_without_a_current_one(app, ostiary_app):
    with transaction_root(ostiary_app) as root:
        root.users.by_login("alice").password_hash = None
        cookie_subject = root.users.by_login("alice").subject
    # signed in the way an external login would: a session for the subject
    from ostiary.models.sessions import SSOSession

    with transaction_root(ostiary_app) as root:
        cookie = root.sessions.start(SSOSession(cookie_subject, 3600, amr=("ext",), idp="corp"))
    app.set_cookie("ostiary_session", cookie)
    page = app.get("/account/password")
    assert 'name="current_password"' not in page.text
    post_form(app, "/account/password", status=303, new_password=NEW_PASSWORD, new_password_again=NEW_PASSWORD)
    assert user_row(app)[2] is not None


def test_a_stale_sign_in_is_sent_to_sign_in_again_before_a_password_change(app):
    sign_in(app, "/account/password")
    page = app.get("/account/password")
    age_sign_in(app)
    sent = app.post(
        "/account/password",
        {
            "csrf_token": form_value(page.text, "csrf_token"),
            "current_password": "alice-password",
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
        status=303,
    )
    assert "/account/login" in sent.location and "returnUrl=%2Faccount%2Fpassword" in sent.location
    assert not app.app.registry.ostiary_passwords.verify(user_row(app)[2], NEW_PASSWORD)


# -- email -----------------------------------------------------------------------


def _link(message) -> str:
    return re.search(r"http://localhost(/account/email/confirm\?token=[\w-]+)", message.body).group(1)


def test_an_email_change_happens_only_through_the_single_use_link(app, outbox):
    sign_in(app, "/account/email")
    post_form(app, "/account/email", status=303, email="alice@new.example")
    assert user_row(app)[0] == "alice@example.org"  # not yet
    (mail,) = outbox
    assert mail.recipients == ["alice@new.example"]
    link = _link(mail)
    assert "Your email address was changed." in app.get(link).text
    email, claims, _ = user_row(app)
    assert email == "alice@new.example" and claims["email_verified"] is True
    assert CALLS == [("set_email", "alice@new.example", True)]
    assert outbox[-1].recipients == ["alice@example.org"]  # the notice to the old address
    again = app.get(link, status=400)
    assert "This link is not valid any more." in again.text


def test_an_email_of_another_account_or_nonsense_is_refused(app, outbox):
    sign_in(app, "/account/email")
    assert "Enter a valid email address." in post_form(app, "/account/email", status=400, email="not-an-address").text
    assert not outbox


def test_the_email_section_is_hidden_without_a_mailer(ostiary_app, app):
    ostiary_app.registry.unregisterUtility(provided=IMailer)
    sign_in(app)
    assert "/account/email" not in app.get("/account").text


# -- download --------------------------------------------------------------------


def test_download_my_data_is_json_with_profile_consents_and_plugin_parts(app, flow):
    flow.code(scope="openid profile")
    response = app.get("/account/export")
    assert response.content_type == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.text)
    assert data["profile"]["username"] == "alice"
    assert [c["client_id"] for c in data["consents"]] == ["demo-rp"]
    assert data["badges"] == ["gold"]  # the test plugin's part


# -- delete ----------------------------------------------------------------------


def test_deletion_without_confirmation_is_refused(app):
    sign_in(app, "/account/delete")
    refused = post_form(app, "/account/delete", status=400)
    assert "Tick the box" in refused.text
    assert user_row(app) is not None


def test_deletion_removes_the_user_sessions_tokens_consents_and_plugin_data(app, flow, ostiary_app, logout_receiver):
    subject = subject_of(app)
    with transaction_root(ostiary_app) as root:
        root.federation.add_link("corp", "upstream-alice", subject)
    tokens = flow.exchange(flow.code(scope="openid offline_access")["code"]).json
    with transaction_root(ostiary_app) as root:
        root.clients.get("demo-rp").backchannel_logout_uri = logout_receiver.url
    post_form(app, "/account/delete", status=303, confirm="yes")
    assert user_row(app) is None
    assert DELETED == [subject] and CALLS == [("delete_user", subject)]
    assert logout_receiver.wait_tokens(1)  # the client heard of the ended session
    with transaction_root(ostiary_app) as root:
        assert not list(root.grants.consents_of(subject)) and not root.sessions.of_subject(subject)
        assert root.federation.links_of(subject) == []
    app.authorization = ("Basic", ("demo-rp", "demo-secret"))
    refreshed = app.post(
        "/connect/token", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, expect_errors=True
    )
    assert refreshed.json["error"] == "invalid_grant"


# -- CSRF on every form ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/account/profile", "/account/email", "/account/password", "/account/delete"])
def test_every_console_form_needs_its_csrf_token(app, path):
    sign_in(app, path)
    assert app.post(path, {"confirm": "yes", "email": "x@y.example"}, expect_errors=True).status_int == 400
    assert user_row(app) is not None


# -- the plugins taking part ------------------------------------------------------

DELETED: list[str] = []
CALLS: list[tuple] = []


class TakingPart:
    """A plugin with data of its own about people: exported and deleted with them."""

    @hookimpl
    def ostiary_account_export(self, request, subject):
        return {"badges": ["gold"]}

    @hookimpl
    def ostiary_account_deleted(self, request, subject):
        DELETED.append(subject)

    @hookimpl
    def ostiary_password_problem(self, request, password, username, email):
        return "No passwords about Ostiary, please." if "ostiary" in password.casefold() else None

    @hookimpl
    def ostiary_set_email(self, request, subject, email, verified):
        CALLS.append(("set_email", email, verified))  # None: the built-in store goes on

    @hookimpl
    def ostiary_delete_user(self, request, subject):
        CALLS.append(("delete_user", subject))


@pytest.fixture
def ostiary_plugins(ostiary_plugins):
    DELETED.clear()
    CALLS.clear()
    return [*ostiary_plugins, ("taking-part", TakingPart())]
