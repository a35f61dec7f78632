"""The reset page: the password policy, single-use expiring links, and
revocation of every session and refresh token afterwards."""

import pytest
import webtest

from ostiary.testing import TEST_ISSUER, form_value

GOOD = "correct horse battery staple"
FORGOT = "/account/password/forgot"
RESET = "/account/password/reset"


def mail_link(accounts, email="alice@example.org", return_url=""):
    page = accounts.app.get(FORGOT, params={"returnUrl": return_url} if return_url else {})
    accounts.submit(page, FORGOT, email=email)
    return accounts.link(RESET)


def reset(accounts, link, password=GOOD, status=200):
    page = accounts.app.get(link)
    return accounts.submit(page, RESET, status=status, token=form_value(page.text, "token"), password=password)


def test_the_new_password_signs_in_and_the_old_one_does_not(accounts):
    done = reset(accounts, mail_link(accounts))
    assert "Password changed" in done.text
    assert accounts.login("alice", "alice-password").status_int == 200
    assert accounts.login("alice", GOOD).status_int == 303


def test_the_reset_form_names_the_account_and_labels_its_input(accounts):
    page = accounts.app.get(mail_link(accounts))
    assert "alice" in page.html.find("strong").text
    assert page.html.find("label", attrs={"for": "password"}) is not None


@pytest.mark.parametrize(
    "password, message",
    [
        ("short", "Use at least 10 characters."),
        ("1234567890", "This password is too common. Choose one that is harder to guess."),
        ("Sunshine2024!", "This password is too common. Choose one that is harder to guess."),
        ("alice@example.org", "The password must not be your username or email address."),
    ],
)
def test_the_password_policy_applies(accounts, password, message):
    link = mail_link(accounts)
    refused = reset(accounts, link, password=password, status=400)
    assert f'<p id="password-error" class="alert field-error">{message}</p>' in refused.text
    assert 'aria-describedby="password-hint password-error"' in refused.text
    reset(accounts, link)  # a refused password does not spend the link


def test_the_link_works_once(accounts):
    link = mail_link(accounts)
    page = accounts.app.get(link)
    reset(accounts, link)
    again = accounts.submit(page, RESET, status=400, token=form_value(page.text, "token"), password=GOOD + "!")
    assert "This link does not work" in again.text
    accounts.app.get(link, status=400)


def test_an_expired_link_is_refused(accounts):
    link = mail_link(accounts)
    page = accounts.app.get(link)
    accounts.expire_links("ostiary_password_reset")
    accounts.app.get(link, status=400)
    accounts.submit(page, RESET, status=400, token=form_value(page.text, "token"), password=GOOD)
    assert accounts.login("alice", "alice-password").status_int == 303


@pytest.mark.parametrize("token", ["", "garbage", "a" * 43, "x" * 300])
def test_a_garbage_token_is_refused(accounts, token):
    mail_link(accounts)
    assert "This link does not work" in accounts.app.get(RESET, params={"token": token}, status=400).text
    page = accounts.app.get(FORGOT)
    accounts.submit(page, RESET, status=400, token=token, password=GOOD)


def test_a_newer_link_replaces_the_older_one(accounts):
    old = mail_link(accounts)
    new = mail_link(accounts)
    accounts.app.get(old, status=400)
    reset(accounts, new)


def test_a_reset_post_needs_the_csrf_token(accounts):
    link = mail_link(accounts)
    accounts.app.post(RESET, {"token": link.split("token=")[1], "password": GOOD}, status=400)
    assert accounts.login("alice", "alice-password").status_int == 303


def test_a_notice_is_mailed_after_the_change(accounts):
    reset(accounts, mail_link(accounts))
    notice = accounts.outbox[-1]
    assert notice.subject == "Your password was changed"
    assert notice.recipients == ["alice@example.org"]


def with_client(app, path, form):
    app.authorization = ("Basic", ("demo-rp", "demo-secret"))
    try:
        return app.post(path, form, expect_errors=True)
    finally:
        app.authorization = None


def refresh(app, refresh_token):
    return with_client(app, "/connect/token", {"grant_type": "refresh_token", "refresh_token": refresh_token})


def is_active(app, token):
    return with_client(app, "/connect/introspect", {"token": token}).json["active"]


def test_a_reset_revokes_every_session_and_refresh_token(app, flow, accounts, ostiary_app):
    tokens = flow.exchange(flow.code(scope="openid offline_access")["code"]).json
    rotated = refresh(app, tokens["refresh_token"])
    assert rotated.status_int == 200
    before = rotated.json["refresh_token"]  # a live refresh token from before the reset
    assert is_active(app, before)
    phone = webtest.TestApp(ostiary_app, extra_environ={"HTTP_HOST": "localhost"})  # another device
    on_phone = type(accounts)(phone, ostiary_app, accounts.outbox)
    reset(on_phone, mail_link(on_phone))
    assert not is_active(app, before)
    rejected = refresh(app, before)
    assert rejected.status_int == 400
    assert rejected.json["error"] == "invalid_grant"
    # the browser's SSO session is gone too: a silent authorize needs a sign-in
    assert "error=login_required" in flow.authorize(prompt="none").location


def test_without_a_reset_the_session_and_refresh_token_live_on(app, flow, accounts):
    tokens = flow.exchange(flow.code(scope="openid offline_access")["code"]).json
    mail_link(accounts)  # asking for a link changes nothing yet
    assert refresh(app, tokens["refresh_token"]).status_int == 200
    assert "code=" in flow.authorize(prompt="none", scope="openid").location


def test_after_the_reset_the_person_returns_to_the_authorization_request(app, flow, accounts):
    login = app.get(flow.authorize().location)
    return_url = form_value(login.text, "returnUrl")
    forgot = app.get(login.html.find("a", string="Forgot your password?")["href"])
    accounts.submit(forgot, FORGOT, email="alice@example.org")
    done = reset(accounts, accounts.link(RESET))
    sign_in = app.get(done.html.find("a", string="Sign in")["href"])
    assert form_value(sign_in.text, "returnUrl") == return_url
    signed_in = accounts.submit(sign_in, "/account/login", username="alice", password=GOOD, action="login")
    assert signed_in.location == TEST_ISSUER + return_url
    params = flow.follow_to_client(signed_in)
    assert flow.exchange(params["code"]).status_int == 200


def test_a_reset_confirms_an_unconfirmed_registration(accounts):
    accounts.register()  # bob never opens the confirmation link
    assert accounts.login("bob", GOOD).status_int == 200
    reset(accounts, mail_link(accounts, "bob@example.org"), password=GOOD + " again")
    assert accounts.login("bob", GOOD + " again").status_int == 303
