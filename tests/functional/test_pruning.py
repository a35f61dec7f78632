"""Expired items are pruned, automatically and on demand."""

import time

from ostiary.maintenance import Pruner
from ostiary.testing import transaction_root


def test_pruner_thread_removes_expired_codes_sessions_and_tokens(app, flow, ostiary_app):
    tokens = flow.exchange(flow.code(scope="openid offline_access")["code"]).json
    assert "refresh_token" in tokens
    with transaction_root(ostiary_app) as root:
        past = int(time.time()) - 10
        for tree in (root.grants.codes, root.grants.refresh_tokens, root.grants.families, root.sessions.by_cookie):
            for item in tree.values():
                item.expires_at = past
        for family in root.grants.families.values():  # and the access tokens the family holds
            family.access_tokens = tuple((jti, past) for jti, _ in family.access_tokens)
    pruner = Pruner(ostiary_app.registry._zodb_databases[""], interval=0.05)
    pruner.start()
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            with transaction_root(ostiary_app) as root:
                left = len(root.grants.codes) + len(root.grants.refresh_tokens) + len(root.sessions.by_cookie)
            if left == 0:
                break
            time.sleep(0.05)
    finally:
        pruner.stop()
        pruner.join(5)
    assert left == 0
    with transaction_root(ostiary_app) as root:
        assert len(root.sessions.by_sid) == 0 and len(root.grants.families) == 0


def test_pruning_keeps_what_is_still_valid(app, flow, ostiary_app):
    flow.exchange(flow.code(scope="openid offline_access")["code"])
    with transaction_root(ostiary_app) as root:
        assert root.prune() == 0
        assert len(root.grants.refresh_tokens) == 1 and len(root.sessions.by_cookie) == 1


def test_prune_interval_zero_starts_no_thread(ostiary_app):
    assert getattr(ostiary_app.registry, "ostiary_pruner", None) is None
