"""A retried attempt reads the SSO session afresh from its own connection.

pyramid_retry runs a retried attempt with the same WSGI environ; a session
cached there from the first attempt belongs to a closed connection, so the
retry's changes to it were lost or failed with ConnectionStateError (seen
under load at the authorize endpoint: ``session.add_client``).
"""

import pytest
import transaction
from pyramid.response import Response

from ostiary.hookspecs import hookimpl
from ostiary.models.root import open_root_from_connection


class TouchSession:
    """``POST /touch-session`` adds a client to the SSO session; a competing
    writer changes the same session during the first attempt."""

    def __init__(self):
        self.attempts = 0

    @hookimpl
    def ostiary_configure(self, config):
        config.add_route("touch_session", "/touch-session")
        config.add_view(self.view, route_name="touch_session", request_method="POST", require_csrf=False)

    def view(self, request):
        self.attempts += 1
        session = request.interaction.session
        session.add_client(f"attempt-{self.attempts}")
        if self.attempts == 1:
            self.compete(request.registry._zodb_databases[""], session.sid)
        return Response("ok")

    @staticmethod
    def compete(db, sid):
        manager = transaction.TransactionManager()
        conn = db.open(transaction_manager=manager)
        try:
            with manager:
                open_root_from_connection(conn).sessions.by_session_id(sid).add_client("competitor")
        finally:
            conn.close()


@pytest.fixture
def plugin(ostiary_plugins):
    page = TouchSession()
    ostiary_plugins.append(("touch-session", page))
    return page


def test_a_retried_attempt_changes_the_session_it_read_itself(plugin, ostiary_app, ostiary_demo, ostiary_testapp):
    from ostiary.testing import CodeFlow, transaction_root

    CodeFlow(ostiary_testapp).code()  # signs alice in: the SSO session cookie
    response = ostiary_testapp.post("/touch-session")
    assert response.text == "ok"
    assert plugin.attempts == 2
    with transaction_root(ostiary_app) as root:
        (session,) = root.sessions.by_cookie.values()
        assert list(session.clients) == ["demo-rp", "competitor", "attempt-2"]
