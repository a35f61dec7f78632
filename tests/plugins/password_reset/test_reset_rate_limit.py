"""Reset requests are limited per client address, and reset mails per
address, with counters kept in the database."""

import pytest

FORGOT = "/account/password/forgot"


def ask(accounts, email, status=200):
    page = accounts.app.get(FORGOT)
    return accounts.submit(page, FORGOT, status=status, email=email)


@pytest.fixture
def ostiary_settings(ostiary_settings):
    ostiary_settings.update({"password_reset.rate_limit": "4", "password_reset.mails_per_address": "2"})
    return ostiary_settings


def test_requests_are_rate_limited_per_client_address(accounts):
    for email in ("nobody@example.org", "alice@example.org", "x@example.org", "y@example.org"):
        ask(accounts, email)
    refused = ask(accounts, "alice@example.org", status=429)
    assert "Too many requests" in refused.text
    accounts.app.extra_environ["REMOTE_ADDR"] = "192.0.2.8"
    ask(accounts, "alice@example.org")
    assert len(accounts.outbox) == 2


def test_mails_to_one_address_are_limited_without_saying_so(accounts):
    answers = set()
    for number in range(4):
        accounts.app.extra_environ["REMOTE_ADDR"] = f"192.0.2.{number}"  # from many places
        answers.add(ask(accounts, "alice@example.org").text)
    assert len(answers) == 1
    assert len(accounts.outbox) == 2
