"""A known email address takes as long to answer as a new one."""

import statistics
import time

import pytest

GOOD = "correct horse battery staple"


@pytest.fixture
def ostiary_settings(ostiary_settings):
    """A password hash that costs measurable time, as in production."""
    ostiary_settings.update({"ostiary.argon2_time_cost": "3", "ostiary.argon2_memory_cost": "32768"})
    return ostiary_settings


def _median_seconds(accounts, emails):
    times = []
    for number, email in enumerate(emails):
        page = accounts.app.get("/account/register")
        started = time.perf_counter()
        accounts.submit(page, "/account/register", username=f"user{number}{len(email)}", email=email, password=GOOD)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_registering_with_a_known_address_takes_as_long_as_with_a_new_one(accounts):
    new = _median_seconds(accounts, [f"new{number}@example.org" for number in range(3)])
    known = _median_seconds(accounts, ["alice@example.org"] * 3)
    assert known > new * 0.6
