"""A user of an ASP.NET Core Identity database, and the small values
``UserManager`` makes (security stamps, concurrency stamps)."""

from __future__ import annotations

import base64
import dataclasses
import enum
import os
import uuid
from datetime import UTC, datetime


class SignIn(enum.Enum):
    """``SignInResult``, plus UNKNOWN for a name this store does not hold."""

    SUCCESS = "success"
    FAILED = "failed"
    LOCKED_OUT = "locked out"
    NOT_ALLOWED = "not allowed"
    REQUIRES_TWO_FACTOR = "requires two factor"
    UNKNOWN = "unknown"


#: ``LockoutEnd`` of a disabled user: ``DateTimeOffset.MaxValue``, what
#: ASP.NET administration tools write to lock an account for good. A
#: lockout after failed sign-ins ends much sooner.
DISABLED_UNTIL = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_security_stamp() -> str:
    """``UserManager.NewSecurityStamp``: 20 random bytes in Base32."""
    return base64.b32encode(os.urandom(20)).decode("ascii")


def new_guid() -> str:
    """``Guid.NewGuid().ToString()``."""
    return str(uuid.uuid4())


@dataclasses.dataclass
class AspNetUser:
    """A row of ``AspNetUsers``, shaped for Ostiary's user-store contract."""

    subject: str
    username: str
    email: str | None
    email_confirmed: bool
    phone_number: str | None
    phone_number_confirmed: bool
    two_factor_enabled: bool
    security_stamp: str | None
    lockout_enabled: bool
    lockout_end: datetime | None
    access_failed_count: int
    password_hash: str | None = dataclasses.field(default=None, repr=False)
    claims: dict = dataclasses.field(default_factory=dict)
    active: bool = True

    @classmethod
    def from_row(cls, row) -> AspNetUser:
        return cls(
            subject=row["Id"],
            username=row["UserName"] or "",
            email=row["Email"],
            email_confirmed=bool(row["EmailConfirmed"]),
            phone_number=row["PhoneNumber"],
            phone_number_confirmed=bool(row["PhoneNumberConfirmed"]),
            two_factor_enabled=bool(row["TwoFactorEnabled"]),
            security_stamp=row["SecurityStamp"],
            lockout_enabled=bool(row["LockoutEnabled"]),
            lockout_end=row["LockoutEnd"],
            access_failed_count=row["AccessFailedCount"] or 0,
            password_hash=row["PasswordHash"],
            active=not (
                row["LockoutEnabled"]
                and row["LockoutEnd"] is not None
                and row["LockoutEnd"].year == DISABLED_UNTIL.year
            ),
        )

    @property
    def locked_until(self) -> int | None:
        """The end of a lockout after failed sign-ins as a POSIX time (the
        user-store contract), ``None`` when not locked or disabled."""
        if not self.active or not self.is_locked_out():
            return None
        return int(self.lockout_end.timestamp())

    def is_locked_out(self, when: datetime | None = None) -> bool:
        """``UserManager.IsLockedOutAsync``: lockout enabled and LockoutEnd >= now."""
        if not self.lockout_enabled or self.lockout_end is None:
            return False
        return self.lockout_end >= (when or utcnow())
