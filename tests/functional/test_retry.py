"""A database conflict is retried (pyramid_tm + pyramid_retry), never shown.

The conflicts here are real ZODB ConflictErrors: while a request is running,
a second connection to the same database (what a second server process
would be) changes an object the request also changes and commits first, so
the request's own commit fails and pyramid_retry runs it again.
"""

import re

import pytest
import transaction
from persistent.mapping import PersistentMapping
from pyramid.response import Response

from ostiary.hookspecs import hookimpl

COUNTER = "retry-test-counter"


class ConflictingPage:
    """A plugin adding ``POST /retry-test``: the view counts into the database,
    and a competing writer commits to the same object while the first
    ``conflicts`` attempts are running."""

    def __init__(self, conflicts):
        self.conflicts = conflicts
        self.attempts = []

    @hookimpl
    def ostiary_configure(self, config):
        config.add_route("retry_test", "/retry-test")
        config.add_view(self.view, route_name="retry_test", request_method="POST", require_csrf=False)

    def view(self, request):
        self.attempts.append(request.environ.get("retry.attempt"))
        counter = request.ostiary_root._p_jar.root()[COUNTER]
        seen = counter["count"]  # loaded before the competitor commits
        if len(self.attempts) <= self.conflicts:
            self.competing_increment(request.registry._zodb_databases[""])
        counter["count"] = seen + 1
        counter["by_request"] = request.POST["who"]
        return Response(f"counted {seen + 1} for {request.POST['who']}")

    @staticmethod
    def competing_increment(db):
        manager = transaction.TransactionManager()
        conn = db.open(transaction_manager=manager)
        try:
            with manager:
                conn.root()[COUNTER]["count"] += 1
        finally:
            conn.close()


def database_counter(app):
    db = app.registry._zodb_databases[""]
    manager = transaction.TransactionManager()
    conn = db.open(transaction_manager=manager)
    try:
        with manager:
            counter = conn.root().get(COUNTER)
            if counter is None:
                counter = conn.root()[COUNTER] = PersistentMapping(count=0, by_request=None)
            return dict(counter)
    finally:
        conn.close()


@pytest.fixture
def page(request, ostiary_plugins):
    plugin = ConflictingPage(conflicts=request.param)
    ostiary_plugins.append(("retry-test", plugin))
    return plugin


@pytest.fixture
def app(page, ostiary_app, ostiary_testapp):
    database_counter(ostiary_app)  # creates the counter
    return ostiary_testapp


@pytest.mark.parametrize("page", [1], indirect=True)
def test_a_conflicting_commit_is_retried_and_the_user_sees_success(app, page, caplog):
    caplog.set_level("INFO", logger="ostiary.retry")
    response = app.post("/retry-test", {"who": "alice"})
    assert response.status_int == 200
    assert page.attempts == [0, 1]  # the view ran twice, on the second attempt of pyramid_retry
    # The retry saw the competitor's write: nothing was lost, nothing counted twice.
    assert response.text == "counted 2 for alice"
    assert database_counter(app.app) == {"count": 2, "by_request": "alice"}
    # A conflict that a retry absorbed is not an internal error.
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    # Before the second attempt the request waited a random moment (ostiary.retry).
    waits = [r.getMessage() for r in caplog.records if r.name == "ostiary.retry"]
    assert len(waits) == 1
    # The line names the object the conflict was on, to find a hot one.
    assert re.match(
        r"conflict on POST /retry-test \(attempt 1 of 3, ConflictError on oid 0x[0-9a-f]+, "
        r"persistent\.mapping\.PersistentMapping\); next attempt in ",
        waits[0],
    ), waits[0]


@pytest.mark.parametrize("page", [99], indirect=True)
def test_when_every_attempt_conflicts_the_browser_gets_the_error_page(app, page, caplog):
    response = app.post("/retry-test", {"who": "alice"}, expect_errors=True)
    assert page.attempts == [0, 1, 2]  # retry.attempts = 3
    assert response.status_int == 500
    assert response.content_type == "text/html"
    assert "Something went wrong on our side." in response.text
    for leak in ("ConflictError", "Traceback", "database conflict error", "oid"):
        assert leak not in response.text
    # Only the competitor's three commits landed; the request's were all rolled back.
    assert database_counter(app.app) == {"count": 3, "by_request": None}
    # Logged once, with the error id the page shows, when the last attempt failed.
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].exc_info[0].__name__ == "ConflictError"
    assert errors[0].args[0] in response.text
