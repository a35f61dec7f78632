"""Revoking a grant revokes its access tokens too (RFC 7009, section 2.1):
whatever revokes a token family, the access tokens issued from it stop
answering at userinfo and introspect as inactive."""

import time

import pytest
import webtest
from BTrees.OOBTree import OOBTree

from ostiary import main
from ostiary.models.root import CURRENT_GENERATION
from ostiary.models.sharded import ShardedTree
from ostiary.testing import (
    DEMO,
    CodeFlow,
    base_settings,
    client_post,
    close_app,
    form_value,
    load_data,
    transaction_root,
)


def _refresh(app, refresh_token):
    return client_post(app, "/connect/token", {"grant_type": "refresh_token", "refresh_token": refresh_token})


def assert_revoked(app, access_token):
    """The access token answers 401 invalid_token at userinfo and is inactive."""
    userinfo = app.get("/connect/userinfo", headers={"Authorization": "Bearer " + access_token}, expect_errors=True)
    assert userinfo.status_int == 401 and userinfo.json["error"] == "invalid_token"
    assert client_post(app, "/connect/introspect", {"token": access_token}).json == {"active": False}


def assert_live(app, access_token):
    userinfo = app.get("/connect/userinfo", headers={"Authorization": "Bearer " + access_token}, expect_errors=True)
    assert userinfo.status_int == 200
    assert client_post(app, "/connect/introspect", {"token": access_token}).json["active"] is True


@pytest.fixture
def tokens(app, flow):
    tokens = flow.exchange(flow.code(scope="openid offline_access")["code"]).json
    assert_live(app, tokens["access_token"])
    return tokens


def _revoke_on_grants_page(app):
    page = app.get("/account/applications")
    app.post("/account/applications", {"csrf_token": form_value(page.text, "csrf_token"), "client_id": "demo-rp"})


def test_revoking_the_refresh_token_revokes_the_access_token(app, tokens):
    assert client_post(app, "/connect/revocation", {"token": tokens["refresh_token"]}).status_int == 200
    assert_revoked(app, tokens["access_token"])


def test_refresh_token_reuse_revokes_every_access_token_of_the_family(app, tokens):
    # No reuse grace (issue 15 gives two tabs a few seconds by default; see test_refresh_policy.py).
    load_data(app.app, {"clients": [{"client_id": "demo-rp", "refresh_token_reuse_grace": 0}]})
    refreshed = _refresh(app, tokens["refresh_token"]).json
    assert_live(app, refreshed["access_token"])
    assert _refresh(app, tokens["refresh_token"]).json["error"] == "invalid_grant"  # reuse
    assert_revoked(app, tokens["access_token"])
    assert_revoked(app, refreshed["access_token"])


def test_revoking_the_application_on_the_grants_page_revokes_its_access_tokens(app, tokens):
    _revoke_on_grants_page(app)
    assert_revoked(app, tokens["access_token"])


def test_revoking_the_application_revokes_access_tokens_without_a_refresh_token(app, flow):
    tokens = flow.exchange(flow.code(scope="openid profile")["code"]).json
    assert "refresh_token" not in tokens
    _revoke_on_grants_page(app)
    assert_revoked(app, tokens["access_token"])


def test_a_disabled_users_access_token_is_inactive_at_introspection(app, tokens, ostiary_app):
    with transaction_root(ostiary_app) as root:
        root.users.by_login("alice").active = False
    assert_revoked(app, tokens["access_token"])


def test_a_replayed_code_makes_its_access_token_inactive_at_introspection(app, flow):
    code = flow.code(scope="openid")["code"]
    tokens = flow.exchange(code).json
    assert flow.exchange(code).json["error"] == "invalid_grant"
    assert_revoked(app, tokens["access_token"])


def test_revoking_one_grant_leaves_the_other_grants_access_tokens(app, flow, tokens):
    other = flow.exchange(flow.code(scope="openid offline_access")["code"]).json
    client_post(app, "/connect/revocation", {"token": tokens["refresh_token"]})
    assert_live(app, other["access_token"])


def test_a_family_is_kept_while_an_access_token_issued_from_it_lives(app, tokens, ostiary_app):
    with transaction_root(ostiary_app) as root:
        for family in root.grants.families.values():
            family.expires_at = int(time.time()) - 10  # its refresh tokens have expired
        root.prune()
    _revoke_on_grants_page(app)
    assert_revoked(app, tokens["access_token"])


def test_an_older_database_gets_its_families_sharded_and_revocation_still_works(tmp_path):
    app = main({}, **base_settings(tmp_path))
    try:
        load_data(app, DEMO)
        testapp = webtest.TestApp(app)
        flow = CodeFlow(testapp)
        tokens = flow.exchange(flow.code(scope="openid offline_access")["code"]).json
        with transaction_root(app) as root:  # make it look like generation 4
            families = root.grants.families
            for family in families.values():
                del family.access_tokens  # families knew no access tokens
            root.grants.families = OOBTree(dict(families.items()))
            root.generation = 4
        with transaction_root(app) as root:  # opening it evolves it
            assert root.generation == CURRENT_GENERATION
            assert isinstance(root.grants.families, ShardedTree) and len(root.grants.families) == 1
        refreshed = _refresh(testapp, tokens["refresh_token"]).json  # the old family still refreshes
        assert client_post(testapp, "/connect/revocation", {"token": refreshed["refresh_token"]}).status_int == 200
        assert_revoked(testapp, refreshed["access_token"])
        assert _refresh(testapp, refreshed["refresh_token"]).json["error"] == "invalid_grant"
    finally:
        close_app(app)
