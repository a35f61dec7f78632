"""Signing keys: list them with their state, rotate (announce) new ones.

A rotation publishes new keys at once and lets them sign after an
announcement delay (``ostiary.key_announcement`` unless told otherwise),
so relying parties with a cached JWKS know a key before its first token
reaches them; the keys they replace stay published until their last token
has expired. The command line's ``keys rotate`` is this function.
"""

from __future__ import annotations

from ..models.keys import ALGORITHMS
from ..models.util import now
from . import audit
from .errors import ValidationError

#: Added to the longest token lifetime before a retired key leaves the JWKS:
#: verifiers accept a token for a while after ``exp`` when their clock lags.
CLOCK_SKEW = 300
#: The longest announcement delay accepted (a year).
MAX_ANNOUNCE = 365 * 86400


def longest_token_lifetime(request) -> int:
    """The longest time a signed token can live: the server defaults and
    every client's own lifetimes (refresh tokens and codes are not JWTs)."""
    settings = request.registry.ostiary_settings
    lifetimes = [settings.access_token_lifetime, settings.id_token_lifetime]
    for client in request.ostiary_root.clients:
        lifetimes += [client.access_token_lifetime or 0, client.id_token_lifetime or 0]
    return max(lifetimes)


def key_state(key, when: int) -> str:
    """``announced`` (published, signing later), ``superseded`` (announced,
    but replaced before it signed), ``active``, ``retiring`` (active, with a
    retirement scheduled), ``retired`` or ``retired, unpublished`` (waiting
    for prune)."""
    if key.retired_by(when):
        return "retired" if (key.publish_until or 0) > when else "retired, unpublished"
    if key.pending_at(when):
        return "announced"
    if key.superseded_at(when):
        return "superseded"
    return "active" if key.retired_at is None else "retiring"


def as_data(key, when: int) -> dict:
    """A key as JSON: its public part only."""
    return {
        "kid": key.kid,
        "alg": key.alg,
        "created_at": key.created_at,
        "activates_at": key.activates_at,
        "retired_at": key.retired_at,
        "publish_until": key.publish_until,
        "state": key_state(key, when),
    }


def list_keys(request) -> dict:
    """Every key, with the age of the signing ones and the next rotation due."""
    current = now()
    ring = request.ostiary_root.keys
    lifetime = request.registry.ostiary_settings.key_lifetime
    due = []
    for alg in ALGORITHMS:
        key = ring.active(alg, current)
        if key is not None and key.retired_at is None:
            due.append(key.created_at + lifetime)
    return {
        "items": [as_data(k, current) for k in ring.keys],
        "key_lifetime": lifetime,
        "next_rotation_due": min(due) if due else None,
    }


def rotate_keys(request, actor: str, *, announce: int | None = None) -> dict:
    """New keys for every algorithm, signing ``announce`` seconds from now
    (None: the ``ostiary.key_announcement`` setting; 0: at once, as after a
    compromise). ``{"items": [the new keys]}``."""
    if announce is None:
        announce = request.registry.ostiary_settings.key_announcement
    if isinstance(announce, bool) or not isinstance(announce, int) or not 0 <= announce <= MAX_ANNOUNCE:
        raise ValidationError(f"expected a whole number of seconds from 0 to {MAX_ANNOUNCE}", "announce")
    fresh = request.ostiary_root.keys.rotate(longest_token_lifetime(request) + CLOCK_SKEW, announce)
    current = now()
    audit.record(request, actor, "keys", "rotated", " ".join(k.kid for k in fresh), announce=announce)
    return {"items": [as_data(k, current) for k in fresh]}
