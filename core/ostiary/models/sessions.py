"""Server-side SSO sessions.

The browser holds a random cookie value; the database holds only its
digest, with the session's ``sid``, subject, authentication time and
methods, and the clients that took part (which single sign-out notifies).
"""

from __future__ import annotations

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.list import PersistentList

from .util import digest, now, prune_expired, random_token


class SSOSession(Persistent):
    """One signed-in browser."""

    # After an external login: the upstream's ID token and session id, for
    # signing out there too (class defaults: sessions stored before had none).
    upstream_id_token = None
    upstream_sid = None

    def __init__(self, subject, lifetime, *, amr=("pwd",), idp="local", acr=None, persistent=False,
                 auth_time=None):
        started = now()
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


class SessionStore(Persistent):
    """Sessions by cookie digest, with an index by sid."""

    def __init__(self):
        self.by_cookie = OOBTree()
        self.by_sid = OOBTree()

    def start(self, session: SSOSession) -> str:
        """Store ``session``; return the cookie value that refers to it."""
        cookie = random_token(32)
        key = digest(cookie)
        self.by_cookie[key] = session
        self.by_sid[session.sid] = key
        return cookie

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

    def of_subject(self, subject) -> list[SSOSession]:
        return [s for s in self.by_cookie.values() if s.subject == subject]

    def prune(self, when: int) -> int:
        stale = [s.sid for s in self.by_cookie.values() if s.expires_at < when]
        for sid in stale:
            self.by_cookie.pop(self.by_sid.pop(sid), None)
        return len(stale)
