"""Small helpers shared by the persistent models."""

from __future__ import annotations

import hashlib
import secrets
import time


def now() -> int:
    """Seconds since the epoch, as every expiry in the models is stored."""
    return int(time.time())


def digest(value: str) -> str:
    """SHA-256 hex digest of a secret value: codes, tokens, session cookies
    and client secrets are stored only as digests, so a copy of the database
    hands out no usable credential."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def random_token(nbytes: int = 32) -> str:
    """A URL-safe random string carrying ``nbytes`` of entropy."""
    return secrets.token_urlsafe(nbytes)


def prune_expired(tree, when: int) -> int:
    """Delete the items of ``tree`` whose ``expires_at`` lies before ``when``."""
    stale = [key for key, item in tree.items() if item.expires_at is not None and item.expires_at < when]
    for key in stale:
        del tree[key]
    return len(stale)
