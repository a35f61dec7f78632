"""The request page: the same answer for every address, a link by mail, limits."""

import hashlib

import pytest

from ostiary.testing import TEST_ISSUER, form_value

FORGOT = "/account/password/forgot"
RESET = "/account/password/reset"


def ask(accounts, email, status=200, return_url=""):
    page = accounts.app.get(FORGOT, params={"returnUrl": return_url} if return_url else {})
    return accounts.submit(page, FORGOT, status=status, email=email)


def test_login_page_links_to_password_reset_keeping_the_return_url(app, flow):
    login = app.get(flow.authorize().location)
    page = app.get(login.html.find("a", string="Forgot your password?")["href"])
    assert form_value(page.text, "returnUrl") == form_value(login.text, "returnUrl")
    assert page.html.find("label", attrs={"for": "email"}) is not None


def test_known_and_unknown_addresses_get_the_same_answer(accounts):
    known = ask(accounts, "alice@example.org")
    unknown = ask(accounts, "nobody@example.org")
    assert known.status_int == unknown.status_int == 200
    assert known.text == unknown.text
    assert sorted(known.headers.keys()) == sorted(unknown.headers.keys())
    assert "If an account uses this address" in known.text
    assert len(accounts.outbox) == 1


def test_a_username_that_is_not_an_address_gets_no_mail(accounts):
    ask(accounts, "alice", status=400)
    assert accounts.outbox == []


def test_the_reset_mail(accounts):
    ask(accounts, "ALICE@example.org")
    [message] = accounts.outbox
    assert message.recipients == ["alice@example.org"]
    assert message.subject == "Reset your password"
    assert "Hello alice," in message.body.data
    assert "for 60 minutes" in message.body.data
    assert f"{TEST_ISSUER}{RESET}?token=" in message.body.data


def test_the_link_is_built_on_the_issuer_not_on_the_host_header(accounts):
    accounts.app.extra_environ["HTTP_HOST"] = "evil.example"
    ask(accounts, "alice@example.org")
    assert "evil.example" not in accounts.outbox[0].body.data


def test_only_a_digest_of_the_token_is_stored(accounts):
    ask(accounts, "alice@example.org")
    token = accounts.link(RESET).split("token=")[1]
    with accounts.data("ostiary_password_reset") as data:
        assert list(data.tokens.tokens.keys()) == [hashlib.sha256(token.encode()).hexdigest()]


@pytest.mark.parametrize("email", ["", "alice@", "alice@example.org\r\nBcc: eve@example.org"])
def test_a_malformed_address_is_refused(accounts, email):
    page = ask(accounts, email, status=400)
    assert 'aria-describedby="email-error"' in page.text
    assert accounts.outbox == []


def test_a_post_without_csrf_token_is_refused(app, outbox):
    app.get(FORGOT)
    app.post(FORGOT, {"email": "alice@example.org"}, status=400)
    assert outbox == []


@pytest.mark.parametrize("return_url", ["https://evil.example/", "//evil.example/connect/authorize", "/account/login"])
def test_an_invalid_return_url_is_refused(app, accounts, return_url):
    assert "/error?errorId=" in app.get(FORGOT, params={"returnUrl": return_url}, status=303).location
    page = app.get(FORGOT)
    posted = app.post(
        FORGOT,
        {"csrf_token": form_value(page.text, "csrf_token"), "returnUrl": return_url, "email": "alice@example.org"},
        status=303,
    )
    assert "/error?errorId=" in posted.location
    assert accounts.outbox == []
