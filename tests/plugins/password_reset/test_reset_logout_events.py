"""A password reset ends the person's sessions as a sign-out does: each one
with its LOGOUT event, so an auditor sees every session that went (the
reset's ``revoke_user`` once ended them silently)."""

import pytest
import webtest

from ostiary.hookspecs import hookimpl
from ostiary.testing import form_value

FORGOT = "/account/password/forgot"
RESET = "/account/password/reset"


class LogoutRecorder:
    def __init__(self):
        self.signed_in, self.ended = [], []

    @hookimpl
    def ostiary_event(self, event):
        if event.name == "login.succeeded":
            self.signed_in.append(event.subject)
        if event.name == "logout":
            self.ended.append((event.subject, event.details["sid"]))


@pytest.fixture
def recorder():
    return LogoutRecorder()


@pytest.fixture
def ostiary_plugins(ostiary_plugins, recorder):
    return [*ostiary_plugins, ("logout-recorder", recorder)]


def test_a_reset_emits_one_logout_event_per_session_it_ends(ostiary_app, accounts, recorder):
    devices = [webtest.TestApp(ostiary_app, extra_environ={"HTTP_HOST": "localhost"}) for _ in range(2)]
    for device in devices:
        assert type(accounts)(device, ostiary_app, accounts.outbox).login("alice", "alice-password").status_int == 303
    page = accounts.app.get(FORGOT)  # from a third browser, signed in nowhere
    accounts.submit(page, FORGOT, email="alice@example.org")
    page = accounts.app.get(accounts.link(RESET))
    accounts.submit(page, RESET, token=form_value(page.text, "token"), password="correct horse battery staple")
    alice = recorder.signed_in[0]
    assert recorder.signed_in == [alice, alice]
    assert [subject for subject, _sid in recorder.ended] == [alice, alice]
    assert len({sid for _subject, sid in recorder.ended}) == 2
