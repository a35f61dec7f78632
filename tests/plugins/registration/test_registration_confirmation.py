"""The mailed confirmation link: signs the person in and resumes the
authorization request; works once, expires, and nothing else opens it."""

import pytest

from ostiary.testing import TEST_ISSUER, form_value

GOOD = "correct horse battery staple"
VERIFY = "/account/register/verify"


def test_register_confirm_and_finish_the_code_flow(app, flow, accounts, outbox):
    """The whole story: authorize -> login page -> register -> mail -> confirm
    -> signed in and back at authorize -> consent -> code -> tokens."""
    login = app.get(flow.authorize().location)
    register = app.get(login.html.find("a", string="Create an account")["href"])
    accounts.submit(register, "/account/register", username="bob", email="bob@example.org", password=GOOD)
    confirmed = accounts.confirm(accounts.link(VERIFY))
    assert confirmed.location == TEST_ISSUER + form_value(login.text, "returnUrl")
    params = flow.follow_to_client(confirmed)
    tokens = flow.exchange(params["code"]).json
    info = app.get("/connect/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}).json
    assert info["preferred_username"] == "bob"
    assert info["email"] == "bob@example.org"
    assert info["email_verified"] is True


def test_after_confirmation_the_password_signs_in(accounts):
    accounts.register()
    accounts.confirm(accounts.link(VERIFY))
    accounts.app.reset()  # another browser
    assert accounts.login("bob", GOOD).status_int == 303


def test_email_is_not_verified_before_confirmation(accounts):
    accounts.register()
    with accounts.data("ostiary_registration") as data:
        [subject] = data.unverified.keys()
    from ostiary.testing import transaction_root

    with transaction_root(accounts.wsgi_app) as root:
        assert root.users.get(subject).claims["email_verified"] is False


def test_without_a_return_url_confirmation_ends_at_home(accounts):
    accounts.register()
    assert accounts.confirm(accounts.link(VERIFY)).location == TEST_ISSUER + "/"


def test_opening_the_link_does_not_spend_it(accounts):
    accounts.register()
    link = accounts.link(VERIFY)
    accounts.app.get(link)
    accounts.app.get(link)  # a mail scanner, then the person
    accounts.confirm(link)


def test_the_link_works_once(accounts):
    accounts.register()
    link = accounts.link(VERIFY)
    page = accounts.app.get(link)
    accounts.submit(page, VERIFY, token=form_value(page.text, "token"))
    # Confirming signed the person in, which renews the CSRF token: a form
    # of now carries it.
    fresh = accounts.app.get("/account/register/resend")
    again = accounts.submit(fresh, VERIFY, status=400, token=form_value(page.text, "token"))
    assert "This link does not work" in again.text
    accounts.app.get(link, status=400)


def test_an_expired_link_is_refused(accounts):
    accounts.register()
    link = accounts.link(VERIFY)
    page = accounts.app.get(link)
    accounts.expire_links("ostiary_registration")
    accounts.app.get(link, status=400)
    accounts.submit(page, VERIFY, status=400, token=form_value(page.text, "token"))
    assert accounts.login("bob", GOOD).status_int == 200  # still not confirmed


@pytest.mark.parametrize("token", ["", "garbage", "x" * 300])
def test_a_garbage_token_is_refused(accounts, token):
    accounts.register()
    assert "This link does not work" in accounts.app.get(VERIFY, params={"token": token}, status=400).text
    page = accounts.app.get("/account/register")
    accounts.submit(page, VERIFY, status=400, token=token)


def test_a_confirmation_post_needs_the_csrf_token(accounts):
    accounts.register()
    token = accounts.link(VERIFY).split("token=")[1]
    accounts.app.post(VERIFY, {"token": token}, status=400)
    accounts.confirm(accounts.link(VERIFY))  # the link still works


def test_resend_replaces_the_link(accounts):
    accounts.register()
    old = accounts.link(VERIFY)
    page = accounts.app.get("/account/register/resend")
    accounts.submit(page, "/account/register/resend", email="BOB@example.org")
    new = accounts.link(VERIFY)
    assert new != old and len(accounts.outbox) == 2
    accounts.app.get(old, status=400)
    accounts.confirm(new)


def test_resend_answers_the_same_whatever_the_address(accounts):
    accounts.register()
    page = accounts.app.get("/account/register/resend")
    answers = [
        accounts.submit(page, "/account/register/resend", email=email).text
        for email in ("bob@example.org", "nobody@example.org", "alice@example.org")
    ]
    assert answers[0] == answers[1] == answers[2]
    assert len(accounts.outbox) == 2  # the registration and bob's new link; alice is confirmed


def test_resend_keeps_the_return_url(app, flow, accounts):
    return_url = form_value(app.get(flow.authorize().location).text, "returnUrl")
    accounts.register(return_url=return_url)
    page = app.get("/account/register/resend", params={"returnUrl": return_url})
    accounts.submit(page, "/account/register/resend", email="bob@example.org")
    assert accounts.confirm(accounts.link(VERIFY)).location == TEST_ISSUER + return_url


def test_a_return_url_whose_client_was_removed_ends_at_home(app, flow, accounts):
    return_url = form_value(app.get(flow.authorize().location).text, "returnUrl")
    accounts.register(return_url=return_url)
    from ostiary.testing import transaction_root

    with transaction_root(accounts.wsgi_app) as root:
        root.clients.get("demo-rp").enabled = False
    assert accounts.confirm(accounts.link(VERIFY)).location == TEST_ISSUER + "/"
