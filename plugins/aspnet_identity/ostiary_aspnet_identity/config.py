"""The ``aspnet_identity.*`` settings, parsed once at start-up.

Defaults are ASP.NET Core Identity's own (``IdentityOptions``), so a
database shared with a .NET application behaves the same on both sides.
Unknown ``aspnet_identity.*`` keys are refused, like core's ``ostiary.*``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ostiary.plugin import Setting, boolean, choice, optional_text, parse_settings_table, whole_number_between

PREFIX = "aspnet_identity."

#: ``UserOptions.AllowedUserNameCharacters``' default.
USERNAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@+"


def _lower_choice(*allowed: str):
    """One of ``allowed``, in any case (``V3`` is ``v3``)."""
    parse = choice(*allowed)
    return lambda value: parse(value.lower())


#: The rows of the ``ostiary_settings`` hook (docs/plugins/aspnet_identity.md has the same table).
SETTINGS: tuple[Setting, ...] = (
    Setting(PREFIX + "url", None, str.strip, "SQLAlchemy URL of the Identity database.", secret=True),
    Setting(PREFIX + "schema", "", optional_text, "Database schema of the AspNet* tables (empty: the default schema)."),
    Setting(
        PREFIX + "login_with_email", "true", boolean, "Also accept the email address at sign-in (when one user has it)."
    ),
    Setting(PREFIX + "require_confirmed_email", "false", boolean, "SignInOptions.RequireConfirmedEmail."),
    Setting(PREFIX + "require_unique_email", "false", boolean, "UserOptions.RequireUniqueEmail, for new users."),
    Setting(
        PREFIX + "allow_two_factor_users",
        "false",
        boolean,
        "Let TwoFactorEnabled users with neither an authenticator key nor recovery codes sign in with a password alone.",
    ),
    Setting(
        PREFIX + "max_failed_access_attempts", "5", whole_number_between(1), "LockoutOptions.MaxFailedAccessAttempts."
    ),
    Setting(
        PREFIX + "lockout_seconds", "300", whole_number_between(1), "LockoutOptions.DefaultLockoutTimeSpan, in seconds."
    ),
    Setting(PREFIX + "lockout_allowed_for_new_users", "true", boolean, "LockoutOptions.AllowedForNewUsers."),
    Setting(
        PREFIX + "hash_format",
        "v3",
        _lower_choice("v3", "v2"),
        "PasswordHasherOptions.CompatibilityMode: v3, or v2 for Identity 2.x.",
    ),
    Setting(PREFIX + "hash_prf", "sha512", _lower_choice("sha1", "sha256", "sha512"), "PRF of new version 3 hashes."),
    Setting(PREFIX + "hash_iterations", "100000", whole_number_between(1), "PasswordHasherOptions.IterationCount."),
    Setting(PREFIX + "check_password_options", "false", boolean, "Apply the PasswordOptions below to new passwords."),
    Setting(PREFIX + "password_required_length", "6", whole_number_between(0), "PasswordOptions.RequiredLength."),
    Setting(
        PREFIX + "password_required_unique_chars", "1", whole_number_between(0), "PasswordOptions.RequiredUniqueChars."
    ),
    Setting(PREFIX + "password_require_digit", "true", boolean, "PasswordOptions.RequireDigit."),
    Setting(PREFIX + "password_require_lowercase", "true", boolean, "PasswordOptions.RequireLowercase."),
    Setting(PREFIX + "password_require_uppercase", "true", boolean, "PasswordOptions.RequireUppercase."),
    Setting(PREFIX + "password_require_non_alphanumeric", "true", boolean, "PasswordOptions.RequireNonAlphanumeric."),
    Setting(
        PREFIX + "allowed_username_characters",
        USERNAME_CHARACTERS,
        str,
        "UserOptions.AllowedUserNameCharacters (empty: any).",
    ),
)

Options = dataclasses.make_dataclass("Options", [(row.key(PREFIX), Any) for row in SETTINGS], frozen=True)
Options.__doc__ = "The parsed ``aspnet_identity.*`` settings; one attribute per row of SETTINGS."


def parse_options(raw: dict) -> Any:
    """Parse the ``aspnet_identity.*`` keys of ``raw`` into :class:`Options`
    with core's parser: unknown keys refused, one line naming the key."""
    return Options(**vars(parse_settings_table(raw, SETTINGS, PREFIX)))


def options(**overrides) -> Any:
    """Options with ASP.NET's defaults and ``overrides`` (for tests and scripts)."""
    raw = {PREFIX + key: value for key, value in overrides.items()}
    raw.setdefault(PREFIX + "url", "sqlite://")
    return parse_options(raw)
