"""Every ``ostiary.*`` setting, parsed and validated in one place.

The table :data:`SETTINGS` is the single source of truth: the README's
configuration table and ``etc/development.ini`` document the same names.
:func:`parse_settings` turns the raw strings of a Paste Deploy ini section
into a frozen :class:`Settings` object, or stops start-up with a
:class:`SettingsError` that names the bad setting.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


class SettingsExit(SystemExit):
    """A :class:`SettingsError` met while starting from an ini file.

    ``pserve`` and other Paste Deploy loaders print a traceback for an
    ordinary exception, burying the one line that names the setting; Python
    prints a ``SystemExit`` message alone and exits with status 1. The
    original error is kept as ``error`` for callers that want it.
    """

    def __init__(self, config_file: str, error: SettingsError):
        super().__init__(f"{config_file}: {error}")
        self.error = error


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "yes", "on", "1"):
        return True
    if lowered in ("false", "no", "off", "0"):
        return False
    raise ValueError("expected true or false")


def _names(value: str) -> tuple[str, ...]:
    return tuple(value.replace(",", " ").split())


def _whole_number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError("expected a whole number") from None


def _positive_int(value: str) -> int:
    number = _whole_number(value)
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
    number = _whole_number(value)
    if number < 0:
        raise ValueError("expected a whole number of at least 0")
    return number


def _pack_days(value: str) -> int:
    number = _non_negative_int(value)
    if number > 36500:
        raise ValueError("expected at most 36500 days")
    return number


#: The longest announcement of new signing keys: ``ostiary.key_announcement``
#: and ``ostiary keys rotate --announce``.
MAX_KEY_ANNOUNCEMENT = 365 * 86400


def parse_key_announcement(value: str) -> int:
    """Seconds from publishing a new signing key to signing with it."""
    try:
        number = int(value)
    except ValueError:
        raise ValueError("expected a whole number of seconds") from None
    if not 0 <= number <= MAX_KEY_ANNOUNCEMENT:
        raise ValueError(f"expected 0 to {MAX_KEY_ANNOUNCEMENT} seconds (365 days)")
    return number


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip()
        if value not in allowed:
            raise ValueError("expected one of " + ", ".join(allowed))
        return value

    return parse


def whole_number_between(minimum: int, maximum: int = 2**31 - 1) -> Callable[[str], int]:
    """A parser of whole numbers from ``minimum`` to ``maximum``."""

    def parse(value: str) -> int:
        number = _whole_number(value)
        if not minimum <= number <= maximum:
            raise ValueError(f"expected a whole number from {minimum} to {maximum}")
        return number

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
    """One row of a settings table: core's, a provider's or a plugin's.

    ``secret`` marks a value never to be printed (``ostiary plugins`` shows
    it masked): a client secret, a database URL with a password.
    """

    name: str
    default: str | None
    parse: Callable[[str], Any]
    doc: str
    secret: bool = False

    @property
    def attribute(self) -> str:
        return self.name.removeprefix("ostiary.").replace(".", "_")

    def key(self, prefix: str) -> str:
        """The attribute name of this row within a table under ``prefix``."""
        return self.name.removeprefix(prefix).replace(".", "_")


def parse_rows(raw: dict[str, Any], rows, prefix: str = "") -> dict[str, Any]:
    """Parse the settings ``rows`` from ``raw`` (keyed by row name); return
    ``{row.name: value}``. Errors name the key with ``prefix`` before it
    (a provider's rows are read without their ``ostiary.provider.NAME.``).

    The one parser of every settings table, core's, the providers' and the
    plugins', so that all read the same words and fail with the same one
    line naming the key.
    """
    values = {}
    for row in rows:
        key = prefix + row.name
        text = raw.get(row.name, row.default)
        if text is None:
            raise SettingsError(f"{key}: required setting is missing")
        if not isinstance(text, str):  # already parsed (tests pass Python values)
            values[row.name] = text
            continue
        try:
            values[row.name] = row.parse(text)
        except ValueError as exc:
            shown = "(secret)" if row.secret else repr(text)
            raise SettingsError(f"{key} = {shown}: {exc}") from None
    return values


def _absolute_path(value: str) -> str:
    if value and not (value.startswith("/") and " " not in value and "?" not in value):
        raise ValueError(f"must be a path starting with /, not {value!r}")
    return value


def _host_port(value: str) -> str:
    if not value:
        return value
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"must be HOST:PORT, not {value!r}")
    return value


def _acr_value(value: str) -> str:
    """An acr value: one token, no spaces (acr_values is space-separated)."""
    value = value.strip()
    if not value or any(c.isspace() for c in value):
        raise ValueError("one value without spaces")
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting("ostiary.issuer", None, _issuer, "The issuer identifier: the public base URL of this server."),
    Setting(
        "ostiary.development",
        "false",
        _bool,
        "Development mode: error details on the error page, no Secure cookies over http.",
    ),
    Setting("ostiary.theme", "default", str.strip, "Name of the theme (entry point in group ostiary.themes)."),
    Setting("ostiary.plugins", "", _names, "Installed plugins (entry points in group ostiary.plugins) to enable."),
    Setting("ostiary.plugins.disabled", "", _names, "Plugins to block by name, built-in ones included."),
    Setting("ostiary.signing_alg", "RS256", _choice("RS256", "ES256"), "Default algorithm for ID and access tokens."),
    Setting("ostiary.code_lifetime", "300", _positive_int, "Seconds an authorization code stays valid."),
    Setting("ostiary.access_token_lifetime", "3600", _positive_int, "Default access-token lifetime in seconds."),
    Setting("ostiary.id_token_lifetime", "300", _positive_int, "Default ID-token lifetime in seconds."),
    Setting(
        "ostiary.refresh_token_lifetime",
        "2592000",
        _positive_int,
        "Default absolute refresh-token lifetime in seconds.",
    ),
    Setting("ostiary.session_cookie", "ostiary_session", str.strip, "Name of the SSO session cookie."),
    Setting("ostiary.session_lifetime", "36000", _positive_int, "Seconds an SSO session lasts without 'remember me'."),
    Setting(
        "ostiary.remember_lifetime", "2592000", _positive_int, "Seconds a remembered (persistent) SSO session lasts."
    ),
    Setting(
        "ostiary.secure_cookies", "auto", _tristate, "Secure flag on cookies: auto means whenever the issuer is https."
    ),
    Setting(
        "ostiary.argon2_time_cost", "2", _positive_int, "argon2id iterations for user passwords (OWASP minimum: 2)."
    ),
    Setting(
        "ostiary.argon2_memory_cost",
        "19456",
        _positive_int,
        "argon2id memory in KiB (OWASP minimum: 19456, i.e. 19 MiB).",
    ),
    Setting("ostiary.argon2_parallelism", "1", _positive_int, "argon2id lanes (OWASP minimum: 1)."),
    Setting("ostiary.max_failed_logins", "5", _positive_int, "Failed sign-ins before an account is locked."),
    Setting("ostiary.lockout_seconds", "300", _positive_int, "How long a locked account stays locked."),
    Setting(
        "ostiary.login_throttle_failures",
        "3",
        _positive_int,
        "Failed sign-ins from one client address (IPv6: one /64) within ostiary.login_throttle_window before that address is refused for a while; fewer than ostiary.max_failed_logins, so one address cannot lock an account.",
    ),
    Setting(
        "ostiary.login_throttle_window",
        "900",
        _positive_int,
        "Seconds over which failed sign-ins from one address are counted.",
    ),
    Setting(
        "ostiary.login_throttle_seconds",
        "60",
        _positive_int,
        "How long an address that used up its failures is refused; doubled for each further block within a window of the last, up to an hour.",
    ),
    Setting(
        "ostiary.automatic_redirect_after_sign_out",
        "true",
        _bool,
        "After RP-initiated sign-out with a registered post_logout_redirect_uri, return the browser there by itself (once the front-channel logout frames have loaded); false shows the signed-out page with a link.",
    ),
    Setting(
        "ostiary.prune_interval",
        "3600",
        _non_negative_int,
        "Seconds between automatic clean-ups of expired codes, tokens, sessions and keys (and plugins' expired data) in each server process (0: only `ostiary prune`).",
    ),
    Setting(
        "ostiary.pack_interval",
        "86400",
        _non_negative_int,
        "Seconds between automatic packs of a FileStorage database in the server process (0: only `ostiary pack`). ZEO and RelStorage are packed with their own tools, zeopack and zodbpack.",
    ),
    Setting(
        "ostiary.pack_keep_days",
        "7",
        _pack_days,
        "Days of history a pack keeps (`ostiary pack` and ostiary.pack_interval); older object versions are removed.",
    ),
    Setting(
        "ostiary.languages",
        "en de",
        _languages,
        "Languages the pages are offered in, chosen by ui_locales, then Accept-Language, then pyramid.default_locale_name.",
    ),
    Setting("ostiary.product_name", "Ostiary", str.strip, "Name shown in the header and the page titles."),
    Setting(
        "ostiary.logo_url",
        "",
        _link,
        "Logo shown beside the product name: a path on this server or an absolute URL (its origin is added to the CSP's img-src).",
    ),
    Setting(
        "ostiary.accent_colour",
        "",
        _hex_colour,
        "Accent colour of buttons, links and focus rings, as #rrggbb (adjusted for contrast where needed).",
    ),
    Setting(
        "ostiary.accent_colour_dark",
        "",
        _hex_colour,
        "Accent colour in dark mode; derived from ostiary.accent_colour when empty.",
    ),
    Setting(
        "ostiary.footer_link_url",
        "",
        _link,
        "A link in every page's footer (imprint, privacy, help); set with footer_link_text.",
    ),
    Setting("ostiary.footer_link_text", "", _text, "Text of the footer link."),
    Setting(
        "ostiary.key_lifetime",
        "7776000",
        _positive_int,
        "Seconds a signing key is used before `ostiary keys rotate` is due (reported by `keys list`).",
    ),
    Setting(
        "ostiary.key_announcement",
        "86400",
        parse_key_announcement,
        "Seconds between `ostiary keys rotate` publishing new signing keys in the JWKS and signing with them, so that relying parties with a cached JWKS learn them first (0: sign at once).",
    ),
    Setting(
        "ostiary.client_assertion_max_lifetime",
        "300",
        _positive_int,
        "Longest validity, in seconds from its iat, of a private_key_jwt client assertion (RFC 7523); a longer one is invalid_client.",
    ),
    Setting(
        "ostiary.max_query_length",
        "8192",
        _positive_int,
        "Longest query string a request may carry, in bytes; a longer one is answered 414.",
    ),
    Setting(
        "ostiary.max_body_size",
        "65536",
        _positive_int,
        "Largest request body, in bytes; a larger one is answered 413 before it is read.",
    ),
    # -- oauth-grants (issue 15) --
    Setting(
        "ostiary.par_lifetime",
        "60",
        whole_number_between(5, 600),
        "Seconds a pushed authorization request (RFC 9126) and its request_uri stay valid (5 to 600).",
    ),
    Setting(
        "ostiary.require_pushed_authorization_requests",
        "false",
        _bool,
        "Every client must push its authorization requests to /connect/par (RFC 9126); a client can require it for itself with require_pushed_authorization_requests.",
    ),
    Setting(
        "ostiary.device_code_lifetime",
        "600",
        whole_number_between(60, 3600),
        "Seconds a device authorization (RFC 8628) waits for a person to approve it (60 to 3600).",
    ),
    Setting(
        "ostiary.device_poll_interval",
        "5",
        whole_number_between(1, 60),
        "Seconds a device waits between polls of the token endpoint; sooner is slow_down.",
    ),
    Setting(
        "ostiary.providers",
        "",
        _names,
        "External login providers, by name; each is set up with ostiary.provider.NAME.* (see PROVIDER_SETTINGS).",
    ),
    # -- refresh-token lifetimes (protocol/refresh_policy.py) -------------------
    Setting(
        "ostiary.refresh_token_idle_lifetime",
        "0",
        _non_negative_int,
        "Seconds a refresh token lapses when unused (sliding; each rotation starts it again, never past the absolute lifetime); 0: no idle limit.",
    ),
    Setting(
        "ostiary.refresh_token_reuse_grace",
        "5",
        _non_negative_int,
        "Seconds after a rotation in which the rotated refresh token gets the same answer again (two tabs refreshing at once) instead of revoking the grant; 0: never.",
    ),
    # -- DPoP, sender-constrained tokens (RFC 9449; docs/oauth.md) -------------
    Setting(
        "ostiary.dpop_nonce_required",
        "true",
        _bool,
        "Whether DPoP proofs must carry a server nonce (RFC 9449, section 8): a proof without the current one is answered use_dpop_nonce with a DPoP-Nonce header.",
    ),
    Setting(
        "ostiary.dpop_proof_lifetime",
        "300",
        _positive_int,
        "Seconds a DPoP proof is accepted after its iat (and how long its jti is remembered against replay); the nonce changes as often.",
    ),
    # -- operations (issue 16) --
    Setting(
        "ostiary.log_format",
        "text",
        _choice("text", "json"),
        "json: every log line of the root logger's handlers is one JSON object with the request id.",
    ),
    Setting(
        "ostiary.logout_delivery_deadline",
        "86400",
        _positive_int,
        "Seconds a back-channel logout is tried again (with back-off) before it is given up.",
    ),
    Setting(
        "ostiary.logout_delivery_interval",
        "2",
        _positive_int,
        "Seconds between looks at the logout outbox by each server process (a sign-out here nudges it at once).",
    ),
    Setting(
        "ostiary.metrics_path",
        "",
        lambda v: _absolute_path(v.strip()),
        "A path on the main listener serving Prometheus metrics to ostiary.metrics_allowed_addresses (empty: none).",
    ),
    Setting(
        "ostiary.metrics_allowed_addresses",
        "127.0.0.1 ::1",
        lambda v: frozenset(v.split()),
        "Client addresses that may read ostiary.metrics_path.",
    ),
    Setting(
        "ostiary.metrics_listen",
        "",
        lambda v: _host_port(v.strip()),
        "HOST:PORT of a separate Prometheus metrics listener (empty: none).",
    ),
    # -- the stored audit trail and the account history (issues 16 and 12) --
    Setting(
        "ostiary.audit.retention_days",
        "90",
        _positive_int,
        "Days the stored audit trail keeps an event (`ostiary audit`); housekeeping deletes older ones.",
    ),
    Setting(
        "ostiary.audit.write_interval_ms",
        "500",
        _non_negative_int,
        "Milliseconds each server process gathers audit events before storing them in one transaction (0: each request's at once).",
    ),
    Setting(
        "ostiary.account.history_days",
        "90",
        _positive_int,
        "Days of sign-ins and releases a person sees in the console's history (kept no longer than ostiary.audit.retention_days).",
    ),
    # -- sign-in as steps, multi-factor policy (issue 13) --
    Setting(
        "ostiary.signin_step_lifetime",
        "300",
        _positive_int,
        "Seconds a partial sign-in (first factor passed, a further step pending) waits for the next step.",
    ),
    Setting(
        "ostiary.require_mfa",
        "false",
        _bool,
        "Every person must pass a further factor (and set one up at the next sign-in if they have none).",
    ),
    Setting(
        "ostiary.acr_single_factor",
        "urn:ostiary:acr:sfa",
        _acr_value,
        "The acr of a session that passed one factor; advertised in acr_values_supported.",
    ),
    Setting(
        "ostiary.acr_multi_factor",
        "urn:ostiary:acr:mfa",
        _acr_value,
        "The acr of a session that passed two factors or more; acr_values naming it asks for a further factor.",
    ),
    # -- the account console (issue 12) --
    Setting(
        "ostiary.password_min_length",
        "10",
        _positive_int,
        "The shortest password the password policy accepts (console, registration, reset, commands, load).",
    ),
    Setting(
        "ostiary.account.reauthenticate_after",
        "300",
        _positive_int,
        "Seconds after signing in that the account console still accepts sensitive changes without a new sign-in.",
    ),
    Setting(
        "ostiary.account.self_deletion",
        "true",
        _bool,
        "Whether people may delete their own account from the account console.",
    ),
    Setting(
        "ostiary.account.email_link_lifetime",
        "86400",
        _positive_int,
        "Seconds the link that confirms a new email address stays valid.",
    ),
)


# -- dynamic client registration (RFC 7591/7592) -------------------------------
#
# Its own rows, kept together so that the table above stays easy to merge.

#: What a registered client may ask for; core's own lists live in
#: models/clients.py, but settings sit below models, so they are repeated
#: here and kept equal by a test.
REGISTRATION_GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
REGISTRATION_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")
#: The forms of redirect URI a registered client may use: https URLs,
#: http to a loopback address (RFC 8252 section 7.3), private-use schemes
#: of native apps (RFC 8252 section 7.1).
REDIRECT_URI_FORMS = ("https", "loopback", "private-use")


def _subset_of(*allowed: str) -> Callable[[str], tuple[str, ...]]:
    def parse(value: str) -> tuple[str, ...]:
        words = _names(value)
        unknown = [word for word in words if word not in allowed]
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: expected some of {', '.join(allowed)}")
        return words

    return parse


def _scopes(value: str) -> tuple[str, ...]:
    words = _names(value)
    if not words:
        raise ValueError("name at least one scope")
    return words


def read_jwks_file(path: str):
    """The public JWK Set in the JSON file ``path`` (a joserfc ``KeySet``),
    or a ValueError saying in one line what is wrong with it."""
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise ValueError(exc.strerror) from None
    except ValueError:
        raise ValueError("not a JSON file") from None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list) or not data["keys"]:
        raise ValueError('expected a JWK Set: {"keys": [...]} with at least one key')
    try:
        keys = KeySet.import_key_set(data)
    except (ValueError, TypeError, KeyError, JoseError) as exc:
        raise ValueError(f"not a valid JWK Set ({exc})") from None
    if any(key.is_private for key in keys):
        raise ValueError("holds private keys; give only the public ones")
    return keys


def _jwks_file(value: str) -> str | None:
    value = value.strip()
    if value:
        read_jwks_file(value)  # refuse a bad file at start-up, not at the first registration
    return value or None


REGISTRATION_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ostiary.client_registration",
        "off",
        _choice("off", "token", "open"),
        "Dynamic client registration (RFC 7591) at /connect/register: off; token, with an initial access token an administrator created (`ostiary registration token create`); or open to anyone.",
    ),
    Setting(
        "ostiary.client_registration.grant_types",
        "authorization_code refresh_token",
        _subset_of(*REGISTRATION_GRANT_TYPES),
        "Grant types a registered client may have.",
    ),
    Setting(
        "ostiary.client_registration.scopes",
        "openid profile email offline_access",
        _scopes,
        "Scopes a registered client may have; a client that names none gets all of them.",
    ),
    Setting(
        "ostiary.client_registration.auth_methods",
        "client_secret_basic client_secret_post private_key_jwt none",
        _subset_of(*REGISTRATION_AUTH_METHODS),
        "Token endpoint authentication methods a registered client may choose (none: a public client with PKCE).",
    ),
    Setting(
        "ostiary.client_registration.redirect_uri_forms",
        "https loopback private-use",
        _subset_of(*REDIRECT_URI_FORMS),
        "Forms of redirect URI a registered client may use: https URLs, http to loopback addresses, private-use schemes of native apps.",
    ),
    Setting(
        "ostiary.client_registration.software_statement_jwks",
        "",
        _jwks_file,
        "A JSON file holding the JWK Set whose keys sign the software statements (RFC 7591, section 2.3) this server accepts; empty: every software statement is refused.",
    ),
    Setting(
        "ostiary.client_registration.require_software_statement",
        "false",
        _bool,
        "Refuse a registration that carries no software statement signed by one of those keys.",
    ),
)

SETTINGS = SETTINGS + REGISTRATION_SETTINGS


# -- administration (issue 14): the command line through a running server's admin API
SETTINGS += (
    Setting(
        "ostiary.admin_api.url",
        "",
        _text,
        "The admin API the `ostiary` command uses when a running server holds the database (default: the issuer followed by /admin/api/v1); env OSTIARY_ADMIN_API_URL.",
    ),
    Setting(
        "ostiary.admin_api.client_id",
        "",
        _text,
        "The client (client_credentials, scope ostiary:admin) the `ostiary` command authenticates as at that API; env OSTIARY_ADMIN_CLIENT_ID.",
    ),
    Setting(
        "ostiary.admin_api.client_secret",
        "",
        _text,
        "Its secret; better given as env OSTIARY_ADMIN_CLIENT_SECRET than written into the ini file.",
    ),
)

#: The parsers of this table that plugins use for their rows, under public
#: names (``ostiary.plugin`` exports them), so that ``true``/``yes``/``on``
#: or a whole number read the same in every plugin as in core.
boolean = _bool
choice = _choice
names = _names
whole_number = _whole_number
positive_int = _positive_int
non_negative_int = _non_negative_int
optional_text = _text


def refuse_unknown(raw: dict[str, Any], prefix: str, known, where: str) -> None:
    """Refuse a key under ``prefix`` that is not in ``known``: a misspelt
    setting silently ignored is worse than a start-up error."""
    for key in raw:
        if key.startswith(prefix) and key not in known:
            raise SettingsError(f"{key}: unknown setting ({where})")


def parse_table(raw: dict[str, Any], rows, prefix: str) -> types.SimpleNamespace:
    """A plugin's (or library's) table: ``rows`` named with ``prefix``
    (``accounts.mailer``), parsed; unknown keys under ``prefix`` refused.
    Attribute names drop the prefix, dots become ``_``."""
    known = {row.name for row in rows}
    refuse_unknown(raw, prefix, known, "known: " + ", ".join(sorted(known)))
    values = parse_rows(raw, rows)
    return types.SimpleNamespace(**{row.key(prefix): values[row.name] for row in rows})


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
        if key.startswith("ostiary.") and key not in known and not key.startswith(PROVIDER_PREFIX):
            raise SettingsError(f"{key}: unknown setting (see the configuration table in the README)")
    parsed = parse_rows(raw, SETTINGS)
    values = {s.attribute: parsed[s.name] for s in SETTINGS}
    if values["login_throttle_failures"] >= values["max_failed_logins"]:
        raise SettingsError(
            "ostiary.login_throttle_failures: must be less than ostiary.max_failed_logins, "
            "or failures from one address could lock an account"
        )
    if bool(values["footer_link_url"]) != bool(values["footer_link_text"]):
        raise SettingsError("ostiary.footer_link_url and ostiary.footer_link_text: set both or neither")
    values["providers"] = _parse_providers(raw, values["providers"])
    if (
        values["client_registration_require_software_statement"]
        and not values["client_registration_software_statement_jwks"]
    ):
        raise SettingsError(
            "ostiary.client_registration.require_software_statement: needs ostiary.client_registration.software_statement_jwks"
        )
    return Settings(**values)


def check_database_uri(raw: dict[str, Any]) -> str:
    """The ``zodbconn.uri`` setting, or a :class:`SettingsError` naming it.

    pyramid_zodbconn opens no database without it, and the first use would
    then fail far from the cause (``KeyError: ''``).
    """
    uri = str(raw.get("zodbconn.uri") or "").strip()
    if not uri:
        raise SettingsError(
            "zodbconn.uri: required setting is missing (e.g. file://%(here)s/../var/Data.fs, "
            "zeo://HOST:PORT or a RelStorage URI)"
        )
    return uri


def cookies_secure(settings: Any) -> bool:
    """Whether cookies get the Secure flag under these settings."""
    if settings.secure_cookies is not None:
        return settings.secure_cookies
    return settings.issuer.startswith("https://")


# -- external login providers ------------------------------------------------
#
# ``ostiary.providers = corp github`` names the providers; each one's settings
# are ``ostiary.provider.<name>.<setting>`` from the table below, plus any
# number of ``ostiary.provider.<name>.claims.<local claim> = <upstream claim>``.
# Providers added with ``ostiary CONFIG provider add`` are parsed by the same
# :func:`parse_provider`, so both sources mean the same.

PROVIDER_PREFIX = "ostiary.provider."
PROVIDER_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
#: Names a provider cannot have: ``local`` is the idp of password sign-ins.
RESERVED_PROVIDER_NAMES = frozenset({"local"})


def _optional_url(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise ValueError("expected an absolute http(s) URL without a fragment")
    return value


def _optional_issuer(value: str) -> str | None:
    value = _optional_url(value)
    if value is not None and urlsplit(value).query:
        raise ValueError("an issuer has no query (OpenID Connect Discovery 1.0, section 2)")
    return value


def _icon(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    if value.startswith("/") and not value.startswith("//"):
        return value
    return _optional_url(value)


def _required_text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


PROVIDER_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "issuer",
        "",
        _optional_issuer,
        "OpenID Connect issuer; its endpoints and keys are discovered from its /.well-known/openid-configuration.",
    ),
    Setting(
        "authorization_endpoint",
        "",
        _optional_url,
        "Plain OAuth 2.0 (no issuer): the authorization endpoint. With an issuer, overrides the discovered one.",
    ),
    Setting("token_endpoint", "", _optional_url, "Plain OAuth 2.0: the token endpoint (overrides the discovered one)."),
    Setting(
        "userinfo_endpoint",
        "",
        _optional_url,
        "Plain OAuth 2.0: where the user's claims come from, with the access token (required without an issuer).",
    ),
    Setting(
        "end_session_endpoint", "", _optional_url, "The upstream's end-session endpoint (overrides the discovered one)."
    ),
    Setting("client_id", None, _required_text, "The client id Ostiary is registered with at the provider."),
    Setting(
        "client_secret",
        "",
        lambda v: v.strip() or None,
        "The client secret (empty for a public client, which PKCE protects).",
        secret=True,
    ),
    Setting(
        "token_endpoint_auth_method",
        "client_secret_basic",
        _choice("client_secret_basic", "client_secret_post", "none"),
        "How Ostiary authenticates at the upstream token endpoint.",
    ),
    Setting("scopes", "", _names, "Scopes to ask for (default: openid profile email with an issuer, none otherwise)."),
    Setting("display_name", "", lambda v: v.strip() or None, "The button text on the login page (default: the name)."),
    Setting("icon", "", _icon, "An icon for the button: a path on this server or an absolute URL."),
    Setting(
        "subject_claim",
        "sub",
        _required_text,
        "The upstream claim that identifies the person (plain OAuth 2.0 providers: e.g. id).",
    ),
    Setting(
        "provisioning",
        "create",
        _choice("create", "link", "off"),
        "An unknown upstream identity: create a local user, ask the person to sign in locally once to link, or refuse.",
    ),
    Setting(
        "link_by_verified_email",
        "false",
        _bool,
        "Link to the local user with the same email when the upstream says it is verified.",
    ),
    Setting(
        "end_upstream_session",
        "false",
        _bool,
        "Signing out also signs out at the upstream, when it has an end-session endpoint.",
    ),
    Setting(  # issue 13
        "trust_amr",
        "false",
        _bool,
        "Take the upstream ID token's amr and acr for the session: one that says mfa meets a multi-factor demand.",
    ),
    Setting(
        "forward_prompt",
        "true",
        _bool,
        "OpenID Connect: pass a client's prompt=login and max_age on to the provider, and check the auth_time it answers with.",
    ),
    Setting(
        "backchannel_logout",
        "true",
        _bool,
        "OpenID Connect: accept the provider's back-channel logout tokens at /account/external/NAME/backchannel-logout and end the sessions they name.",
    ),
)


@dataclasses.dataclass(frozen=True)
class ProviderSettings:
    """One external login provider, parsed: an attribute per row of
    :data:`PROVIDER_SETTINGS`, plus ``name``, ``kind`` (``oidc`` or
    ``oauth2``), ``claims`` (local claim name -> upstream claim name, an
    empty upstream name drops the claim) and ``source`` (``ini`` or ``database``)."""

    name: str
    kind: str
    claims: dict
    source: str
    issuer: str | None
    authorization_endpoint: str | None
    token_endpoint: str | None
    userinfo_endpoint: str | None
    end_session_endpoint: str | None
    client_id: str
    client_secret: str | None
    token_endpoint_auth_method: str
    scopes: tuple
    display_name: str
    icon: str | None
    subject_claim: str
    provisioning: str
    link_by_verified_email: bool
    end_upstream_session: bool
    forward_prompt: bool
    backchannel_logout: bool
    trust_amr: bool = False  # issue 13: take the upstream's amr and acr


def check_provider_name(name: str) -> str:
    """``name`` if it can name a provider (in URLs and ``idp:NAME`` hints)."""
    if not PROVIDER_NAME.fullmatch(name) or name in RESERVED_PROVIDER_NAMES:
        raise SettingsError(
            f"{name!r} cannot name a provider: use lower-case letters, digits, - and _ "
            f"(at most 40), and not {', '.join(sorted(RESERVED_PROVIDER_NAMES))}"
        )
    return name


def parse_provider(
    name: str, raw: dict[str, Any], *, source: str = "ini", prefix: str | None = None
) -> ProviderSettings:
    """Parse one provider's settings, keyed without their prefix (``issuer``,
    ``claims.email``, ...). Errors name the key with ``prefix``, by default
    ``ostiary.provider.<name>.``."""
    check_provider_name(name)
    prefix = f"{PROVIDER_PREFIX}{name}." if prefix is None else prefix
    known = {s.name for s in PROVIDER_SETTINGS}
    claims = {}
    for key, value in raw.items():
        if key.startswith("claims.") and len(key) > len("claims."):
            claims[key.removeprefix("claims.")] = str(value).strip()
        elif key not in known:
            raise SettingsError(f"{prefix}{key}: unknown provider setting (see the configuration table in the README)")
    parsed = parse_rows(raw, PROVIDER_SETTINGS, prefix)
    values = {s.attribute: parsed[s.name] for s in PROVIDER_SETTINGS}
    kind = "oidc" if values["issuer"] else "oauth2"
    if kind == "oauth2" and not (
        values["authorization_endpoint"] and values["token_endpoint"] and values["userinfo_endpoint"]
    ):
        raise SettingsError(
            f"{prefix}issuer: set an issuer (OpenID Connect) or authorization_endpoint, "
            "token_endpoint and userinfo_endpoint (plain OAuth 2.0)"
        )
    if values["token_endpoint_auth_method"] != "none" and not values["client_secret"]:
        raise SettingsError(f"{prefix}client_secret: required unless token_endpoint_auth_method = none")
    if not values["scopes"] and kind == "oidc":
        values["scopes"] = ("openid", "profile", "email")
    if kind == "oidc" and "openid" not in values["scopes"]:
        raise SettingsError(f"{prefix}scopes: an OpenID Connect provider needs the openid scope")
    values["display_name"] = values["display_name"] or name
    return ProviderSettings(name=name, kind=kind, claims=claims, source=source, **values)


def _parse_providers(raw: dict[str, Any], names: tuple[str, ...]) -> tuple[ProviderSettings, ...]:
    """The providers named by ``ostiary.providers``, from their ``ostiary.provider.*`` keys."""
    if len(set(names)) != len(names):
        raise SettingsError("ostiary.providers: a provider is listed twice")
    for name in names:
        try:
            check_provider_name(name)
        except SettingsError as exc:
            raise SettingsError(f"ostiary.providers: {exc}") from None
    grouped: dict[str, dict] = {name: {} for name in names}
    for key, value in raw.items():
        if not key.startswith(PROVIDER_PREFIX):
            continue
        name, _, rest = key.removeprefix(PROVIDER_PREFIX).partition(".")
        if not rest:
            raise SettingsError(f"{key}: expected {PROVIDER_PREFIX}<name>.<setting>")
        if name not in grouped:
            raise SettingsError(f"{key}: provider {name!r} is not listed in ostiary.providers")
        grouped[name][rest] = value
    return tuple(parse_provider(name, grouped[name]) for name in names)
