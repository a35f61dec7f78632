"""What the account console keeps between two requests: the pending email
changes, each waiting for its single-use confirmation link.

Only a digest of the link's token is stored (as the accounts library does
for its links), so a copy of the database does not confirm anybody's
address; a link is taken once, and expires after
``ostiary.account.email_link_lifetime`` seconds.
"""

from __future__ import annotations

from BTrees.OOBTree import OOBTree
from persistent import Persistent

from .util import digest, now, random_token


class EmailChange(Persistent):
    """``subject`` asked to change their address to ``email``."""

    def __init__(self, subject: str, email: str, old_email: str | None, expires_at: int):
        self.subject = subject
        self.email = email
        self.old_email = old_email
        self.expires_at = expires_at


class EmailChanges(Persistent):
    """Pending email changes by the digest of their link's token."""

    def __init__(self):
        self.by_digest = OOBTree()

    def start(self, subject: str, email: str, old_email: str | None, lifetime: int) -> str:
        """Record a change and return the token for its link; an earlier
        pending change of the same person is dropped (only the last link works)."""
        self.forget_subject(subject)
        token = random_token()
        self.by_digest[digest(token)] = EmailChange(subject, email, old_email, now() + lifetime)
        return token

    def take(self, token: str | None) -> EmailChange | None:
        """The change behind ``token``, used up; ``None`` if unknown, used or expired."""
        if not token:
            return None
        change = self.by_digest.pop(digest(token), None)
        if change is None or change.expires_at < now():
            return None
        return change

    def forget_subject(self, subject: str) -> int:
        stale = [key for key, change in self.by_digest.items() if change.subject == subject]
        for key in stale:
            del self.by_digest[key]
        return len(stale)

    def prune(self, when: int) -> int:
        stale = [key for key, change in self.by_digest.items() if change.expires_at < when]
        for key in stale:
            del self.by_digest[key]
        return len(stale)
