"""Server-side SSO sessions.

The browser holds a random cookie value; the database holds only its
digest, with the session's ``sid``, subject, authentication time and
methods, and the clients that took part (which single sign-out notifies).

A session from an external login also records the provider and the
upstream ID token's ``sub`` and ``sid``; two indexes find those sessions
again when the upstream sends a back-channel logout token, without
scanning every session.
"""

from __future__ import annotations

from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent
from persistent.list import PersistentList

from .sharded import ShardedTree
from .util import digest, now, random_token


class SSOSession(Persistent):
    """One signed-in browser."""

    # After an external login: the upstream's ID token and session id, for
    # signing out there too (class defaults: sessions stored before had none).
    upstream_id_token = None
    upstream_sid = None
    # The provider and the upstream ID token's sub, which its back-channel
    # logout tokens name (None: a local sign-in, or a session from before).
    upstream_provider = None
    upstream_sub = None
    # What the account console shows of it (class defaults: sessions stored
    # before had none): when it started and was last used, from where, and
    # on what device (a short form of the user agent).
    started_at = None
    last_used_at = None
    address = None
    device = None

    def __init__(self, subject, lifetime, *, amr=("pwd",), idp="local", acr=None, persistent=False, auth_time=None):
        started = now()
        self.started_at = self.last_used_at = started
        self.sid = random_token(16)
        self.subject = subject
        # When the person authenticated: now, or earlier at an upstream provider.
        self.auth_time = started if auth_time is None else min(int(auth_time), started)
        self.amr = tuple(amr)
        self.idp = idp
        self.acr = acr
        self.persistent = persistent
        self.expires_at = started + lifetime
        self.clients = PersistentList()

    def add_client(self, client_id: str) -> None:
        if client_id not in self.clients:
            self.clients.append(client_id)

    def is_expired(self) -> bool:
        return now() >= self.expires_at

    def touch(self, when: int | None = None) -> None:
        """Note that the session was used. Written at most once a minute, so
        that a burst of authorize requests does not rewrite it each time."""
        when = now() if when is None else when
        if self.last_used_at is None or when - self.last_used_at >= TOUCH_INTERVAL:
            self.last_used_at = when


#: Seconds between two writes of a session's ``last_used_at``.
TOUCH_INTERVAL = 60


def subject_key(subject: str, sid: str) -> str:
    return f"{subject}\x00{sid}"


def upstream_key(provider: str, value: str) -> str:
    return f"{provider}\x00{value}"


class SessionStore(Persistent):
    """Sessions by cookie digest, with an index by sid, and indexes of the
    sessions from external logins by (provider, upstream sid) and
    (provider, upstream sub), each to a set of sids."""

    # Stores from before generation 3 get the upstream indexes by evolving.
    by_upstream_sid = None
    by_upstream_sub = None
    # subject NUL sid -> True, for the account console's list (generation 8).
    by_subject = None

    def __init__(self):
        # Written by every sign-in: spread over several BTrees (see .sharded).
        self.by_cookie = ShardedTree()
        self.by_sid = ShardedTree()
        self.by_upstream_sid = OOBTree()
        self.by_upstream_sub = OOBTree()
        self.by_subject = ShardedTree()

    def start(self, session: SSOSession) -> str:
        """Store ``session``; return the cookie value that refers to it."""
        cookie = random_token(32)
        key = digest(cookie)
        self.by_cookie[key] = session
        self.by_sid[session.sid] = key
        self._index_upstream(session)
        if self.by_subject is not None:
            self.by_subject[subject_key(session.subject, session.sid)] = True
        return cookie

    def index_subjects(self) -> None:
        """Build the index by subject (an evolve step), if missing."""
        if self.by_subject is None:
            self.by_subject = ShardedTree((subject_key(s.subject, s.sid), True) for s in self.by_cookie.values())

    # -- the upstream indexes -----------------------------------------------------

    def _upstream_entries(self, session: SSOSession):
        if not session.upstream_provider:
            return
        if session.upstream_sid:
            yield self.by_upstream_sid, upstream_key(session.upstream_provider, session.upstream_sid)
        if session.upstream_sub:
            yield self.by_upstream_sub, upstream_key(session.upstream_provider, session.upstream_sub)

    def _index_upstream(self, session: SSOSession) -> None:
        for tree, key in self._upstream_entries(session):
            sids = tree.get(key)
            if sids is None:
                sids = tree[key] = OOTreeSet()
            sids.add(session.sid)

    def _unindex_upstream(self, session: SSOSession) -> None:
        for tree, key in self._upstream_entries(session):
            sids = tree.get(key)
            if sids is not None:
                sids.discard(session.sid)
                if not sids:
                    del tree[key]

    def record_upstream(self, session: SSOSession, provider: str, *, sub=None, sid=None, id_token=None) -> None:
        """Remember where ``session`` (stored already) came from: the
        provider and the upstream ID token, its ``sub`` and ``sid``."""
        self._unindex_upstream(session)
        session.upstream_provider = provider
        session.upstream_sub = None if sub is None else str(sub)
        session.upstream_sid = None if sid is None else str(sid)
        session.upstream_id_token = id_token
        if self.by_sid.get(session.sid) is not None:
            self._index_upstream(session)

    def of_upstream(self, provider: str, *, sid=None, sub=None) -> list[SSOSession]:
        """The sessions from ``provider`` with upstream ``sid`` (when given)
        or else upstream ``sub``; with both, a session must have that sid
        and no other sub."""
        tree, value = (self.by_upstream_sid, sid) if sid is not None else (self.by_upstream_sub, sub)
        if value is None:
            return []
        found = [self.by_session_id(s) for s in tree.get(upstream_key(provider, str(value)), ())]
        sessions = [s for s in found if s is not None]
        if sid is not None and sub is not None:
            sessions = [s for s in sessions if s.upstream_sub in (None, str(sub))]
        return sessions

    def from_cookie(self, cookie: str | None) -> SSOSession | None:
        if not cookie:
            return None
        session = self.by_cookie.get(digest(cookie))
        if session is None or session.is_expired():
            return None
        return session

    def by_session_id(self, sid: str) -> SSOSession | None:
        key = self.by_sid.get(sid)
        return self.by_cookie.get(key) if key else None

    def end(self, session: SSOSession) -> None:
        key = self.by_sid.pop(session.sid, None)
        if key is not None:
            self.by_cookie.pop(key, None)
        self._unindex_upstream(session)
        if self.by_subject is not None:
            self.by_subject.pop(subject_key(session.subject, session.sid), None)

    def of_subject(self, subject) -> list[SSOSession]:
        """The sessions of ``subject`` (expired ones too, until pruned), from
        the index: one key range in each of its shards."""
        if self.by_subject is None:  # a database not evolved yet
            return [s for s in self.by_cookie.values() if s.subject == subject]
        prefix = f"{subject}\x00"
        found = []
        for shard in self.by_subject.shards:
            for key in shard.keys(prefix, prefix + "\uffff"):
                session = self.by_session_id(key[len(prefix) :])
                if session is not None:
                    found.append(session)
        return found

    def prune(self, when: int) -> int:
        stale = [s for s in self.by_cookie.values() if s.expires_at < when]
        for session in stale:
            self.end(session)
        return len(stale)
