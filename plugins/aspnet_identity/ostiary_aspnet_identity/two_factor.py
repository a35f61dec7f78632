"""ASP.NET Core Identity's two factors, read and written where and as it does.

Where: ``AspNetUserTokens`` rows of the store's internal login provider
``[AspNetUserStore]`` (``UserStoreBase.InternalLoginProvider``):

``AuthenticatorKey``
    the authenticator app's shared secret, in Base32 as
    ``UserManager.GenerateNewAuthenticatorKey`` made it (20 random bytes,
    32 characters), shown to the person once as a QR code.
``RecoveryCodes``
    the unused recovery codes, joined by ``;`` (``ReplaceCodesAsync``).

How:

* An authenticator code is checked as ``AuthenticatorTokenProvider`` does:
  RFC 6238 with HMAC-SHA1, 30-second steps, 6 digits, and the steps from
  two before to two after now (90 seconds either way); the code is
  compared as a number, after the spaces and hyphens the ASP.NET pages
  strip. Unlike ASP.NET, a code that passed cannot pass again: the last
  time step used is kept in an ``AspNetUserTokens`` row of Ostiary's own
  (LoginProvider ``Ostiary``, Name ``AuthenticatorTimeStep``), so a code
  seen over someone's shoulder is worth nothing within its window.
* A recovery code is redeemed as ``UserStoreBase.RedeemCodeAsync`` does:
  exactly one of the stored codes (case matters), and the others written
  back in their order, joined by ``;``, so the .NET application sees the
  same set. Spaces are stripped first, as its recovery-code page does.
* A wrong code counts in ``AccessFailedCount`` with ASP.NET's lockout
  (``UserManager.AccessFailedAsync``), and a locked-out account is refused
  before any code is checked (``SignInManager.TwoFactorAuthenticatorSignInAsync``).
  ASP.NET does not count wrong recovery codes; Ostiary does, as every
  factor's failures count. A code that passes resets the count, as
  ``DoTwoFactorSignInAsync`` does.
"""

from __future__ import annotations

import enum
import re
import time

import pyotp
from sqlalchemy import insert, select, update

from .users import AspNetUser

INTERNAL_PROVIDER = "[AspNetUserStore]"
AUTHENTICATOR_KEY = "AuthenticatorKey"
RECOVERY_CODES = "RecoveryCodes"
#: Ostiary's own row: the last time step whose code passed.
LAST_STEP_TOKEN = ("Ostiary", "AuthenticatorTimeStep")

TIME_STEP = 30
WINDOW = 2  # steps either side of now
_CODE = re.compile(r"\s*[+-]?[0-9]{1,10}\s*", re.ASCII)  # what .NET's int.TryParse takes (NumberStyles.Integer)


class Outcome(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    LOCKED_OUT = "locked out"
    REPLAYED = "replayed"


def _token(store, db, subject: str, provider: str, name: str) -> str | None:
    tokens = store.tables.user_tokens
    return db.execute(
        select(tokens.c.Value).where(
            tokens.c.UserId == subject, tokens.c.LoginProvider == provider, tokens.c.Name == name
        )
    ).scalar()


def _set_token(store, db, subject: str, provider: str, name: str, value: str) -> None:
    """``UserStoreBase.SetTokenAsync``: update the row, or add it."""
    tokens = store.tables.user_tokens
    where = (tokens.c.UserId == subject, tokens.c.LoginProvider == provider, tokens.c.Name == name)
    if db.execute(update(tokens).where(*where).values(Value=value)).rowcount == 0:
        db.execute(insert(tokens).values(UserId=subject, LoginProvider=provider, Name=name, Value=value))


def authenticator_key(store, db, subject: str) -> str | None:
    """``GetAuthenticatorKeyAsync``; None when the person has none (or an empty one)."""
    key = _token(store, db, subject, INTERNAL_PROVIDER, AUTHENTICATOR_KEY)
    return key if key and key.strip() else None


def recovery_codes(store, db, subject: str) -> list[str]:
    merged = _token(store, db, subject, INTERNAL_PROVIDER, RECOVERY_CODES) or ""
    return [code for code in merged.split(";") if code]


def _matching_step(key: str, code: str, when: float) -> int | None:
    """The time step within the window whose code is ``code``, or None."""
    code = code.replace(" ", "").replace("-", "")
    if not _CODE.fullmatch(code):
        return None
    number = int(code)
    if not -(2**31) <= number < 2**31:
        return None
    try:
        hotp = pyotp.HOTP(key.strip(), digits=6)
        now_step = int(when) // TIME_STEP
        for step in range(now_step - WINDOW, now_step + WINDOW + 1):
            if int(hotp.at(step)) == number:
                return step
    except (ValueError, TypeError):  # a key that is not Base32
        return None
    return None


def _passed(store, db, user: AspNetUser) -> None:
    if user.access_failed_count:
        store._update(db, user.subject, AccessFailedCount=0)
        user.access_failed_count = 0


def _failed(store, db, user: AspNetUser) -> Outcome:
    store.access_failed(db, user)
    return Outcome.LOCKED_OUT if user.is_locked_out() else Outcome.FAILED


def verify_authenticator_code(store, db, user: AspNetUser, code: str, when: float | None = None) -> Outcome:
    """Check ``code`` from the person's authenticator app (see the module's docstring)."""
    if user.is_locked_out():
        return Outcome.LOCKED_OUT
    key = authenticator_key(store, db, user.subject)
    step = _matching_step(key, code or "", time.time() if when is None else when) if key else None
    if step is None:
        return _failed(store, db, user)
    provider, name = LAST_STEP_TOKEN
    last = _token(store, db, user.subject, provider, name)
    if last is not None and last.isdigit() and step <= int(last):
        _failed(store, db, user)
        return Outcome.REPLAYED
    _set_token(store, db, user.subject, provider, name, str(step))
    _passed(store, db, user)
    return Outcome.PASSED


def redeem_recovery_code(store, db, user: AspNetUser, code: str) -> Outcome:
    """Use up one recovery code (see the module's docstring)."""
    if user.is_locked_out():
        return Outcome.LOCKED_OUT
    code = (code or "").replace(" ", "")
    merged = _token(store, db, user.subject, INTERNAL_PROVIDER, RECOVERY_CODES) or ""
    codes = merged.split(";")
    if not code or code not in codes:
        return _failed(store, db, user)
    _set_token(store, db, user.subject, INTERNAL_PROVIDER, RECOVERY_CODES, ";".join(c for c in codes if c != code))
    # RedeemTwoFactorRecoveryCodeAsync ends in UpdateUserAsync: a new ConcurrencyStamp, whatever the count
    store._update(db, user.subject, AccessFailedCount=0)
    user.access_failed_count = 0
    return Outcome.PASSED
