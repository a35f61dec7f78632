"""What the account plugins keep in the database.

Each plugin keeps one :class:`AccountData` (or a subclass) under its own key
of the ZODB root mapping, beside Ostiary's own root (key ``"ostiary"``):
tokens that were mailed, stored only as SHA-256 digests, each with an
expiry and used at most once; and rate-limit counters. Both live in the
database, not in process memory, so every process of a deployment agrees.
What has expired goes with Ostiary's own pruning (the plugins'
``ostiary_housekeeping`` hooks call :func:`prune_container`), not on the
requests that write.
"""

from __future__ import annotations

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid_zodbconn import get_connection

from ostiary.plugin import digest, now, random_token


class MailedToken(Persistent):
    """What a mailed token stands for; the token itself is not stored."""

    def __init__(self, subject: str, lifetime: int, data: dict):
        self.subject = subject
        self.data = dict(data)
        self.created_at = now()
        self.expires_at = self.created_at + lifetime


class TokenStore(Persistent):
    """Single-use, expiring tokens by digest; one live token per subject, so a
    newer mail makes the links of older ones stop working."""

    def __init__(self):
        self.tokens = OOBTree()  # digest -> MailedToken
        self.by_subject = OOBTree()  # subject -> digest

    def issue(self, subject: str, lifetime: int, **data) -> str:
        """Store a new token for ``subject``; return the token (to mail)."""
        self.revoke(subject)
        token = random_token(32)
        key = digest(token)
        self.tokens[key] = MailedToken(subject, lifetime, data)
        self.by_subject[subject] = key
        return token

    def peek(self, token: str | None) -> MailedToken | None:
        """The live record behind ``token``, or None (unknown, used, expired)."""
        if not token or len(token) > 256:
            return None
        record = self.tokens.get(digest(token))
        if record is None or record.expires_at < now():
            return None
        return record

    def take(self, token: str | None) -> MailedToken | None:
        """Like :meth:`peek`, and the token can never be used again."""
        record = self.peek(token)
        if record is not None:
            self.revoke(record.subject)
        return record

    def revoke(self, subject: str) -> None:
        key = self.by_subject.pop(subject, None)
        if key is not None:
            self.tokens.pop(key, None)

    def prune(self, when: int) -> int:
        stale = [(key, record.subject) for key, record in self.tokens.items() if record.expires_at < when]
        for key, subject in stale:
            del self.tokens[key]
            if self.by_subject.get(subject) == key:
                del self.by_subject[subject]
        return len(stale)


class RateLimiter(Persistent):
    """Fixed-window counters: at most ``limit`` hits per ``window`` seconds per key."""

    def __init__(self):
        self.counters = OOBTree()  # key -> (window ends at, hits)

    def hit(self, key: str, limit: int, window: int, when: int | None = None) -> bool:
        """Count one hit on ``key``; False when the limit was already reached."""
        when = now() if when is None else when
        ends, hits = self.counters.get(key, (0, 0))
        if ends <= when:
            ends, hits = when + window, 0
        if hits >= limit:
            return False
        self.counters[key] = (ends, hits + 1)
        return True

    def prune(self, when: int) -> int:
        stale = [key for key, (ends, _) in self.counters.items() if ends <= when]
        for key in stale:
            del self.counters[key]
        return len(stale)


class AccountData(Persistent):
    """One plugin's container: its tokens and its rate-limit counters.

    A change of its persistent shape adds a step to the plugins' evolve
    steps (``ostiary_evolve_steps``, see :func:`first_step`)."""

    def __init__(self):
        self.tokens = TokenStore()
        self.limits = RateLimiter()

    def prune(self, when: int | None = None) -> int:
        """Delete expired tokens and counters; return how many went."""
        when = now() if when is None else when
        return self.tokens.prune(when) + self.limits.prune(when)


def prune_container(mapping, key: str, when: int) -> int:
    """Prune the container under ``key`` of the root mapping ``mapping``, if
    there is one (an ``ostiary_housekeeping`` implementation)."""
    data = mapping.get(key)
    return data.prune(when) if data is not None else 0


def first_step(key: str, factory=AccountData):
    """Evolve step 1 of a plugin's data under ``key``: create the container
    (at start-up, before any request), and drop from one made by an older
    release the time of its last prune, which pruning on submit kept."""

    def create_container(mapping) -> None:
        data = mapping.get(key)
        if data is None:
            mapping[key] = factory()
        elif hasattr(data, "pruned_at"):  # (hasattr loads a ghost; vars would not)
            del data.pruned_at

    create_container.__doc__ = f"create {key}, or drop the pruned_at that pruning on submit kept"
    return create_container


def container(request, key: str, factory=AccountData, create: bool = False):
    """The container under ``key`` of the ZODB root mapping in this request's
    connection; created when ``create`` (only requests that write ask)."""
    mapping = get_connection(request).root()
    data = mapping.get(key)
    if data is None and create:
        data = mapping[key] = factory()
    return data
