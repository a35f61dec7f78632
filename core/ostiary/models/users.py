"""Users of the built-in (ZODB) user store.

Other user stores (an ASP.NET Identity database, LDAP, ...) keep their users
elsewhere; the rest of Ostiary sees users only through the user-store hooks.
"""

from __future__ import annotations

import secrets

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.mapping import PersistentMapping

from .util import now


class UserError(ValueError):
    """A user cannot be created or changed as asked."""


def fold(name: str) -> str:
    """The lookup key of a username or email: case-insensitive."""
    return name.strip().casefold()


class User(Persistent):
    """A person who signs in with a username (or email) and password."""

    def __init__(self, username: str, email: str | None = None, claims=None, subject: str | None = None):
        self.subject = subject or secrets.token_hex(16)
        self.username = username
        self.email = email
        self.password_hash = None
        self.claims = PersistentMapping(claims or {})
        self.active = True
        self.failed_logins = 0
        self.locked_until = 0
        self.created_at = now()

    def is_locked(self, when: int | None = None) -> bool:
        return self.locked_until > (now() if when is None else when)


class UserDirectory(Persistent):
    """Users by subject, with case-insensitive indexes on username and email."""

    def __init__(self):
        self.by_subject = OOBTree()
        self.by_username = OOBTree()
        self.by_email = OOBTree()

    def add(self, user: User) -> User:
        if not isinstance(user.username, str) or not user.username.strip():
            # An empty name would be a login anyone could type by accident,
            # and no one could tell the account apart in `user list`.
            raise UserError("the username must not be empty")
        if fold(user.username) in self.by_username:
            raise UserError(f"username {user.username!r} is taken")
        if user.email and fold(user.email) in self.by_email:
            raise UserError(f"email {user.email!r} is taken")
        self.by_subject[user.subject] = user
        self.by_username[fold(user.username)] = user.subject
        if user.email:
            self.by_email[fold(user.email)] = user.subject
        return user

    def set_email(self, user: User, email: str | None) -> None:
        if email and fold(email) in self.by_email and self.by_email[fold(email)] != user.subject:
            raise UserError(f"email {email!r} is taken")
        if user.email:
            self.by_email.pop(fold(user.email), None)
        user.email = email
        if email:
            self.by_email[fold(email)] = user.subject

    def remove(self, subject: str) -> User | None:
        """Take ``subject`` out of the directory and its indexes (account deletion)."""
        user = self.by_subject.pop(subject, None)
        if user is not None:
            self.by_username.pop(fold(user.username), None)
            if user.email:
                self.by_email.pop(fold(user.email), None)
        return user

    def by_login(self, login: str) -> User | None:
        """Find a user by username, else by email."""
        key = fold(login)
        subject = self.by_username.get(key) or self.by_email.get(key)
        return self.by_subject.get(subject) if subject else None

    def get(self, subject: str) -> User | None:
        return self.by_subject.get(subject)

    def __iter__(self):
        return iter(self.by_subject.values())
