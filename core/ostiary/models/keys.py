"""Signing keys: generated at first start, rotated by ``ostiary keys rotate``.

A key ring holds one active key per algorithm plus retired keys, which stay
published in the JWKS until every token they signed has expired.
"""

from __future__ import annotations

from joserfc.jwk import ECKey, RSAKey
from persistent import Persistent
from persistent.list import PersistentList

from .util import now

ALGORITHMS = ("RS256", "ES256")


def generate_jwk(alg: str) -> dict:
    """A new private key for ``alg`` as a JWK dict with a thumbprint ``kid``."""
    params = {"alg": alg, "use": "sig"}
    if alg == "RS256":
        key = RSAKey.generate_key(2048, parameters=params, private=True, auto_kid=True)
    elif alg == "ES256":
        key = ECKey.generate_key("P-256", parameters=params, private=True, auto_kid=True)
    else:
        raise ValueError(f"unsupported signing algorithm {alg}")
    return key.as_dict(private=True)


class SigningKey(Persistent):
    """One key pair; ``retired_at`` is set when a newer key replaced it."""

    def __init__(self, alg: str, jwk: dict | None = None):
        self.alg = alg
        self.jwk = jwk or generate_jwk(alg)
        self.kid = self.jwk["kid"]
        self.created_at = now()
        self.retired_at = None
        self.publish_until = None  # set at retirement: when the last token it signed expires

    @property
    def public_jwk(self) -> dict:
        private_members = ("d", "p", "q", "dp", "dq", "qi")
        return {k: v for k, v in self.jwk.items() if k not in private_members}


class KeyRing(Persistent):
    """All signing keys, newest last."""

    def __init__(self):
        self.keys = PersistentList()
        # Bumped on every change, so a process can cache parsed keys and the
        # JWKS document and notice when another process rotated them.
        self.version = 0

    def ensure(self) -> bool:
        """Create the missing active keys; return whether anything changed."""
        changed = False
        for alg in ALGORITHMS:
            if self.active(alg) is None:
                self.keys.append(SigningKey(alg))
                changed = True
        if changed:
            self.version += 1
        return changed

    def active(self, alg: str) -> SigningKey | None:
        for key in reversed(self.keys):
            if key.alg == alg and key.retired_at is None:
                return key
        return None

    def published(self, when: int | None = None) -> list[SigningKey]:
        """Keys a verifier may still need: active ones and retired ones whose tokens live on."""
        when = now() if when is None else when
        return [k for k in self.keys if k.retired_at is None or (k.publish_until or 0) > when]

    def rotate(self, longest_token_lifetime: int) -> list[SigningKey]:
        """Retire the active keys and create new ones; return the new keys.

        The retired keys stay published for ``longest_token_lifetime``
        seconds, the longest any token they signed can still be presented.
        """
        when = now()
        for key in self.keys:
            if key.retired_at is None:
                key.retired_at = when
                key.publish_until = when + longest_token_lifetime
        fresh = [SigningKey(alg) for alg in ALGORITHMS]
        self.keys.extend(fresh)
        self.version += 1
        return fresh

    def prune(self, when: int) -> int:
        stale = [k for k in self.keys if k.retired_at is not None and (k.publish_until or 0) <= when]
        for key in stale:
            self.keys.remove(key)
        if stale:
            self.version += 1
        return len(stale)
