"""The audit writer: each process gathers its requests' audit records and
stores them in one transaction every ``ostiary.audit.write_interval_ms``
(the other tests run with 0, each request's records stored as it ends),
and writes what it gathered when the app stops, also at a command's end."""

from __future__ import annotations

import time

import pytest
import webtest
from ZODB.utils import p64, u64

import ostiary
from ostiary.defaults import audit_store
from ostiary.models.audit import AuditRecord
from ostiary.models.database import database
from ostiary.testing import DEMO, CodeFlow, base_settings, close_app, load_data, transaction_root, write_ini


def make(tmp_path, interval_ms: str):
    settings = {**base_settings(tmp_path), "ostiary.audit.write_interval_ms": interval_ms}
    app = ostiary.main({}, **settings)
    load_data(app, DEMO)
    return app


def stored(app, **query) -> list[str]:
    with transaction_root(app) as root:
        return [r.type for r in root.audit.query(**query)]


def sign_in_and_exchange(app) -> None:
    flow = CodeFlow(webtest.TestApp(app))
    assert flow.exchange(flow.code(prompt="consent")["code"]).status_int == 200


def commits_since(db, tid) -> list[int]:
    """How many objects each transaction after ``tid`` stored."""
    return [len(list(txn)) for txn in db.storage.iterator(p64(u64(tid) + 1))]


@pytest.fixture
def slow(tmp_path):
    """An app whose writer would wait a minute: only a flush or a stop writes."""
    app = make(tmp_path, "60000")
    yield app
    close_app(app)


def test_a_flows_records_wait_and_are_then_stored_in_one_transaction(slow):
    db = database(slow.registry)
    sign_in_and_exchange(slow)
    assert stored(slow, type=["login.succeeded", "consent.granted", "token.issued"]) == []
    before = db.lastTransaction()
    audit_store.flush(slow.registry)
    assert sorted(stored(slow, type=["login.succeeded", "consent.granted", "token.issued"])) == [
        "consent.granted",
        "login.succeeded",
        "token.issued",
    ]
    assert len(commits_since(db, before)) == 1


def test_stopping_the_app_stores_what_was_gathered(tmp_path):
    app = make(tmp_path, "60000")
    sign_in_and_exchange(app)
    close_app(app)  # as the server's shutdown and a test's end: stop_workers, then the database
    again = ostiary.main({}, **base_settings(tmp_path))
    try:
        assert "login.succeeded" in stored(again)
    finally:
        close_app(again)


def test_after_a_stop_records_are_stored_at_once(slow):
    audit_store.stop(slow.registry)
    sign_in_and_exchange(slow)
    assert "login.succeeded" in stored(slow)


def test_the_writer_stores_by_itself_after_its_interval(tmp_path):
    app = make(tmp_path, "50")
    try:
        sign_in_and_exchange(app)
        deadline = time.monotonic() + 10
        while "token.issued" not in stored(app) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "token.issued" in stored(app)
    finally:
        close_app(app)


def test_a_full_batch_is_stored_before_the_interval_is_up(slow):
    writer = slow.registry.ostiary_audit_writer
    writer.submit([AuditRecord("logout", subject=f"s{n}") for n in range(audit_store.BATCH)])
    deadline = time.monotonic() + 10
    while len(stored(slow, type="logout", limit=None)) < audit_store.BATCH and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(stored(slow, type="logout", limit=None)) == audit_store.BATCH


def test_a_closed_database_loses_the_records_with_an_error_not_an_exception(tmp_path, caplog):
    app = make(tmp_path, "60000")
    sign_in_and_exchange(app)
    for db in app.registry._zodb_databases.values():  # closed under the writer, without stop_workers
        db.close()
    audit_store.flush(app.registry)
    assert "the database is closed" in caplog.text
    close_app(app)


def test_a_commands_events_are_stored_when_it_ends(tmp_path, ostiary_command_line):
    """The command line runs the app with the batching writer (the ini sets
    no interval); its end writes what the command emitted."""
    write_ini(tmp_path)  # no ostiary.audit.write_interval_ms: the default, batched
    settings = {**base_settings(tmp_path), "zodbconn.uri": f"file://{tmp_path}/Data.fs"}
    app = ostiary.main({}, **settings)
    load_data(app, DEMO)
    with transaction_root(app) as root:
        subject = root.users.by_login("alice").subject
        root.federation.add_link("example", "up-1", subject)
    close_app(app)
    result = ostiary_command_line(tmp_path / "ostiary.ini", "user", "unlink", "alice", "example", "--force")
    assert result.code == 0, result.err
    app = ostiary.main({}, **settings)
    try:
        assert stored(app, subject=subject, type="external.unlinked") == ["external.unlinked"]
    finally:
        close_app(app)
