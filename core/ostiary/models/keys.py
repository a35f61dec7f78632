"""Signing keys: generated at first start, rotated by ``ostiary keys rotate``.

A key's life has up to three stages:

- *announced* (pending): published in the JWKS but not yet signing, from its
  creation until ``activates_at``. ``keys rotate`` announces new keys this
  way (``ostiary.key_announcement``, a day by default), so that relying
  parties holding a cached JWKS already know the new key id when the first
  token signed with it reaches them;
- *active*: signs, from ``activates_at`` until ``retired_at`` (which may lie
  in the future: a scheduled retirement at a successor's activation);
- *retired*: no longer signs, but stays published until ``publish_until``,
  when every token it signed has expired; ``prune`` then removes it.

A rotation retires every key still in service at the new keys' activation,
an announced one too: a key replaced before its activation never signs.
The key ring holds every key, and for each algorithm one key signs at any
time (of those active then, the one activated last). Every change bumps the ring's
``version``; an activation or retirement that merely comes due does not,
so a process caching parsed keys also watches :meth:`KeyRing.next_change`.
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
    """One key pair; it signs from ``activates_at`` until ``retired_at``
    (None: no retirement scheduled) and is published until ``publish_until``
    (None: as long as it is not retired)."""

    #: Keys stored before keys were announced have no ``activates_at`` of
    #: their own: they have signed since their creation.
    activates_at = 0

    def __init__(self, alg: str, jwk: dict | None = None, activates_at: int | None = None):
        self.alg = alg
        self.jwk = jwk or generate_jwk(alg)
        self.kid = self.jwk["kid"]
        self.created_at = now()
        self.activates_at = self.created_at if activates_at is None else activates_at
        self.retired_at = None
        self.publish_until = None  # set at retirement: when the last token it signed expires

    def signs_at(self, when: int) -> bool:
        """Whether this key signs at ``when``: activated and not yet retired."""
        return self.activates_at <= when and (self.retired_at is None or self.retired_at > when)

    def pending_at(self, when: int) -> bool:
        """Whether this key is announced at ``when``: it signs later."""
        return self.activates_at > when and (self.retired_at is None or self.retired_at > self.activates_at)

    def superseded_at(self, when: int) -> bool:
        """Whether this key was announced but replaced before it signed, and
        is not yet retired at ``when``: it never signs."""
        return self.activates_at > when and self.retired_at is not None and when < self.retired_at <= self.activates_at

    def retired_by(self, when: int) -> bool:
        """Whether this key's retirement has come at ``when``."""
        return self.retired_at is not None and self.retired_at <= when

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
        """Create an immediately active key for every algorithm that has no
        key signing now; return whether anything changed."""
        changed = False
        for alg in ALGORITHMS:
            if self.active(alg) is None:
                self.keys.append(SigningKey(alg))
                changed = True
        if changed:
            self.version += 1
        return changed

    def active(self, alg: str, when: int | None = None) -> SigningKey | None:
        """The key that signs tokens of ``alg`` at ``when`` (default now):
        of the keys that sign then, the one activated last."""
        when = now() if when is None else when
        best = None
        for key in self.keys:  # newest last: a later key wins a tie
            if key.alg == alg and key.signs_at(when) and (best is None or key.activates_at >= best.activates_at):
                best = key
        return best

    def published(self, when: int | None = None) -> list[SigningKey]:
        """Keys a verifier may need at ``when`` (default now): every key not
        yet retired (announced ones included) and the retired ones whose
        tokens live on."""
        when = now() if when is None else when
        return [k for k in self.keys if not k.retired_by(when) or (k.publish_until or 0) > when]

    def rotate(self, longest_token_lifetime: int, announce: int = 0) -> list[SigningKey]:
        """Create a new key for every algorithm, signing ``announce`` seconds
        from now (0: at once); return the new keys.

        Every key still in service (active, or announced by an earlier
        rotation) retires when the new keys activate, or earlier if it was
        already scheduled to, and stays published for
        ``longest_token_lifetime`` seconds after its retirement, the longest
        any token it signed can still be presented.
        """
        if announce < 0:
            raise ValueError("announce must be 0 or more seconds")
        when = now()
        activation = when + announce
        for key in self.keys:
            if key.retired_by(when):
                continue
            key.retired_at = activation if key.retired_at is None else min(key.retired_at, activation)
            key.publish_until = key.retired_at + longest_token_lifetime
        fresh = [SigningKey(alg, activates_at=activation) for alg in ALGORITHMS]
        self.keys.extend(fresh)
        self.version += 1
        return fresh

    def next_change(self, when: int) -> int | None:
        """The first time after ``when`` at which a key starts or stops
        signing, or None: until then :meth:`active` answers the same."""
        times = [k.retired_at for k in self.keys if k.retired_at is not None and k.retired_at > when]
        # The activation of a key retired before it was due never comes.
        times += [
            k.activates_at
            for k in self.keys
            if k.activates_at > when and (k.retired_at is None or k.retired_at > k.activates_at)
        ]
        return min(times, default=None)

    def prune(self, when: int) -> int:
        """Remove the keys retired and no longer published at ``when``;
        return how many went."""
        stale = [k for k in self.keys if k.retired_by(when) and (k.publish_until or 0) <= when]
        for key in stale:
            self.keys.remove(key)
        if stale:
            self.version += 1
        return len(stale)
