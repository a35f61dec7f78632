"""Failed sign-ins are throttled per client address, before any account locks."""

import re
import statistics
import time

import pytest
import webtest
from waitress.proxy_headers import proxy_headers_middleware

from ostiary.hookspecs import hookimpl
from ostiary.testing import DEMO, CodeFlow, base_settings, close_app, load_data, transaction_root

ATTACKER = "203.0.113.7"
FAILURE = "Invalid username or password."
#: More accounts, to spray one password across.
SPRAYED = [
    {"username": name, "password": f"{name}-password", "email": f"{name}@example.org", "claims": {}}
    for name in ("bob", "carol", "dave", "erin")
]


def browser(app, address=ATTACKER, wsgi=None):
    """A browser whose requests reach the application from ``address``."""
    return CodeFlow(webtest.TestApp(wsgi or app, extra_environ={"REMOTE_ADDR": address}))


def fail(flow, times, username="alice"):
    for _ in range(times):
        assert FAILURE in flow.login(flow.authorize(), username=username, password="wrong").text


def signs_in(response) -> bool:
    return response.status_int == 303 and "/connect/authorize/callback" in response.location


def test_an_address_that_used_up_its_failures_is_refused_even_with_the_right_password(ostiary_app, ostiary_demo):
    attacker = browser(ostiary_app)
    fail(attacker, 3)
    response = attacker.login(attacker.authorize())
    assert response.status_int == 200 and FAILURE in response.text


def _page_text(response) -> str:
    """The page without what differs on every page anyway (CSRF token, CSP nonce)."""
    text = response.text.replace(response.html.find("input", {"name": "csrf_token"})["value"], "")
    return re.sub(r'nonce="[^"]*"', "", text)


def test_the_refusal_reads_exactly_as_a_wrong_password(ostiary_app, ostiary_demo):
    attacker = browser(ostiary_app)
    fail(attacker, 2)
    start = attacker.authorize()
    wrong = attacker.login(start, password="wrong")  # the third: now blocked
    refused = attacker.login(start, password="wrong")
    assert refused.status_int == wrong.status_int
    assert _page_text(refused) == _page_text(wrong)


def test_failures_from_a_throttled_address_do_not_lock_the_account(ostiary_app, ostiary_demo):
    fail(browser(ostiary_app), 20)
    owner = browser(ostiary_app, "198.51.100.20")
    assert signs_in(owner.login(owner.authorize()))


def test_spraying_one_password_over_many_accounts_is_slowed(ostiary_app, ostiary_demo):
    load_data(ostiary_app, {"users": SPRAYED})
    attacker = browser(ostiary_app)
    for user in SPRAYED[:3]:
        fail(attacker, 1, username=user["username"])
    erin = SPRAYED[3]
    assert not signs_in(attacker.login(attacker.authorize(), username="erin", password=erin["password"]))


def test_the_address_may_try_again_after_the_block(ostiary_app, ostiary_demo):
    attacker = browser(ostiary_app)
    fail(attacker, 3)
    with transaction_root(ostiary_app) as root:  # as if login_throttle_seconds had passed
        for key, entry in list(root.login_throttle.entries.items()):
            root.login_throttle.entries[key] = (0, 0, 0) + entry[3:]
    assert signs_in(attacker.login(attacker.authorize()))


def test_an_ipv6_client_is_counted_by_its_slash_64(ostiary_app, ostiary_demo):
    fail(browser(ostiary_app, "2001:db8:1:2::1"), 3)
    neighbour = browser(ostiary_app, "2001:db8:1:2:ffff::9")
    assert not signs_in(neighbour.login(neighbour.authorize()))
    elsewhere = browser(ostiary_app, "2001:db8:1:3::1")
    assert signs_in(elsewhere.login(elsewhere.authorize()))


def _behind_proxy(app):
    """The application as waitress (or granian with our runner) serves it
    with ``trusted_proxy = 127.0.0.1`` and X-Forwarded-For trusted."""
    return proxy_headers_middleware(
        app, trusted_proxy="127.0.0.1", trusted_proxy_headers={"x-forwarded-for"}, clear_untrusted=True
    )


def test_a_forwarded_address_from_an_untrusted_client_does_not_escape_the_throttle(ostiary_app, ostiary_demo):
    wsgi = _behind_proxy(ostiary_app)
    attacker = browser(ostiary_app, ATTACKER, wsgi)
    for number in range(3):
        attacker.app.extra_environ["HTTP_X_FORWARDED_FOR"] = f"192.0.2.{number}"
        fail(attacker, 1)
    attacker.app.extra_environ["HTTP_X_FORWARDED_FOR"] = "192.0.2.200"
    assert not signs_in(attacker.login(attacker.authorize()))


def test_clients_behind_the_trusted_proxy_are_counted_apart(ostiary_app, ostiary_demo):
    wsgi = _behind_proxy(ostiary_app)
    attacker = browser(ostiary_app, "127.0.0.1", wsgi)
    attacker.app.extra_environ["HTTP_X_FORWARDED_FOR"] = ATTACKER
    fail(attacker, 3)
    owner = browser(ostiary_app, "127.0.0.1", wsgi)
    owner.app.extra_environ["HTTP_X_FORWARDED_FOR"] = "198.51.100.20"
    assert signs_in(owner.login(owner.authorize()))
    assert not signs_in(attacker.login(attacker.authorize()))


class OneTimeCode:
    """A further check at the login page: a guessable code."""

    @hookimpl
    def ostiary_login_fields(self, context):
        return [{"name": "otp", "label": "One-time code", "type": "text"}]

    @hookimpl
    def ostiary_check_login(self, user, params):
        return None if params.get("otp") == "123456" else "The one-time code is wrong."


@pytest.fixture
def one_time_code(ostiary_plugins):
    ostiary_plugins.append(("otp", OneTimeCode()))


def test_guesses_of_a_further_check_use_the_same_budget(one_time_code, ostiary_app, ostiary_demo):
    attacker = browser(ostiary_app)

    def code(otp):
        page = attacker.app.get(attacker.authorize().location)
        form = page.forms[0]
        form["username"], form["password"], form["otp"] = "alice", "alice-password", otp
        return form.submit("action", value="login")

    for guess in ("000000", "111111", "222222"):
        assert "The one-time code is wrong." in code(guess).text
    assert not signs_in(code("123456"))


@pytest.fixture
def slow_hash_app(tmp_path):
    """An app with a password hash that costs measurable time."""
    from ostiary import main

    settings = dict(base_settings(tmp_path), **{"ostiary.argon2_time_cost": "3", "ostiary.argon2_memory_cost": "32768"})
    app = main({}, **settings)
    load_data(app, DEMO)
    yield app
    close_app(app)


def _median_seconds(flow, count=5):
    times = []
    for _ in range(count):
        page = flow.app.get(flow.authorize().location)
        started = time.perf_counter()
        flow.login(page, password="wrong")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_a_refused_address_waits_as_long_as_a_wrong_password_takes(slow_hash_app):
    wrong = _median_seconds(browser(slow_hash_app, "198.51.100.30"), count=2)
    attacker = browser(slow_hash_app)
    fail(attacker, 3)
    refused = _median_seconds(attacker)
    assert refused > wrong * 0.6


def test_the_pruner_deletes_expired_counts(ostiary_app, ostiary_demo):
    fail(browser(ostiary_app), 1)
    with transaction_root(ostiary_app) as root:
        assert root.prune(when=int(time.time()) + 10) == 0
        assert root.prune(when=int(time.time()) + 901) == 1
        assert len(root.login_throttle.entries) == 0


def test_an_older_database_gets_the_throttle(ostiary_app, ostiary_demo):
    from ostiary.models.root import CURRENT_GENERATION

    with transaction_root(ostiary_app) as root:  # make it look like generation 4
        del root.login_throttle
        root.generation = 4
    with transaction_root(ostiary_app) as root:
        assert root.generation == CURRENT_GENERATION
    attacker = browser(ostiary_app)
    fail(attacker, 3)
    assert not signs_in(attacker.login(attacker.authorize()))
