"""Refresh tokens people can live with: an idle (sliding) lifetime beside
the absolute one, and a reuse grace so that two tabs refreshing at once get
the same answer instead of revoking the grant; reuse after the grace still
revokes it."""

from __future__ import annotations

import time

import pytest

from ostiary.testing import client_post, load_data, transaction_root


def _set(app, **fields):
    load_data(app.app, {"clients": [{"client_id": "demo-rp", **fields}]})


def _tokens(flow) -> dict:
    return flow.exchange(flow.code(scope="openid offline_access")["code"]).json


def _refresh(app, value):
    return client_post(app, "/connect/token", {"grant_type": "refresh_token", "refresh_token": value})


def _age_rotation(app, seconds: int) -> None:
    """Move every recorded rotation ``seconds`` into the past, as if that
    much time had gone by (data, not code, is changed)."""
    with transaction_root(app.app) as root:
        for item in root.grants.refresh_tokens.values():
            if item.rotated_at is not None:
                item.rotated_at -= seconds


def test_two_tabs_refreshing_at_once_get_the_same_answer(app, flow):
    tokens = _tokens(flow)
    first = _refresh(app, tokens["refresh_token"])
    second = _refresh(app, tokens["refresh_token"])
    assert first.status_int == second.status_int == 200
    assert second.json == first.json
    # Both tabs go on with the one new refresh token.
    assert _refresh(app, first.json["refresh_token"]).status_int == 200


def test_reuse_after_the_grace_still_revokes_the_grant(app, flow):
    tokens = _tokens(flow)
    first = _refresh(app, tokens["refresh_token"]).json
    _age_rotation(app, 60)
    assert _refresh(app, tokens["refresh_token"]).json["error"] == "invalid_grant"
    assert _refresh(app, first["refresh_token"]).json["error"] == "invalid_grant"
    assert client_post(app, "/connect/introspect", {"token": first["access_token"]}).json == {"active": False}


def test_a_client_grace_of_zero_revokes_at_once(app, flow):
    _set(app, refresh_token_reuse_grace=0)
    tokens = _tokens(flow)
    first = _refresh(app, tokens["refresh_token"]).json
    assert _refresh(app, tokens["refresh_token"]).json["error"] == "invalid_grant"
    assert _refresh(app, first["refresh_token"]).json["error"] == "invalid_grant"


def test_a_longer_client_grace(app, flow):
    _set(app, refresh_token_reuse_grace=120)
    tokens = _tokens(flow)
    first = _refresh(app, tokens["refresh_token"]).json
    _age_rotation(app, 60)
    assert _refresh(app, tokens["refresh_token"]).json == first


def test_the_kept_answer_holds_no_readable_token(app, flow):
    """The database keeps the answer only sealed under the old token."""
    tokens = _tokens(flow)
    first = _refresh(app, tokens["refresh_token"]).json
    with transaction_root(app.app) as root:
        sealed = [item.grace_answer for item in root.grants.refresh_tokens.values() if item.grace_answer]
    assert len(sealed) == 1
    assert first["refresh_token"].encode() not in sealed[0] and first["access_token"].encode() not in sealed[0]


def test_an_idle_refresh_token_lapses_and_each_use_slides_the_window(app, flow):
    # Expiry is counted in whole seconds: 1.5 s are at most 2 on the clock.
    _set(app, refresh_token_idle_lifetime=3)
    tokens = _tokens(flow)
    time.sleep(1.5)
    first = _refresh(app, tokens["refresh_token"])  # used in time: a new window
    assert first.status_int == 200
    time.sleep(1.5)
    second = _refresh(app, first.json["refresh_token"])  # 3 s after the exchange, 1.5 s idle
    assert second.status_int == 200, second.text
    time.sleep(4.1)
    lapsed = _refresh(app, second.json["refresh_token"])
    assert lapsed.status_int == 400 and lapsed.json["error"] == "invalid_grant"


def test_the_idle_window_never_passes_the_absolute_lifetime(app, flow):
    _set(app, refresh_token_idle_lifetime=3600, refresh_token_lifetime=2)
    tokens = _tokens(flow)
    time.sleep(2.2)
    assert _refresh(app, tokens["refresh_token"]).json["error"] == "invalid_grant"


@pytest.mark.parametrize("field", ["refresh_token_idle_lifetime", "refresh_token_reuse_grace"])
def test_negative_or_non_numbers_are_refused_at_load_time(app, field):
    from ostiary.loader import LoadError

    for value in (-1, "5", True):
        with pytest.raises(LoadError, match=field):
            _set(app, **{field: value})
