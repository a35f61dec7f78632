"""Every ``ostiary.*`` setting, parsed and validated in one place.

The table :data:`SETTINGS` is the single source of truth: the README's
configuration table and ``etc/development.ini`` document the same names.
:func:`parse_settings` turns the raw strings of a Paste Deploy ini section
into a frozen :class:`Settings` object, or stops start-up with a
:class:`SettingsError` that names the bad setting.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable
from urllib.parse import urlsplit


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "on", "1"):
        return True
    if lowered in ("false", "no", "off", "0"):
        return False
    raise ValueError("expected true or false")


def _names(value: str) -> tuple[str, ...]:
    return tuple(value.replace(",", " ").split())


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("expected a whole number of at least 1")
    return number


def _issuer(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("expected an absolute http(s) URL")
    if parts.query or parts.fragment:
        raise ValueError("an issuer has no query or fragment (OpenID Connect Discovery 1.0, section 2)")
    return value.rstrip("/")


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("expected a whole number of at least 0")
    return number


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip()
        if value not in allowed:
            raise ValueError("expected one of " + ", ".join(allowed))
        return value

    return parse


def _tristate(value: str) -> bool | None:
    return None if value.strip().lower() == "auto" else _bool(value)


def _text(value: str) -> str | None:
    return value.strip() or None


def _hex_colour(value: str) -> str | None:
    value = value.strip().lower()
    if not value:
        return None
    if not re.fullmatch(r"#(?:[0-9a-f]{3}|[0-9a-f]{6})", value):
        raise ValueError("expected a CSS hex colour such as #2456a6")
    if len(value) == 4:
        value = "#" + "".join(c * 2 for c in value[1:])
    return value


def _link(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    parts = urlsplit(value)
    if value.startswith("/") and not value.startswith("//"):
        return value
    if parts.scheme in ("http", "https") and parts.netloc:
        return value
    raise ValueError("expected a path on this server (/...) or an absolute http(s) URL")


def _languages(value: str) -> tuple[str, ...]:
    names = _names(value)
    if not names:
        raise ValueError("name at least one language")
    for name in names:
        if not re.fullmatch(r"[a-z]{2,3}(?:_[A-Z]{2})?", name):
            raise ValueError(f"{name!r} is not a locale name such as de or pt_BR")
    return names


@dataclasses.dataclass(frozen=True)
class Setting:
    """One row of the settings table."""

    name: str
    default: str | None
    parse: Callable[[str], Any]
    doc: str

    @property
    def attribute(self) -> str:
        return self.name.removeprefix("ostiary.").replace(".", "_")


SETTINGS: tuple[Setting, ...] = (
    Setting("ostiary.issuer", None, _issuer, "The issuer identifier: the public base URL of this server."),
    Setting("ostiary.development", "false", _bool, "Development mode: error details on the error page, no Secure cookies over http."),
    Setting("ostiary.theme", "default", str.strip, "Name of the theme (entry point in group ostiary.themes)."),
    Setting("ostiary.plugins", "", _names, "Installed plugins (entry points in group ostiary.plugins) to enable."),
    Setting("ostiary.plugins.disabled", "", _names, "Plugins to block by name, built-in ones included."),
    Setting("ostiary.signing_alg", "RS256", _choice("RS256", "ES256"), "Default algorithm for ID and access tokens."),
    Setting("ostiary.code_lifetime", "300", _positive_int, "Seconds an authorization code stays valid."),
    Setting("ostiary.access_token_lifetime", "3600", _positive_int, "Default access-token lifetime in seconds."),
    Setting("ostiary.id_token_lifetime", "300", _positive_int, "Default ID-token lifetime in seconds."),
    Setting("ostiary.refresh_token_lifetime", "2592000", _positive_int, "Default absolute refresh-token lifetime in seconds."),
    Setting("ostiary.session_cookie", "ostiary_session", str.strip, "Name of the SSO session cookie."),
    Setting("ostiary.session_lifetime", "36000", _positive_int, "Seconds an SSO session lasts without 'remember me'."),
    Setting("ostiary.remember_lifetime", "2592000", _positive_int, "Seconds a remembered (persistent) SSO session lasts."),
    Setting("ostiary.secure_cookies", "auto", _tristate, "Secure flag on cookies: auto means whenever the issuer is https."),
    Setting("ostiary.argon2_time_cost", "2", _positive_int, "argon2id iterations for user passwords (OWASP minimum: 2)."),
    Setting("ostiary.argon2_memory_cost", "19456", _positive_int, "argon2id memory in KiB (OWASP minimum: 19456, i.e. 19 MiB)."),
    Setting("ostiary.argon2_parallelism", "1", _positive_int, "argon2id lanes (OWASP minimum: 1)."),
    Setting("ostiary.max_failed_logins", "5", _positive_int, "Failed sign-ins before an account is locked."),
    Setting("ostiary.lockout_seconds", "300", _positive_int, "How long a locked account stays locked."),
    Setting("ostiary.prune_interval", "3600", _non_negative_int, "Seconds between automatic clean-ups of expired codes, tokens, sessions and keys in each server process (0: only `ostiary prune`)."),
    Setting("ostiary.languages", "en de", _languages, "Languages the pages are offered in, chosen by ui_locales, then Accept-Language, then pyramid.default_locale_name."),
    Setting("ostiary.product_name", "Ostiary", str.strip, "Name shown in the header and the page titles."),
    Setting("ostiary.logo_url", "", _link, "Logo shown beside the product name: a path on this server or an absolute URL (its origin is added to the CSP's img-src)."),
    Setting("ostiary.accent_colour", "", _hex_colour, "Accent colour of buttons, links and focus rings, as #rrggbb (adjusted for contrast where needed)."),
    Setting("ostiary.accent_colour_dark", "", _hex_colour, "Accent colour in dark mode; derived from ostiary.accent_colour when empty."),
    Setting("ostiary.footer_link_url", "", _link, "A link in every page's footer (imprint, privacy, help); set with footer_link_text."),
    Setting("ostiary.footer_link_text", "", _text, "Text of the footer link."),
    Setting("ostiary.key_lifetime", "7776000", _positive_int, "Seconds a signing key is used before `ostiary keys rotate` is due (reported by `keys list`)."),
)


def _make_settings_class() -> type:
    fields = [(s.attribute, Any) for s in SETTINGS]
    return dataclasses.make_dataclass("Settings", fields, frozen=True)


Settings = _make_settings_class()
Settings.__doc__ = "The parsed ``ostiary.*`` settings; one attribute per row of SETTINGS."


def parse_settings(raw: dict[str, Any]) -> Any:
    """Parse the ``ostiary.*`` keys of ``raw`` into a :class:`Settings`.

    Unknown ``ostiary.*`` keys are refused too: a misspelt setting that is
    silently ignored is worse than a start-up error.
    """
    known = {s.name for s in SETTINGS}
    for key in raw:
        if key.startswith("ostiary.") and key not in known:
            raise SettingsError(f"{key}: unknown setting (see the configuration table in the README)")
    values = {}
    for setting in SETTINGS:
        text = raw.get(setting.name, setting.default)
        if text is None:
            raise SettingsError(f"{setting.name}: required setting is missing")
        if not isinstance(text, str):  # already parsed (tests pass Python values)
            values[setting.attribute] = text
            continue
        try:
            values[setting.attribute] = setting.parse(text)
        except ValueError as exc:
            raise SettingsError(f"{setting.name} = {text!r}: {exc}") from None
    if bool(values["footer_link_url"]) != bool(values["footer_link_text"]):
        raise SettingsError("ostiary.footer_link_url and ostiary.footer_link_text: set both or neither")
    return Settings(**values)


def cookies_secure(settings: Any) -> bool:
    """Whether cookies get the Secure flag under these settings."""
    if settings.secure_cookies is not None:
        return settings.secure_cookies
    return settings.issuer.startswith("https://")
