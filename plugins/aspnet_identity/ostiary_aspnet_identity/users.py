"""A user of an ASP.NET Core Identity database, and the small values
``UserManager`` makes (security stamps, concurrency stamps)."""

from __future__ import annotations

import base64
import dataclasses
import enum
import os
import uuid
from datetime import datetime, timezone


class SignIn(enum.Enum):
    """``SignInResult``, plus UNKNOWN for a name this store does not hold."""

    SUCCESS = "success"
    FAILED = "failed"
    LOCKED_OUT = "locked out"
    NOT_ALLOWED = "not allowed"
    REQUIRES_TWO_FACTOR = "requires two factor"
    UNKNOWN = "unknown"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


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
    def from_row(cls, row) -> "AspNetUser":
        return cls(
            subject=row["Id"], username=row["UserName"] or "", email=row["Email"],
            email_confirmed=bool(row["EmailConfirmed"]), phone_number=row["PhoneNumber"],
            phone_number_confirmed=bool(row["PhoneNumberConfirmed"]),
            two_factor_enabled=bool(row["TwoFactorEnabled"]), security_stamp=row["SecurityStamp"],
            lockout_enabled=bool(row["LockoutEnabled"]), lockout_end=row["LockoutEnd"],
            access_failed_count=row["AccessFailedCount"] or 0, password_hash=row["PasswordHash"],
        )

    def is_locked_out(self, when: datetime | None = None) -> bool:
        """``UserManager.IsLockedOutAsync``: lockout enabled and LockoutEnd >= now."""
        if not self.lockout_enabled or self.lockout_end is None:
            return False
        return self.lockout_end >= (when or utcnow())
