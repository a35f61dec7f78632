"""ASP.NET Core Identity's ``UserValidator`` and ``PasswordValidator`` with
their ``IdentityErrorDescriber`` messages, so that a user created or a
password set through Ostiary obeys the rules the .NET application would
apply. Each function raises ``ValueError`` with every message that applies
(safe to show: they name only what the person typed)."""

from __future__ import annotations


def _digit(char: str) -> bool:
    return "0" <= char <= "9"


def _lower(char: str) -> bool:
    return "a" <= char <= "z"


def _upper(char: str) -> bool:
    return "A" <= char <= "Z"


def password_errors(options, password: str | None) -> list[str]:
    """What ``PasswordValidator`` would say about ``password``."""
    password = password or ""
    errors = []
    if len(password) < options.password_required_length:
        errors.append(f"Passwords must be at least {options.password_required_length} characters.")
    if options.password_require_non_alphanumeric and all(_digit(c) or _lower(c) or _upper(c) for c in password):
        errors.append("Passwords must have at least one non alphanumeric character.")
    if options.password_require_digit and not any(_digit(c) for c in password):
        errors.append("Passwords must have at least one digit ('0'-'9').")
    if options.password_require_lowercase and not any(_lower(c) for c in password):
        errors.append("Passwords must have at least one lowercase ('a'-'z').")
    if options.password_require_uppercase and not any(_upper(c) for c in password):
        errors.append("Passwords must have at least one uppercase ('A'-'Z').")
    if options.password_required_unique_chars >= 1 and len(set(password)) < options.password_required_unique_chars:
        errors.append(f"Passwords must use at least {options.password_required_unique_chars} different characters.")
    return errors


def check_password(options, password: str | None) -> None:
    """Apply ``PasswordOptions`` when ``check_password_options`` is on; Ostiary's
    registration and reset pages check their own (NIST-style) policy first."""
    if not options.check_password_options:
        return
    errors = password_errors(options, password)
    if errors:
        raise ValueError(" ".join(errors))


def check_username(options, username: str | None) -> None:
    allowed = options.allowed_username_characters
    if not username or not username.strip() or (allowed and any(c not in allowed for c in username)):
        raise ValueError(f"Username '{username or ''}' is invalid, can only contain letters or digits.")


def check_email(email: str | None) -> None:
    """``EmailAddressAttribute``: exactly one ``@``, neither first nor last."""
    if not email or email.count("@") != 1 or email.startswith("@") or email.endswith("@"):
        raise ValueError(f"Email '{email or ''}' is invalid.")
