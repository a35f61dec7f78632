"""Password hashing for the built-in user store: argon2id, with the cost
parameters from the ini (OWASP's recommended minimum by default)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

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
