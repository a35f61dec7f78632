"""Dynamic client registration's persistent part: initial access tokens.

An initial access token (RFC 7591, section 3) lets whoever holds it register
clients while open registration is off. An administrator creates one for
a partner or a deployment pipeline; it may be used once or a number of
times and may expire. Like every other credential the server keeps, only
its SHA-256 digest is stored, so a copy of the database registers nothing.

The registration access token of RFC 7592 belongs to one client, so it is
kept on the :class:`~ostiary.models.clients.Client` itself (its digest).
"""

from __future__ import annotations

import hmac

from BTrees.OOBTree import OOBTree
from persistent import Persistent

from .util import digest, now, random_token


class InitialAccessTokenError(ValueError):
    """An initial access token was refused; ``str()`` says why, in one line."""


class InitialAccessToken(Persistent):
    """One initial access token: its digest, how often it may still be used
    (None: without limit) and when it expires (None: never)."""

    def __init__(self, token_id: str, token: str, uses: int | None, expires_at: int | None, created_by: str):
        self.token_id = token_id
        self.digest = digest(token)
        self.uses_left = uses
        self.uses = 0
        self.expires_at = expires_at
        self.created_by = created_by
        self.created_at = now()
        self.last_used_at = None

    def usable(self, when: int) -> bool:
        return (self.expires_at is None or when < self.expires_at) and (self.uses_left is None or self.uses_left > 0)

    def as_dict(self) -> dict:
        """A JSON-friendly view, without the digest."""
        return {
            "id": self.token_id,
            "uses": self.uses,
            "uses_left": self.uses_left,
            "expires_at": self.expires_at,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "last_used_at": self.last_used_at,
        }


class InitialAccessTokenStore(Persistent):
    """Initial access tokens by id (the id is public, the token is not)."""

    def __init__(self):
        self.items = OOBTree()

    def create(self, uses: int | None, lifetime: int | None, created_by: str) -> tuple[InitialAccessToken, str]:
        """A new token; returns it and the secret value, which is shown once
        and never stored."""
        if uses is not None and uses < 1:
            raise InitialAccessTokenError("uses must be at least 1 (or none for no limit)")
        if lifetime is not None and lifetime < 1:
            raise InitialAccessTokenError("the lifetime must be at least 1 second")
        token_id = random_token(6)
        value = random_token(32)
        expires_at = None if lifetime is None else now() + lifetime
        item = self.items[token_id] = InitialAccessToken(token_id, value, uses, expires_at, created_by)
        return item, value

    def find(self, value: str) -> InitialAccessToken | None:
        """The token whose secret is ``value``, usable or not."""
        candidate = digest(value or "")
        found = None
        # Few tokens exist at any time; comparing with every digest keeps the
        # timing the same whichever matched.
        for item in self.items.values():
            if hmac.compare_digest(candidate, item.digest):
                found = item
        return found

    def check(self, value: str) -> InitialAccessToken:
        """The usable token ``value``, or an error saying why it cannot be used."""
        item = self.find(value)
        if item is None:
            raise InitialAccessTokenError("the initial access token is unknown or was revoked")
        if item.expires_at is not None and now() >= item.expires_at:
            raise InitialAccessTokenError("the initial access token has expired")
        if item.uses_left is not None and item.uses_left < 1:
            raise InitialAccessTokenError("the initial access token has been used up")
        return item

    def redeem(self, value: str) -> InitialAccessToken:
        """Count one use of the token ``value``, or say why it cannot be used.

        Called once the registration it allows has been found valid, so that
        a refused request does not use a token up."""
        item = self.check(value)
        when = now()
        if item.uses_left is not None:
            item.uses_left -= 1
        item.uses += 1
        item.last_used_at = when
        return item

    def get(self, token_id: str) -> InitialAccessToken | None:
        return self.items.get(token_id)

    def revoke(self, token_id: str) -> None:
        if token_id not in self.items:
            raise InitialAccessTokenError(f"no initial access token {token_id!r}")
        del self.items[token_id]

    def __iter__(self):
        return iter(self.items.values())

    def prune(self, when: int) -> int:
        """Delete the tokens that can never be used again."""
        stale = [key for key, item in self.items.items() if not item.usable(when)]
        for key in stale:
            del self.items[key]
        return len(stale)
