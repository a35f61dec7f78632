"""Registration and resend requests are limited per client address, with
counters kept in the database."""

import pytest


@pytest.fixture
def ostiary_settings(ostiary_settings):
    ostiary_settings["registration.rate_limit"] = "3"
    return ostiary_settings


def test_registrations_are_rate_limited_per_client_address(accounts):
    for number in range(3):
        accounts.register(username=f"user{number}", email=f"user{number}@example.org")
    refused = accounts.register(username="user3", email="user3@example.org", status=429)
    assert "Too many attempts" in refused.text
    assert len(accounts.outbox) == 3
    accounts.app.extra_environ["REMOTE_ADDR"] = "192.0.2.7"
    accounts.register(username="user3", email="user3@example.org")
    assert len(accounts.outbox) == 4


def test_the_rate_limit_counts_in_the_database(accounts):
    accounts.register()
    with accounts.data("ostiary_registration") as data:
        assert [hits for _ends, hits in data.limits.counters.values()] == [1]


def test_refused_attempts_count_too_so_usernames_cannot_be_probed_freely(accounts):
    for _ in range(3):
        accounts.register(username="alice", status=400)
    accounts.register(username="carol", email="carol@example.org", status=429)
    assert accounts.outbox == []


def test_resend_requests_share_the_limit(accounts):
    accounts.register()
    page = accounts.app.get("/account/register/resend")
    for _ in range(2):
        accounts.submit(page, "/account/register/resend", email="bob@example.org")
    refused = accounts.submit(page, "/account/register/resend", status=429, email="bob@example.org")
    assert "Too many attempts" in refused.text
    assert len(accounts.outbox) == 3
