"""Expired items are pruned, automatically and on demand."""

import time

from ostiary.maintenance import Pruner
from ostiary.testing import close_app, transaction_root


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


def _rewrite(app, times: int) -> None:
    for turn in range(times):
        with transaction_root(app) as root:
            root.users.by_login("alice").claims["note"] = f"{turn:04d}" + "x" * 2000


def _packed_app(tmp_path, **settings):
    from ostiary import main
    from ostiary.testing import DEMO, base_settings, load_data

    app = main({}, **{**base_settings(tmp_path), **settings})
    load_data(app, DEMO)
    return app


def _close(app):
    app.registry.ostiary_pruner.stop()
    app.registry.ostiary_pruner.join(5)
    close_app(app)


def test_the_server_packs_a_filestorage_on_its_schedule(tmp_path):
    app = _packed_app(tmp_path, **{"ostiary.pack_interval": "1", "ostiary.pack_keep_days": "0"})
    try:
        _rewrite(app, 200)
        grown = (tmp_path / "Data.fs").stat().st_size
        deadline = time.time() + 15
        while (tmp_path / "Data.fs").stat().st_size > grown / 5 and time.time() < deadline:
            time.sleep(0.1)
        assert (tmp_path / "Data.fs").stat().st_size < grown / 5
        with transaction_root(app) as root:
            assert root.users.by_login("alice").claims["note"].startswith("0199")
    finally:
        _close(app)


def test_a_pack_interval_of_0_starts_no_packing(tmp_path):
    from ostiary import main
    from ostiary.testing import base_settings

    app = main({}, **{**base_settings(tmp_path), "ostiary.pack_interval": "0", "ostiary.prune_interval": "0"})
    try:
        assert getattr(app.registry, "ostiary_pruner", None) is None
    finally:
        close_app(app)


def test_a_storage_other_than_filestorage_is_not_packed_in_process_and_the_log_says_so(tmp_path, caplog):
    from ostiary import main
    from ostiary.testing import base_settings

    settings = {**base_settings(tmp_path), "zodbconn.uri": "memory://", "ostiary.pack_interval": "1"}
    with caplog.at_level("INFO", logger="ostiary.maintenance"):
        app = main({}, **settings)
    try:
        assert getattr(app.registry, "ostiary_pruner", None) is None
        assert "ostiary.pack_interval: not packing in this process; this storage (MappingStorage)" in caplog.text
    finally:
        close_app(app)
