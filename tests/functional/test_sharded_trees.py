"""Codes, refresh tokens and sessions live in ShardedTree mappings: two
sign-ins at once collide only when their keys fall in the same BTree."""

from __future__ import annotations

import pytest
import webtest
from BTrees.OOBTree import OOBTree

from ostiary import main
from ostiary.models.root import CURRENT_GENERATION
from ostiary.models.sharded import SHARDS, ShardedTree
from ostiary.testing import (
    DEMO,
    CodeFlow,
    base_settings,
    close_app,
    commit_second_conflicts,
    concurrent_roots,
    load_data,
    transaction_root,
)


def keys_in(tree: ShardedTree, shard: int, count: int, prefix: str) -> list[str]:
    """``count`` keys that ``tree`` puts in shard number ``shard``."""
    found, n = [], 0
    while len(found) < count:
        key = f"{prefix}{n:06d}"
        if tree._shard(key) is tree.shards[shard]:
            found.append(key)
        n += 1
    return found


def test_a_sharded_tree_is_a_mapping_spread_over_its_shards():
    tree = ShardedTree((f"k{n}", n) for n in range(200))
    assert len(tree) == 200 and tree["k7"] == 7 and tree.get("nope") is None and "k199" in tree
    assert sum(1 for shard in tree.shards if len(shard)) == SHARDS  # every shard holds some
    assert sorted(tree.keys()) == sorted(f"k{n}" for n in range(200))
    assert dict(tree.items()) == {f"k{n}": n for n in range(200)}
    del tree["k7"]
    assert tree.pop("k8") == 8 and tree.pop("k8", None) is None
    with pytest.raises(KeyError):
        tree.pop("k8")
    assert len(tree) == 198 and "k7" not in tree


@pytest.mark.parametrize("sharded", [False, True])
def test_a_bucket_split_conflicts_only_with_inserts_into_the_same_tree(tmp_path, sharded):
    """Writer A fills a bucket until it splits while writer B, started at
    the same moment, adds one key: with one BTree, B's commit fails; with
    the keys in different shards, both commit."""
    app = main({}, **base_settings(tmp_path))
    db = app.registry._zodb_databases[""]
    try:
        probe = ShardedTree()
        a_keys = keys_in(probe, 0, 40, "a")
        b_key = keys_in(probe, 1, 1, "b")[0]
        with transaction_root(app) as root:
            root.grants.codes = ShardedTree() if sharded else OOBTree()
            for key in a_keys[:25]:
                root.grants.codes[key] = 1
        with concurrent_roots(app) as ((root_a, manager_a), (root_b, manager_b)):
            for key in a_keys[25:]:  # past a bucket's 30 items: it splits
                root_a.grants.codes[key] = 1
            root_b.grants.codes[b_key] = 2
            commit_second_conflicts(manager_a, manager_b, conflicts=not sharded)
        with transaction_root(app) as root:
            assert len(root.grants.codes) == 40 + (1 if sharded else 0)
    finally:
        db.close()


def test_an_older_database_gets_its_codes_and_sessions_sharded_and_keeps_them(tmp_path):
    app = main({}, **base_settings(tmp_path))
    try:
        load_data(app, DEMO)
        testapp = webtest.TestApp(app)
        flow = CodeFlow(testapp)
        code = flow.code(scope="openid offline_access")["code"]
        with transaction_root(app) as root:  # make it look like generation 3
            for store, name in (
                (root.grants, "codes"),
                (root.grants, "refresh_tokens"),
                (root.sessions, "by_cookie"),
                (root.sessions, "by_sid"),
            ):
                setattr(store, name, OOBTree(dict(getattr(store, name).items())))
            root.generation = 3
            assert len(root.sessions.by_cookie) == 1 and len(root.grants.codes) == 1
        with transaction_root(app) as root:  # opening it evolves it
            assert root.generation == CURRENT_GENERATION
            assert isinstance(root.grants.codes, ShardedTree) and isinstance(root.sessions.by_sid, ShardedTree)
            assert len(root.sessions.by_cookie) == 1 and len(root.grants.codes) == 1
        tokens = flow.exchange(code)  # the code issued before still works
        assert tokens.status_int == 200 and tokens.json["refresh_token"]
        again = flow.authorize(prompt="none", scope="openid offline_access")  # and so does the SSO session
        assert "code=" in again.location
    finally:
        close_app(app)


def test_consent_decisions_and_error_records_are_sharded_and_an_older_database_keeps_them(tmp_path):
    """Every consent writes a decision that the next authorize pops: the
    decisions (and error and logout records) are sharded like the codes, and
    generation 8 converts a database whose decisions were one OOBTree."""
    app = main({}, **base_settings(tmp_path))
    try:
        load_data(app, DEMO)
        testapp = webtest.TestApp(app)
        with transaction_root(app) as root:
            store = root.interactions
            assert all(isinstance(getattr(store, n), ShardedTree) for n in ("decisions", "errors", "logouts"))
        flow = CodeFlow(testapp)
        consent_page = flow.login(flow.authorize())  # signed in: on to the consent page
        answered = flow.consent(testapp.get(consent_page.location), remember=False)
        with transaction_root(app) as root:  # the decision waits: make it look like generation 7
            store = root.interactions
            assert len(store.decisions) == 1
            for name in ("decisions", "errors", "logouts"):
                setattr(store, name, OOBTree(dict(getattr(store, name).items())))
            root.generation = 7
        with transaction_root(app) as root:  # opening it evolves it
            assert root.generation == CURRENT_GENERATION
            assert isinstance(root.interactions.decisions, ShardedTree) and len(root.interactions.decisions) == 1
        assert "code" in flow.follow_to_client(answered)  # the decision taken before still answers
    finally:
        close_app(app)
