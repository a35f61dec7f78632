"""Partial sign-ins: a person who passed some factors but not yet all.

Between the steps of a sign-in nothing is in the browser but a random
cookie; the database keeps its digest with what the steps so far proved
(who, which methods, which ``amr``), the return URL, and each method's
scratch space (a challenge, a secret being enrolled). No SSO session
exists until every required step passed: then the record is taken out,
once, and a session starts from it. A record lives a few minutes
(``ostiary.signin_step_lifetime``); the pruner deletes forgotten ones.

A step-up (a session that must prove a further factor for a client)
records the session's ``sid``: finishing it extends that session rather
than starting another.
"""

from __future__ import annotations

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.list import PersistentList
from persistent.mapping import PersistentMapping

from .util import digest, now, prune_expired, random_token


class PartialSignIn(Persistent):
    """What the steps of one sign-in proved so far."""

    #: After an external provider: what ``SessionStore.record_upstream`` needs
    #: once the session starts (provider, sub, sid, id_token), else None.
    upstream = None

    def __init__(
        self,
        subject: str,
        lifetime: int,
        *,
        return_url: str = "",
        idp: str = "local",
        remember: bool = False,
        auth_time: int | None = None,
        step_up_sid: str | None = None,
    ):
        self.subject = subject
        self.return_url = return_url
        self.idp = idp
        self.remember = remember
        self.auth_time = now() if auth_time is None else auth_time
        self.step_up_sid = step_up_sid
        self.methods = PersistentList()  # names of the methods passed, in order
        self.amr = PersistentList()
        self.enrolled_now = PersistentList()  # methods set up during this sign-in
        self.states = PersistentMapping()  # method name -> its scratch space
        self.expires_at = now() + lifetime

    def passed(self, method: str, amr) -> None:
        if method not in self.methods:
            self.methods.append(method)
        for value in amr:
            if value not in self.amr:
                self.amr.append(value)

    def state(self, method: str) -> PersistentMapping:
        if method not in self.states:
            self.states[method] = PersistentMapping()
        return self.states[method]

    def is_expired(self) -> bool:
        return now() >= self.expires_at


class SignInStore(Persistent):
    """Partial sign-ins by the digest of their cookie."""

    def __init__(self):
        self.by_cookie = OOBTree()

    def start(self, record: PartialSignIn) -> str:
        """Store ``record``; return the cookie value that refers to it."""
        cookie = random_token(32)
        self.by_cookie[digest(cookie)] = record
        return cookie

    def get(self, cookie: str | None) -> PartialSignIn | None:
        if not cookie:
            return None
        record = self.by_cookie.get(digest(cookie))
        if record is None or record.is_expired():
            return None
        return record

    def take(self, cookie: str | None) -> PartialSignIn | None:
        """The record, deleted: it finishes (or cancels) a sign-in once."""
        if not cookie:
            return None
        record = self.by_cookie.pop(digest(cookie), None)
        if record is None or record.is_expired():
            return None
        return record

    def prune(self, when: int) -> int:
        return prune_expired(self.by_cookie, when)
