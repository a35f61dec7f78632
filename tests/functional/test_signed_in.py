"""``ostiary_signed_in``: every plugin hears of each sign-in once, with the
new session, and never of a sign-in that a check refused."""

import pytest

from ostiary.plugin import hookimpl
from ostiary.testing import transaction_root


class SignInRecorder:
    """Keeps what each notification carried."""

    def __init__(self):
        self.calls = []

    @hookimpl
    def ostiary_signed_in(self, request, user, session, context):
        self.calls.append(
            {
                "subject": user.subject,
                "sid": session.sid,
                "idp": session.idp,
                "client_id": context.client_id if context else None,
                "stored": session.sid in request.ostiary_root.sessions.by_sid,
            }
        )


class LastWordRefusal:
    """A check that runs after every other one (trylast), such as a terms
    page: the kind of refusal a side effect in a veto hook misses."""

    @hookimpl(trylast=True)
    def ostiary_check_login(self, params):
        return None if params.get("terms") == "yes" else "Accept the terms first."


@pytest.fixture
def recorder():
    return SignInRecorder()


@pytest.fixture
def ostiary_plugins(recorder):
    return [("recorder", recorder), ("terms", LastWordRefusal())]


def _login(app, flow, terms):
    """Post the login form, with the terms accepted or not."""
    form = app.get(flow.authorize().location).forms[0]
    fields = {**dict(form.submit_fields()), "username": "alice", "password": "alice-password", "action": "login"}
    return app.post(form.action, {**fields, "terms": terms} if terms else fields)


def test_a_sign_in_notifies_every_plugin_once_with_the_stored_session(app, flow, recorder, ostiary_app):
    response = _login(app, flow, terms="yes")
    assert response.status_int == 303
    assert len(recorder.calls) == 1
    call = recorder.calls[0]
    with transaction_root(ostiary_app) as root:
        alice = root.users.by_login("alice").subject
        assert call["sid"] in root.sessions.by_sid
    assert call == {"subject": alice, "sid": call["sid"], "idp": "local", "client_id": "demo-rp", "stored": True}


def test_a_refused_sign_in_notifies_nobody(app, flow, recorder):
    response = _login(app, flow, terms=None)
    assert response.status_int == 200 and "Accept the terms first." in response.text
    assert recorder.calls == []
