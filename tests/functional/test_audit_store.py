"""The stored audit trail: every event in the database, queryable by
subject, client, type and time, pruned after its retention, and spread
over shards so that concurrent sign-ins do not conflict on it."""

from __future__ import annotations

import json
import time

import pytest

import ostiary
from ostiary.models.audit import AuditRecord, AuditTrail
from ostiary.models.root import CURRENT_GENERATION
from ostiary.testing import (
    DEMO,
    CodeFlow,
    base_settings,
    close_app,
    commit_second_conflicts,
    concurrent_roots,
    load_data,
    transaction_root,
    write_ini,
)


def records(app, **query):
    with transaction_root(app.app) as root:
        return root.audit.query(**query)


def alice(app) -> str:
    with transaction_root(app.app) as root:
        return root.users.by_login("alice").subject


def test_a_sign_in_is_stored_with_address_user_agent_and_client(app, flow):
    app.extra_environ = {"REMOTE_ADDR": "192.0.2.7", "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}
    code = flow.code()["code"]
    assert flow.exchange(code).status_int == 200
    subject = alice(app)
    (signed_in,) = records(app, subject=subject, type="login.succeeded")
    assert signed_in.address == "192.0.2.7"
    assert signed_in.user_agent.startswith("Mozilla/5.0")
    assert signed_in.result == "success" and signed_in.details["amr"] == "pwd"
    (issued,) = records(app, client_id="demo-rp", type="token.issued")
    assert issued.subject == subject and "openid" in issued.details["scope"]


def test_a_forwarded_address_from_the_client_itself_is_not_stored(app, flow):
    """Only the server's trusted-proxy handling may replace REMOTE_ADDR: a
    header the client sent is not taken for its address."""
    app.extra_environ = {"REMOTE_ADDR": "198.51.100.1", "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    flow.code()
    (signed_in,) = records(app, type="login.succeeded")
    assert signed_in.address == "198.51.100.1"


def test_a_failed_sign_in_of_a_known_account_is_stored_under_its_subject(app, flow):
    flow.login(flow.authorize(), password="wrong")
    (failed,) = records(app, subject=alice(app), type="login.failed")
    assert failed.result == "failure" and failed.reason == "wrong credentials"
    assert failed.client_id == "demo-rp"


def test_the_lockout_is_stored_as_the_reason(app, flow):
    for n in range(DEMO_MAX_FAILED := 5):  # from several addresses, so no address is throttled first
        app.extra_environ = {"REMOTE_ADDR": f"192.0.2.{n + 1}"}
        flow.login(flow.authorize(), password="wrong")
    reasons = [r.reason for r in records(app, subject=alice(app), type="login.failed")]
    assert len(reasons) == DEMO_MAX_FAILED and reasons[0] == "locked"


def test_field_sizes_are_bounded(app, flow):
    app.extra_environ = {"HTTP_USER_AGENT": "x" * 5000}
    flow.code()
    (signed_in,) = records(app, type="login.succeeded")
    assert len(signed_in.user_agent) == 256


def test_queries_by_type_and_time_newest_first():
    trail = AuditTrail()
    for n in range(60):
        trail.add(AuditRecord("login.succeeded" if n % 2 else "logout", timestamp=1000 + n, subject=f"s{n % 3}"))
    newest = trail.query(limit=5)
    assert [r.timestamp for r in newest] == [1059, 1058, 1057, 1056, 1055]
    logouts = trail.query(type="logout", since=1010, until=1020, limit=None)
    assert [r.timestamp for r in logouts] == [1020, 1018, 1016, 1014, 1012, 1010]
    of_s1 = trail.query(subject="s1", type=["logout"], limit=None)
    assert of_s1 and all(r.subject == "s1" and r.type == "logout" for r in of_s1)
    assert [r.timestamp for r in of_s1] == sorted((r.timestamp for r in of_s1), reverse=True)
    assert trail.forget_subject("s1") == 20 and trail.query(subject="s1") == [] and len(trail) == 40


def test_housekeeping_prunes_records_past_the_retention(app, flow, ostiary_app):
    flow.code()
    with transaction_root(ostiary_app) as root:
        root.audit.add(AuditRecord("logout", timestamp=time.time() - 91 * 86400, subject="old"))
        root.audit.add(AuditRecord("logout", timestamp=time.time() - 89 * 86400, subject="recent"))
    with transaction_root(ostiary_app) as root:
        removed = root.audit.prune(int(time.time()))
        assert removed == 1
        assert root.audit.query(subject="old") == [] and len(root.audit.query(subject="recent")) == 1


@pytest.fixture
def retention_settings(ostiary_settings):
    ostiary_settings["ostiary.audit.retention_days"] = "7"
    return ostiary_settings


def test_the_retention_setting_reaches_the_trail(retention_settings, ostiary_app):
    app = __import__("webtest").TestApp(ostiary_app)
    load_data(ostiary_app, DEMO)
    CodeFlow(app).code()
    with transaction_root(ostiary_app) as root:
        root.audit.add(AuditRecord("logout", timestamp=time.time() - 8 * 86400, subject="old"))
    with transaction_root(ostiary_app) as root:
        assert root.audit.retention_days == 7
        assert root.audit.prune(int(time.time())) == 1


@pytest.mark.parametrize("sharded", [False, True])
def test_two_sign_ins_in_parallel_transactions_do_not_conflict(tmp_path, sharded):
    """Writer A records enough events to split a bucket while writer B,
    started at the same moment, records one: on one set of trees B's commit
    fails; spread over the shards, both commit."""
    app = ostiary.main({}, **base_settings(tmp_path))
    db = app.registry._zodb_databases[""]
    try:
        probe = AuditTrail()
        a_keys, b_key = [], None
        n = 0
        while len(a_keys) < 40 or b_key is None:
            key = f"{9 * 10**15 - n:016d}{n:08x}"
            shard = probe.shards.index(probe._shard(key))
            if shard == 0 and len(a_keys) < 40:
                a_keys.append(key)
            elif shard == 1 and b_key is None:
                b_key = key
            n += 1
        with transaction_root(app) as root:
            root.audit = AuditTrail()
            if not sharded:
                root.audit.shards = root.audit.shards[:1]
            for key in a_keys[:25]:
                root.audit.add(AuditRecord("login.succeeded", subject="a", key=key))
        with concurrent_roots(app) as ((root_a, manager_a), (root_b, manager_b)):
            for key in a_keys[25:]:
                root_a.audit.add(AuditRecord("login.succeeded", subject="a", key=key))
            root_b.audit.add(AuditRecord("login.succeeded", subject="b", key=b_key))
            commit_second_conflicts(manager_a, manager_b, conflicts=not sharded)
        with transaction_root(app) as root:
            assert len(root.audit) == 40 + (1 if sharded else 0)
    finally:
        db.close()


def test_an_older_database_gets_the_trail_and_the_sessions_index(tmp_path):
    app = ostiary.main({}, **base_settings(tmp_path))
    try:
        load_data(app, DEMO)
        flow = CodeFlow(__import__("webtest").TestApp(app))
        flow.code()
        with transaction_root(app) as root:  # make it look like generation 7
            subject = root.users.by_login("alice").subject
            root.federation.add_link("example", "up-1", subject)
            root.audit = None
            root.sessions.by_subject = None
            root.federation.links_by_subject = None
            root.generation = 7
        with transaction_root(app) as root:
            assert root.generation == CURRENT_GENERATION and isinstance(root.audit, AuditTrail)
            subject = root.users.by_login("alice").subject
            assert len(root.sessions.of_subject(subject)) == 1
            assert len(root.sessions.by_subject) == 1
            assert len(root.federation.links_by_subject) == 1
            assert [link.upstream_subject for link in root.federation.links_of(subject)] == ["up-1"]
            root.federation.remove_link("example", "up-1")
            assert len(root.federation.links_by_subject) == 0
        assert "code=" in flow.authorize(prompt="none").location
    finally:
        close_app(app)


# -- ostiary audit ---------------------------------------------------------------------


@pytest.fixture
def filled(tmp_path):
    """An ini file and a database with a trail of six events."""
    write_ini(tmp_path)
    app = ostiary.main({}, **{**base_settings(tmp_path), "zodbconn.uri": f"file://{tmp_path}/Data.fs"})
    try:
        with transaction_root(app) as root:
            base = time.time() - 3600
            for n, (kind, subject, client) in enumerate(
                [
                    ("login.succeeded", "alice", None),
                    ("token.issued", "alice", "rp1"),
                    ("login.failed", "bob", "rp2"),
                    ("token.issued", "bob", "rp2"),
                    ("logout", "alice", None),
                    ("login.succeeded", "carol", "rp1"),
                ]
            ):
                root.audit.add(AuditRecord(kind, timestamp=base + n * 60, subject=subject, client_id=client))
    finally:
        close_app(app)
    return tmp_path / "ostiary.ini"


def test_ostiary_audit_filters_by_subject_client_type_and_time(filled, ostiary_command_line):
    result = ostiary_command_line(filled, "audit", "--subject", "alice", "--json")
    assert result.code == 0, result.err
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert [line["type"] for line in lines] == ["logout", "token.issued", "login.succeeded"]
    result = ostiary_command_line(filled, "audit", "--client", "rp2", "--type", "token.issued", "--json")
    assert [json.loads(line)["subject"] for line in result.out.splitlines()] == ["bob"]
    result = ostiary_command_line(filled, "audit", "--since", "57m", "--limit", "2", "--json")
    assert [json.loads(line)["subject"] for line in result.out.splitlines()] == ["carol", "alice"]


def test_ostiary_audit_prints_a_table(filled, ostiary_command_line):
    result = ostiary_command_line(filled, "audit", "--type", "login.failed")
    assert result.code == 0
    header, row = result.out.splitlines()
    assert header.split() == ["TIME", "TYPE", "SUBJECT", "CLIENT", "ADDRESS", "RESULT", "REASON"]
    assert row.split()[1:4] == ["login.failed", "bob", "rp2"]


def test_ostiary_audit_refuses_a_bad_time(filled, ostiary_command_line, capsys):
    with pytest.raises(SystemExit) as stopped:
        ostiary_command_line(filled, "audit", "--since", "last tuesday")
    assert stopped.value.code == 2 and "ISO 8601" in capsys.readouterr().err
