"""A consent decision is used once, and taking it does not delete it.

Every consent writes a decision that the next authorize request takes.
Deleting it there emptied its shard a moment after the consent had filled
it, which BTrees cannot merge with a concurrent insert: under load the
decision shards were the one hot object of a sign-in
(tests/e2e/test_concurrent_sign_ins.py). The decision is marked used
instead, and pruned once expired.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ostiary.models.interactions import DECISION_LIFETIME
from ostiary.models.util import now
from ostiary.testing import transaction_root


def consented(flow, app):
    consent_page = flow.login(flow.authorize())
    return flow.consent(app.get(consent_page.location), remember=False)


def decisions(app):
    with transaction_root(app.app) as root:
        return [(key, decision.used) for key, decision in root.interactions.decisions.items()]


def test_the_decision_stays_in_its_shard_marked_used(app, flow):
    answered = consented(flow, app)
    assert [used for _, used in decisions(app)] == [False]
    assert "code" in flow.follow_to_client(answered)
    assert [used for _, used in decisions(app)] == [True]  # still there: its shard was not emptied


def test_a_replayed_callback_finds_the_decision_used_and_asks_again(app, flow):
    answered = consented(flow, app)
    callback = answered.location
    assert "code" in flow.follow_to_client(answered)
    again = app.get(callback)
    assert again.status_int in (302, 303)
    assert urlsplit(again.location).path == "/consent"  # no second code from one answer


def test_used_decisions_are_pruned_once_expired(app, flow):
    assert "code" in flow.follow_to_client(consented(flow, app))
    with transaction_root(app.app) as root:
        assert root.interactions.prune(now() + DECISION_LIFETIME + 1) >= 1
        assert len(root.interactions.decisions) == 0


def test_a_logout_record_is_marked_used_and_a_replay_finds_nothing(app, flow):
    """The logout records (written by end-session, taken by the logout
    page) follow the decisions: kept, marked used, pruned when expired."""
    from ostiary.models.interactions import LogoutRecord

    with transaction_root(app.app) as root:
        logout_id = root.interactions.put_logout(LogoutRecord(client_id="demo-rp"))
    with transaction_root(app.app) as root:
        assert root.interactions.logout(logout_id) is not None
        assert root.interactions.take_logout(logout_id) is not None
    with transaction_root(app.app) as root:
        assert logout_id in root.interactions.logouts  # its shard was not emptied
        assert root.interactions.logout(logout_id) is None
        assert root.interactions.take_logout(logout_id) is None
