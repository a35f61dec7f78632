"""The key ring on its own: announced keys, activation, retirement and
pruning, with the clock held still so that every time is exact; and the
process's key cache following an activation without a version bump."""

from __future__ import annotations

import json

import pytest

import ostiary.models.keys as keys_module
import ostiary.protocol.signing as signing_module
from ostiary.models.keys import ALGORITHMS, KeyRing, SigningKey
from ostiary.protocol.signing import KeyCache

T0 = 1_700_000_000
HOUR = 3600
DAY = 86400
LONGEST = 2 * HOUR  # the longest token lifetime rotate() is given


class Clock:
    """``now()`` of the models, set by the test."""

    def __init__(self, monkeypatch, start: int = T0):
        self.time = start
        monkeypatch.setattr(keys_module, "now", lambda: self.time)
        monkeypatch.setattr(signing_module, "now", lambda: self.time)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def ring(clock) -> KeyRing:
    ring = KeyRing()
    ring.ensure()
    return ring


def kids(keys) -> set[str]:
    return {key.kid for key in keys}


def signing(ring, when=None) -> dict[str, str]:
    """alg -> kid of the key signing at ``when``."""
    return {alg: ring.active(alg, when).kid for alg in ALGORITHMS}


def test_ensure_creates_keys_that_sign_at_once(ring):
    assert {key.alg for key in ring.keys} == set(ALGORITHMS)
    assert all(key.activates_at == key.created_at == T0 for key in ring.keys)
    assert signing(ring) == {key.alg: key.kid for key in ring.keys}
    assert ring.ensure() is False


def test_a_key_stored_before_announcements_signs_since_its_creation(clock):
    key = SigningKey("ES256")
    del key.__dict__["activates_at"]  # as loaded from a database written before this change
    assert key.activates_at == 0
    assert key.signs_at(T0) and key.signs_at(0)


def test_an_announced_rotation_publishes_at_once_and_signs_later(ring, clock):
    old = signing(ring)
    version = ring.version
    fresh = ring.rotate(LONGEST, announce=DAY)
    assert ring.version == version + 1
    assert all(key.activates_at == T0 + DAY and key.retired_at is None for key in fresh)
    # Published at once, signing with the old keys until the activation ...
    assert kids(ring.published()) == set(old.values()) | kids(fresh)
    assert signing(ring) == old
    assert signing(ring, T0 + DAY - 1) == old
    # ... which retires the old keys, still published for the longest token lifetime.
    assert signing(ring, T0 + DAY) == {key.alg: key.kid for key in fresh}
    for key in ring.keys:
        if key.kid in old.values():
            assert (key.retired_at, key.publish_until) == (T0 + DAY, T0 + DAY + LONGEST)
    assert kids(ring.published(T0 + DAY + LONGEST - 1)) == set(old.values()) | kids(fresh)
    assert kids(ring.published(T0 + DAY + LONGEST)) == kids(fresh)


def test_a_rotation_without_announcement_signs_at_once(ring):
    old = signing(ring)
    fresh = ring.rotate(LONGEST)
    assert signing(ring) == {key.alg: key.kid for key in fresh}
    assert all(key.retired_at == T0 for key in ring.keys if key.kid in old.values())
    assert kids(ring.published()) == set(old.values()) | kids(fresh)


def test_a_second_announced_rotation_lets_each_key_sign_in_turn(ring, clock):
    first_keys = signing(ring)
    second = ring.rotate(LONGEST, announce=DAY)
    clock.time = T0 + HOUR
    third = ring.rotate(LONGEST, announce=DAY)
    # The first keys still retire at the second ones' activation, which sign
    # until the third ones' activation; nobody's retirement moved later.
    assert signing(ring, T0 + DAY - 1) == first_keys
    assert signing(ring, T0 + DAY) == {key.alg: key.kid for key in second}
    assert signing(ring, T0 + HOUR + DAY) == {key.alg: key.kid for key in third}
    assert all(key.retired_at == T0 + HOUR + DAY for key in second)
    assert all(key.publish_until == T0 + HOUR + DAY + LONGEST for key in second)
    assert len(ring.published()) == 6


def test_rotating_now_over_an_announced_key_replaces_it_before_it_signs(ring, clock):
    first_keys = signing(ring)
    pending = ring.rotate(LONGEST, announce=DAY)
    clock.time = T0 + HOUR
    urgent = ring.rotate(LONGEST, announce=0)
    assert signing(ring) == {key.alg: key.kid for key in urgent}
    assert signing(ring, T0 + DAY) == {key.alg: key.kid for key in urgent}  # the pending keys never sign
    assert all(key.retired_at == T0 + HOUR and not key.signs_at(T0 + DAY) for key in pending)
    assert all(key.retired_at == T0 + HOUR for key in ring.keys if key.kid in first_keys.values())
    assert ring.next_change(T0 + HOUR) is None


def test_a_shorter_announcement_brings_the_scheduled_retirements_forward(ring, clock):
    first_keys = signing(ring)
    pending = ring.rotate(LONGEST, announce=DAY)
    sooner = ring.rotate(LONGEST, announce=HOUR)
    assert all(key.retired_at == T0 + HOUR for key in ring.keys if key.kid in first_keys.values())
    assert all(key.retired_at == T0 + HOUR and key.activates_at == T0 + DAY for key in pending)
    assert signing(ring, T0 + HOUR) == {key.alg: key.kid for key in sooner}
    assert signing(ring, T0 + DAY) == {key.alg: key.kid for key in sooner}
    # Until then the first announced keys are published, but no longer due to sign.
    assert all(key.superseded_at(T0) and not key.pending_at(T0) for key in pending)
    assert all(key.pending_at(T0) and not key.superseded_at(T0) for key in sooner)
    assert kids(ring.published(T0 + HOUR - 1)) == kids(ring.keys)


def test_next_change_names_the_next_activation_or_retirement(ring, clock):
    assert ring.next_change(T0) is None
    ring.rotate(LONGEST, announce=DAY)
    assert ring.next_change(T0) == T0 + DAY
    assert ring.next_change(T0 + DAY - 1) == T0 + DAY
    assert ring.next_change(T0 + DAY) is None  # publish_until is no change in signing
    clock.time = T0 + HOUR
    ring.rotate(LONGEST, announce=2 * DAY)
    assert ring.next_change(T0 + HOUR) == T0 + DAY
    assert ring.next_change(T0 + DAY) == T0 + HOUR + 2 * DAY


def test_prune_keeps_announced_and_retiring_keys(ring, clock):
    old = signing(ring)
    fresh = ring.rotate(LONGEST, announce=DAY)
    version = ring.version
    assert ring.prune(T0 + DAY - 1) == 0
    assert ring.prune(T0 + DAY + LONGEST - 1) == 0
    assert ring.version == version
    assert ring.prune(T0 + DAY + LONGEST) == 2
    assert kids(ring.keys) == kids(fresh)
    assert not set(old.values()) & kids(ring.keys)
    assert ring.version == version + 1


def test_ensure_adds_a_key_only_for_an_algorithm_without_one_signing_now(ring, clock):
    ring.rotate(LONGEST, announce=DAY)
    assert ring.ensure() is False
    es256 = ring.active("ES256")
    es256.retired_at = T0  # as if it had been retired by hand
    assert ring.ensure() is True
    assert ring.active("ES256").kid != es256.kid
    # The announced ES256 key still takes over at its activation.
    announced = [key for key in ring.keys if key.alg == "ES256" and key.activates_at == T0 + DAY]
    assert ring.active("ES256", T0 + DAY) is announced[0]


def test_rotate_refuses_a_negative_announcement(ring):
    with pytest.raises(ValueError):
        ring.rotate(LONGEST, announce=-1)


# -- the process's key cache -------------------------------------------------------


def test_the_key_cache_follows_an_activation_without_a_version_bump(ring, clock):
    cache = KeyCache()
    old = signing(ring)
    fresh = ring.rotate(LONGEST, announce=DAY)
    material = cache.material(ring)
    assert material.valid_until == T0 + DAY
    assert {alg: key.kid for alg, key in material.signing.items()} == old
    assert {key["kid"] for key in json.loads(material.jwks_bytes)["keys"]} == kids(ring.published())
    cache._current_at = b"some tid"  # as published_jwks() leaves it
    clock.time = T0 + DAY - 1
    assert cache.material(ring) is material
    assert cache._current_at == b"some tid"
    version = ring.version
    clock.time = T0 + DAY
    rebuilt = cache.material(ring)
    assert ring.version == version
    assert rebuilt is not material
    assert {alg: key.kid for alg, key in rebuilt.signing.items()} == {key.alg: key.kid for key in fresh}
    assert rebuilt.valid_until is None
    assert cache._current_at is None  # the JWKS is read from the database once more
    assert cache.material(ring) is rebuilt
