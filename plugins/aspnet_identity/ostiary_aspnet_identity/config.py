"""The ``aspnet_identity.*`` settings, parsed once at start-up.

Defaults are ASP.NET Core Identity's own (``IdentityOptions``), so a
database shared with a .NET application behaves the same on both sides.
Unknown ``aspnet_identity.*`` keys are refused, like core's ``ostiary.*``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from ostiary.settings import SettingsError

PREFIX = "aspnet_identity."

#: ``UserOptions.AllowedUserNameCharacters``' default.
USERNAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@+"


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "on", "1"):
        return True
    if lowered in ("false", "no", "off", "0"):
        return False
    raise ValueError("expected true or false")


def _int(minimum: int, maximum: int = 2**31 - 1) -> Callable[[str], int]:
    def parse(value: str) -> int:
        number = int(value)
        if not minimum <= number <= maximum:
            raise ValueError(f"expected a whole number from {minimum} to {maximum}")
        return number

    return parse


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip().lower()
        if value not in allowed:
            raise ValueError("expected one of " + ", ".join(allowed))
        return value

    return parse


def _optional(value: str) -> str | None:
    return value.strip() or None


#: name, default, parser, meaning (docs/plugins/aspnet_identity.md has the same table).
SETTINGS: tuple[tuple[str, str | None, Callable[[str], Any], str], ...] = (
    ("url", None, str.strip, "SQLAlchemy URL of the Identity database."),
    ("schema", "", _optional, "Database schema of the AspNet* tables (empty: the default schema)."),
    ("login_with_email", "true", _bool, "Also accept the email address at sign-in (when one user has it)."),
    ("require_confirmed_email", "false", _bool, "SignInOptions.RequireConfirmedEmail."),
    ("require_unique_email", "false", _bool, "UserOptions.RequireUniqueEmail, for new users."),
    ("allow_two_factor_users", "false", _bool, "Let users with TwoFactorEnabled sign in with a password alone."),
    ("max_failed_access_attempts", "5", _int(1), "LockoutOptions.MaxFailedAccessAttempts."),
    ("lockout_seconds", "300", _int(1), "LockoutOptions.DefaultLockoutTimeSpan, in seconds."),
    ("lockout_allowed_for_new_users", "true", _bool, "LockoutOptions.AllowedForNewUsers."),
    ("hash_format", "v3", _choice("v3", "v2"), "PasswordHasherOptions.CompatibilityMode: v3, or v2 for Identity 2.x."),
    ("hash_prf", "sha512", _choice("sha1", "sha256", "sha512"), "PRF of new version 3 hashes."),
    ("hash_iterations", "100000", _int(1), "PasswordHasherOptions.IterationCount."),
    ("check_password_options", "false", _bool, "Apply the PasswordOptions below to new passwords."),
    ("password_required_length", "6", _int(0), "PasswordOptions.RequiredLength."),
    ("password_required_unique_chars", "1", _int(0), "PasswordOptions.RequiredUniqueChars."),
    ("password_require_digit", "true", _bool, "PasswordOptions.RequireDigit."),
    ("password_require_lowercase", "true", _bool, "PasswordOptions.RequireLowercase."),
    ("password_require_uppercase", "true", _bool, "PasswordOptions.RequireUppercase."),
    ("password_require_non_alphanumeric", "true", _bool, "PasswordOptions.RequireNonAlphanumeric."),
    ("allowed_username_characters", USERNAME_CHARACTERS, str, "UserOptions.AllowedUserNameCharacters (empty: any)."),
)

Options = dataclasses.make_dataclass("Options", [(name, Any) for name, *_ in SETTINGS], frozen=True)
Options.__doc__ = "The parsed ``aspnet_identity.*`` settings; one attribute per row of SETTINGS."


def parse_options(raw: dict) -> Any:
    """Parse the ``aspnet_identity.*`` keys of ``raw`` into :class:`Options`."""
    known = {PREFIX + name for name, *_ in SETTINGS}
    for key in raw:
        if key.startswith(PREFIX) and key not in known:
            raise SettingsError(f"{key}: unknown setting (see docs/plugins/aspnet_identity.md)")
    values = {}
    for name, default, parse, _ in SETTINGS:
        text = raw.get(PREFIX + name, default)
        if text is None:
            raise SettingsError(f"{PREFIX}{name}: required setting is missing")
        if not isinstance(text, str):
            values[name] = text
            continue
        try:
            values[name] = parse(text)
        except ValueError as exc:
            raise SettingsError(f"{PREFIX}{name} = {text!r}: {exc}") from None
    return Options(**values)


def options(**overrides) -> Any:
    """Options with ASP.NET's defaults and ``overrides`` (for tests and scripts)."""
    raw = {PREFIX + key: value for key, value in overrides.items()}
    raw.setdefault(PREFIX + "url", "sqlite://")
    return parse_options(raw)
