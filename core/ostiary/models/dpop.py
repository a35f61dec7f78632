"""What DPoP (RFC 9449) must remember across processes: the proofs seen,
against replay, and the secret the server nonces are derived from.

A proof's ``jti`` is remembered only as long as the proof itself would be
accepted (its ``iat`` plus the accepted age), so the tree holds at most the
proofs of that window and the pruner removes the rest. Entries are keyed by
a digest of the key thumbprint and the ``jti``: two clients choosing the
same ``jti`` do not collide, and nothing a client sent is kept verbatim.
"""

from __future__ import annotations

import secrets

from BTrees.OOBTree import OOBTree
from persistent import Persistent

from .util import digest, now


class DPoPStore(Persistent):
    """Seen proof ids and the nonce secret, shared by every process."""

    def __init__(self):
        self.seen = OOBTree()  # digest(jkt, jti) -> expires_at
        # Server nonces are an HMAC of the time window under this secret, so
        # every process hands out (and accepts) the same nonce without writing.
        self.nonce_secret = secrets.token_bytes(32)

    def remember_proof(self, jkt: str, jti: str, expires_at: int) -> bool:
        """Record a proof; False if the same key used this ``jti`` before."""
        key = digest(f"{jkt}\x00{jti}")
        seen = self.seen.get(key)
        if seen is not None and seen >= now():
            return False
        self.seen[key] = expires_at
        return True

    def prune(self, when: int) -> int:
        stale = [key for key, expires_at in self.seen.items() if expires_at < when]
        for key in stale:
            del self.seen[key]
        return len(stale)
