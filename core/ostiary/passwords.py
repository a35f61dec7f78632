"""Password hashing for the built-in user store: argon2id, with the cost
parameters from the ini (OWASP's recommended minimum by default); and the
one password policy every way of setting a password applies (the account
console, registration, password reset, ``ostiary user``, ``ostiary load``).

The policy follows NIST SP 800-63B: a minimum length and a blocklist, no
rules about character classes. A password is refused when

* it is shorter than ``ostiary.password_min_length`` (10 by default) or
  longer than :data:`MAX_LENGTH` (nobody types that much, and a huge value
  is a cheap way to make the server hash for a long time);
* it is on the shipped common-password list, compared without regard to
  case, also when only digits or punctuation were added at its end
  (``Baseball2024!`` is ``baseball`` plus a year);
* it equals the username, the email address or the email's local part.

Length is counted in characters after Unicode NFKC normalisation. (It
lived in the accounts library until the console and the command line
needed it too; ``ostiary_accounts.policy`` still re-exports it.)"""

from __future__ import annotations

import functools
import importlib.resources
import re
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .i18n import _

# A fixed hash to verify against when the account does not exist, so that
# "no such user" takes as long as "wrong password".
_DUMMY_PASSWORD = "ostiary-timing-equaliser"


class Passwords:
    """Hash and verify passwords with one set of argon2id parameters."""

    def __init__(self, time_cost: int, memory_cost: int, parallelism: int):
        self.hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
        self._dummy = self.hasher.hash(_DUMMY_PASSWORD)

    @classmethod
    def from_settings(cls, settings) -> Passwords:
        return cls(settings.argon2_time_cost, settings.argon2_memory_cost, settings.argon2_parallelism)

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored``; a missing hash burns the same time."""
        try:
            return self.hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)


def get_passwords(request) -> Passwords:
    """The application's :class:`Passwords`, built once at start-up."""
    return request.registry.ostiary_passwords


# -- the password policy (moved from the accounts library, issue 12) ---------

MAX_LENGTH = 1024
_DECORATION = re.compile(r"[\d\W_]+$")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, case-folded."""
    text = importlib.resources.files(__package__).joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _personal(username: str | None, email: str | None) -> set[str]:
    values = {username or "", email or "", (email or "").partition("@")[0]}
    return {value.strip().casefold() for value in values} - {""}


class PasswordPolicy:
    """Decide whether a new password is acceptable."""

    def __init__(self, min_length: int = 10, common: frozenset[str] | None = None):
        self.min_length = min_length
        self.common = common_passwords() if common is None else common

    def is_common(self, folded: str) -> bool:
        stripped = _DECORATION.sub("", folded)
        return folded in self.common or (bool(stripped) and stripped in self.common)

    def problem(self, password: str, *, username: str | None = None, email: str | None = None):
        """Why ``password`` is refused (a translation string), or None if it is fine."""
        normal = unicodedata.normalize("NFKC", password or "")
        if len(normal) < self.min_length:
            return _("Use at least ${min} characters.", mapping={"min": self.min_length})
        if len(normal) > MAX_LENGTH:
            return _("Use at most ${max} characters.", mapping={"max": MAX_LENGTH})
        folded = normal.casefold()
        if self.is_common(folded):
            return _("This password is too common. Choose one that is harder to guess.")
        if folded in _personal(username, email):
            return _("The password must not be your username or email address.")
        return None


def get_policy(request_or_registry) -> PasswordPolicy:
    """The application's password policy, built once at start-up."""
    registry = getattr(request_or_registry, "registry", request_or_registry)
    return registry.ostiary_password_policy
