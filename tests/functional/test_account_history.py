"""The account console's history: the person's sign-ins (failed ones and
lockouts too) and what each application received, newest first, from the
stored audit trail, within ostiary.account.history_days."""

from __future__ import annotations

import time

import pytest

from ostiary.models.audit import AuditRecord
from ostiary.testing import transaction_root


def rows(page) -> list[str]:
    return [row.get_text(" ", strip=True) for row in page.html.select("table.history tbody tr")]


def test_history_shows_sign_ins_and_what_the_application_received(app, flow):
    app.extra_environ = {
        "REMOTE_ADDR": "192.0.2.5",
        "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    }
    flow.login(flow.authorize(), password="wrong")
    response = flow.code(scope="openid profile email")
    flow.exchange(response["code"])
    page = app.get("/account/history")
    shown = rows(page)
    assert "Application received" in shown[0]
    assert "Demo application" in shown[0] and "openid profile email" in shown[0]
    # the names of the claims those scopes released from alice's profile (not the values)
    assert "claims: email, email_verified, family_name, given_name, name, preferred_username" in shown[0]
    assert "alice@example.org" not in page.text
    assert any(
        "Signed in" in row and "with password" in row and "192.0.2.5" in row and "Firefox 128" in row for row in shown
    )
    assert "Sign-in failed" in shown[-1]
    # newest first
    times = [row.split(" UTC")[0] for row in shown]
    assert times == sorted(times, reverse=True)


def test_a_lockout_is_in_the_history(app, flow):
    for n in range(5):
        app.extra_environ = {"REMOTE_ADDR": f"192.0.2.{n + 1}"}
        flow.login(flow.authorize(), password="wrong")
    app.extra_environ = {"REMOTE_ADDR": "192.0.2.99"}
    with transaction_root(app.app) as root:  # the lock ends, so that alice can look
        root.users.by_login("alice").locked_until = 0
        root.users.by_login("alice").failed_logins = 0
    flow.code()
    shown = rows(app.get("/account/history"))
    assert any("the account was locked" in row for row in shown)


def test_history_shows_only_the_configured_days_and_only_the_persons_own(app, flow):
    flow.code()
    with transaction_root(app.app) as root:
        subject = root.users.by_login("alice").subject
        root.audit.add(
            AuditRecord("login.succeeded", subject=subject, timestamp=time.time() - 91 * 86400, address="203.0.113.9")
        )
        root.audit.add(AuditRecord("login.succeeded", subject="bob", address="203.0.113.10"))
    text = app.get("/account/history").text
    assert "203.0.113.9" not in text and "203.0.113.10" not in text


class TestLongerHistory:
    @pytest.fixture
    def ostiary_settings(self, ostiary_settings):
        ostiary_settings["ostiary.account.history_days"] = "400"
        ostiary_settings["ostiary.audit.retention_days"] = "400"
        return ostiary_settings

    def test_the_history_days_setting_widens_the_page(self, app, flow):
        flow.code()
        with transaction_root(app.app) as root:
            subject = root.users.by_login("alice").subject
            root.audit.add(
                AuditRecord(
                    "login.succeeded", subject=subject, timestamp=time.time() - 300 * 86400, address="203.0.113.9"
                )
            )
        assert "203.0.113.9" in app.get("/account/history").text
