"""How long refresh tokens live, and what a second use right after a
rotation gets.

**Idle (sliding) lifetime.** Beside the absolute lifetime of the grant
(``refresh_token_lifetime``, counted from the code exchange), a refresh
token may also lapse when it is not used for a while
(``refresh_token_idle_lifetime``, per client, or the server's
``ostiary.refresh_token_idle_lifetime``; 0: no idle limit). Each rotation
issues a new token, so the idle window slides with every use, but never
past the grant's absolute end.

**Reuse grace.** Rotation with reuse detection (OAuth 2.0 Security BCP,
4.14) revokes the whole grant when a rotated token comes back. Two tabs of
one browser application refreshing at the same moment present the same
token twice, and would sign the person out. For a few seconds after a
rotation (``refresh_token_reuse_grace``, per client, or
``ostiary.refresh_token_reuse_grace``; 0 turns it off) the rotated token is
answered with **the same answer** as its first use: the same access, ID
and refresh tokens, so both tabs go on with one token chain. Later reuse
still revokes the grant.

That answer must be kept for the grace period, but the database must hand
out no usable credential (tokens are stored as digests): it is kept
encrypted (Fernet, from ``cryptography``) under a key derived from the
rotated refresh token itself, which only its holder knows, and only for
the grace period (the Fernet timestamp is checked on reading).
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken

from ..models.util import now

_KEY_CONTEXT = b"ostiary refresh-token reuse grace\x00"


def idle_lifetime(server, client) -> int:
    value = getattr(client, "refresh_token_idle_lifetime", None)
    return server.settings.refresh_token_idle_lifetime if value is None else value


def reuse_grace(server, client) -> int:
    value = getattr(client, "refresh_token_reuse_grace", None)
    return server.settings.refresh_token_reuse_grace if value is None else value


def limit_idle(server, client, value: str) -> None:
    """Shorten a just-issued refresh token to the idle lifetime, never
    beyond the grant's absolute end (which it already carries)."""
    idle = idle_lifetime(server, client)
    if idle:
        item = server.grant_store.find_refresh_token(value)
        item.expires_at = min(item.expires_at, item.issued_at + idle)


def _fernet(presented: str) -> Fernet:
    key = hashlib.sha256(_KEY_CONTEXT + presented.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def remember_answer(server, client, rotated, presented: str, body: dict) -> None:
    """Keep the answer to the rotation of ``rotated`` (presented as
    ``presented``) for the reuse grace, encrypted for its holder."""
    rotated.rotated_at = now()
    if reuse_grace(server, client) > 0:
        rotated.grace_answer = _fernet(presented).encrypt(json.dumps(dict(body)).encode())


def answer_again(server, client, rotated, presented: str) -> dict | None:
    """The answer of the first use of a rotated token, if it is presented
    again within the grace; None when the reuse must revoke the grant."""
    grace = reuse_grace(server, client)
    sealed = getattr(rotated, "grace_answer", None)
    rotated_at = getattr(rotated, "rotated_at", None)
    if not grace or sealed is None or rotated_at is None or now() > rotated_at + grace:
        return None
    try:
        return json.loads(_fernet(presented).decrypt(sealed, ttl=grace + 1))
    except (InvalidToken, ValueError):
        return None
