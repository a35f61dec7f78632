"""The registration page: what is refused, what is mailed, and the limits."""

import hashlib
import re

import pytest

from ostiary.testing import TEST_ISSUER, form_value, transaction_root

GOOD = "correct horse battery staple"


def field_error(page, field) -> str:
    """The error tied to input ``field`` through aria-describedby."""
    tag = re.search(rf'<input id="{field}"[^>]*>', page.text).group(0)
    assert 'aria-invalid="true"' in tag
    described = re.search(r'aria-describedby="([^"]*)"', tag).group(1).split()
    assert f"{field}-error" in described
    return re.search(rf'id="{field}-error"[^>]*>([^<]*)<', page.text).group(1)


def test_login_page_links_to_registration_keeping_the_return_url(app, flow):
    login = app.get(flow.authorize().location)
    return_url = form_value(login.text, "returnUrl")
    link = login.html.find("a", string="Create an account")
    page = app.get(link["href"])
    assert form_value(page.text, "returnUrl") == return_url
    assert "Demo application" in page.text


def test_every_input_has_a_label(app):
    page = app.get("/account/register")
    for field in ("username", "email", "password"):
        assert page.html.find("label", attrs={"for": field}) is not None
        assert page.html.find("input", id=field) is not None
    assert page.headers["Cache-Control"] == "no-store"


def test_short_password_is_refused(accounts):
    page = accounts.register(password="short", status=400)
    assert field_error(page, "password") == "Use at least 10 characters."
    assert 'aria-describedby="password-hint password-error"' in page.text
    assert accounts.outbox == []


@pytest.mark.parametrize("password", ["1234567890", "QwertyUIOP", "Baseball2024!", "password123"])
def test_common_password_is_refused(accounts, password):
    page = accounts.register(password=password, status=400)
    assert "too common" in field_error(page, "password")


@pytest.mark.parametrize("password", ["RobertSmith42", "robertsmith42@example.org", "robertsmith42"])
def test_password_equal_to_username_or_email_is_refused(accounts, password):
    page = accounts.register(username="robertsmith42", email="robertsmith42@example.org", password=password, status=400)
    assert field_error(page, "password") == "The password must not be your username or email address."


@pytest.mark.parametrize("username", ["alice", "ALICE"])
def test_duplicate_username_is_refused(accounts, username):
    page = accounts.register(username=username, status=400)
    assert field_error(page, "username") == "This username is taken. Please choose another one."
    assert 'value="bob@example.org"' in page.text  # what was typed stays


@pytest.mark.parametrize("email", ["alice@example.org", "Alice@Example.ORG"])
def test_a_known_email_gets_the_answer_a_new_one_gets(accounts, email):
    known = accounts.register(username="bob", email=email)
    new = accounts.register(username="carol", email="carol@example.org")
    assert known.status_int == new.status_int == 200
    assert known.text == new.text and "Check your email" in known.text


def test_the_owner_of_a_known_email_is_told_by_mail_and_no_account_is_made(accounts, ostiary_app):
    accounts.register(username="bob", email="Alice@Example.ORG")
    [message] = accounts.outbox
    assert message.recipients == ["alice@example.org"]
    assert message.subject == "Someone tried to register with your email address"
    assert "Hello alice," in message.body.data and "No new account was created." in message.body.data
    with transaction_root(ostiary_app) as root:
        assert root.users.by_login("bob") is None


def test_owner_mails_are_limited_per_address(accounts):
    for number in range(5):
        accounts.register(username=f"bob{number}", email="alice@example.org")
    assert len(accounts.outbox) == 3


@pytest.mark.parametrize("username", ["ab", "-bob", "bob smith", "x" * 65])
def test_malformed_username_is_refused(accounts, username):
    assert "letters, digits" in field_error(accounts.register(username=username, status=400), "username")


@pytest.mark.parametrize("email", ["bob", "bob@localhost", "bob@example.org, eve@example.org", "a b@example.org"])
def test_malformed_email_is_refused(accounts, email):
    assert "name@example.org" in field_error(accounts.register(email=email, status=400), "email")


def test_a_post_without_csrf_token_is_refused(app, outbox):
    app.get("/account/register")
    app.post("/account/register", {"username": "bob", "email": "bob@example.org", "password": GOOD}, status=400)
    assert outbox == []


@pytest.mark.parametrize(
    "return_url",
    [
        "https://evil.example/connect/authorize",
        "//evil.example/connect/authorize",
        "/account/logout",
        "/connect/authorize?client_id=nobody&redirect_uri=http://127.0.0.1:9999/cb",
    ],
)
def test_an_invalid_return_url_is_refused(app, accounts, return_url):
    response = app.get("/account/register", params={"returnUrl": return_url}, status=303)
    assert "/error?errorId=" in response.location
    page = app.get("/account/register")
    posted = app.post(
        "/account/register",
        {
            "csrf_token": form_value(page.text, "csrf_token"),
            "returnUrl": return_url,
            "username": "bob",
            "email": "bob@example.org",
            "password": GOOD,
        },
        status=303,
    )
    assert "/error?errorId=" in posted.location
    assert accounts.outbox == []
    assert accounts.login("bob", GOOD).status_int == 200  # no such account


def test_registration_mails_a_confirmation_link(accounts):
    page = accounts.register()
    assert "Check your email" in page.text
    [message] = accounts.outbox
    assert message.recipients == ["bob@example.org"]
    assert message.subject == "Confirm your email address"
    assert message.sender == "no-reply@localhost"
    assert "Hello bob," in message.body.data
    assert "for 24 hours" in message.body.data
    assert GOOD not in message.body.data
    assert accounts.link("/account/register/verify").startswith("/account/register/verify?token=")
    assert f"{TEST_ISSUER}/account/register/verify?token=" in message.body.data


def test_the_mail_is_plain_text_with_the_link_readable_as_it_is(accounts):
    accounts.register()
    raw = str(accounts.outbox[0].to_message())
    assert "Content-Type: text/plain" in raw
    assert "Content-Transfer-Encoding: 7bit" in raw
    assert TEST_ISSUER + accounts.link("/account/register/verify") in raw


def test_the_link_is_built_on_the_issuer_not_on_the_host_header(accounts):
    accounts.app.extra_environ["HTTP_HOST"] = "evil.example"
    accounts.register()
    assert "evil.example" not in accounts.outbox[0].body.data
    assert f"{TEST_ISSUER}/account/register/verify?token=" in accounts.outbox[0].body.data


def test_the_account_cannot_sign_in_before_it_is_confirmed(accounts):
    accounts.register()
    failed = accounts.login("bob", GOOD, status=200)
    assert "Invalid username or password." in failed.text


def test_only_a_digest_of_the_token_is_stored(accounts):
    accounts.register()
    token = accounts.link("/account/register/verify").split("token=")[1]
    with accounts.data("ostiary_registration") as data:
        keys = list(data.tokens.tokens.keys())
        assert keys == [hashlib.sha256(token.encode()).hexdigest()]
        assert token not in keys
        assert len(data.unverified) == 1
