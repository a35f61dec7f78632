"""The public API for plugins: everything a plugin imports from Ostiary.

A plugin imports from this module only; the rest of the package is
Ostiary's own and may change between releases. What is here is the
contract, documented in ``docs/plugins.md``:

- :data:`hookimpl` marks hook implementations; the specifications are in
  :mod:`ostiary.hookspecs`.
- :class:`Plugins` is ``request.plugins``, the one way to ask the other
  plugins (a user store, the profile service, ...) from a plugin's code.
- :class:`Caller` says who asks the profile service.
- :func:`declare` and :func:`emit` for audit events, :class:`Event` and
  :class:`EventType` for those who receive them.
- :class:`Resource` makes a scope (an identity resource or an API scope)
  for ``ostiary_resources``; :class:`User` and :class:`Client` type what a
  user store and the client store answer.
- :func:`digest`, :func:`random_token` and :func:`now` for single-use links
  and their expiry; :func:`get_passwords` hashes and checks passwords with
  the server's argon2 parameters; :func:`package_locale_dir` finds a
  plugin's translations.
- :func:`render_page` renders a template by asset specification through the
  theme (so a theme can restyle a plugin's page), :func:`translate` a
  translation string in the request's language.
- :class:`Setting` rows for the ``ostiary_settings`` hook, with the parsers
  of core's own table (:func:`boolean`, :func:`whole_number`,
  :func:`positive_int`, :func:`choice`, :func:`optional_text`, ...), and
  :func:`plugin_settings` for the parsed values (a library included by
  plugins parses its own table with :func:`parse_settings_table`); :class:`SettingsError`
  for a plugin's own checks at start-up.
- :class:`CommandError` for ``ostiary_commands`` handlers.
- :data:`admin`, the service layer of administration (clients, users,
  sessions, keys, ...: see ``docs/administration.md``), for an admin console.
- :class:`AuthenticationMethod`, :class:`Step` and :class:`StepResult` for
  ``ostiary_authentication_methods``: a factor of sign-in (docs/factors.md);
  :func:`step_page_values` builds a step page's values for a gallery sample;
  :func:`may_remove_factor` says whether the console may remove a factor.
- The account console (docs/account.md): :class:`AccountSection` rows for
  ``ostiary_account_sections``, :class:`AccountCapabilities` for a user
  store's ``ostiary_account_capabilities``; :func:`current_subject` and
  :func:`current_user` (the signed-in person), :func:`require_signed_in`
  and :func:`require_fresh_sign_in` (the guard of sensitive actions of
  both consoles: a caller may pass its own ``max_age``; the way back is a
  page under ``/account`` or ``/admin``).
"""

from __future__ import annotations

# -- administration (issue 14) -----------------------------------------------
from .administration import service as admin  # the one service layer: admin.clients, admin.users, ...

# -- settings and commands (issue 11) ------------------------------------------
from .cli.app import CommandError
from .events import (
    CONSENT_DENIED,
    CONSENT_GRANTED,
    LOGIN_FAILED,
    LOGIN_SUCCEEDED,
    LOGOUT,
    TOKEN_ISSUED,
    TOKEN_REVOKED,
    Event,
    EventType,
    declare,
    emit,
)
from .facade import Plugins

# -- the account console (issue 12) --------------------------------------------
from .hookspecs import (  # noqa: E402
    AccountCapabilities,
    AccountSection,
    AuthenticationMethod,
    Caller,
    Client,
    Step,
    StepResult,
    TokenExchange,
    User,
    hookimpl,
)
from .i18n import package_locale_dir, translate
from .interaction.account.fresh import (  # noqa: E402
    current_subject,
    current_user,
    require_fresh_sign_in,
    require_signed_in,
    sign_in_first,
)
from .interaction.pages import render_page
from .interaction.steps import may_remove_factor
from .interaction.steps import values as step_page_values
from .models.resources import Resource
from .models.util import digest, now, random_token
from .passwords import MAX_LENGTH, PasswordPolicy, common_passwords, get_passwords  # noqa: E402
from .passwords import get_policy as get_password_policy  # noqa: E402
from .settings import (
    Setting,
    SettingsError,
    boolean,
    choice,
    names,
    non_negative_int,
    optional_text,
    positive_int,
    whole_number,
    whole_number_between,
)
from .settings import parse_table as parse_settings_table


def plugin_settings(registry, name: str):
    """The parsed settings of plugin ``name`` (from its ``ostiary_settings``
    rows): one attribute per row, the name without the prefix. ``registry``
    may be a request's (``request.registry``) or a configurator's."""
    return registry.ostiary_plugin_settings[name]


__all__ = [
    "Setting",
    "SettingsError",
    "plugin_settings",
    "CommandError",
    "boolean",
    "choice",
    "names",
    "whole_number",
    "whole_number_between",
    "positive_int",
    "non_negative_int",
    "optional_text",
    "parse_settings_table",
    "hookimpl",
    "Plugins",
    "Caller",
    "User",
    "Client",
    "TokenExchange",  # oauth-grants (issue 15): what ostiary_token_exchange_allowed receives
    "Resource",
    "digest",
    "now",
    "random_token",
    "get_passwords",
    "package_locale_dir",
    "declare",
    "emit",
    "Event",
    "EventType",
    "LOGIN_SUCCEEDED",
    "LOGIN_FAILED",
    "TOKEN_ISSUED",
    "TOKEN_REVOKED",
    "CONSENT_GRANTED",
    "CONSENT_DENIED",
    "LOGOUT",
    "render_page",
    "translate",
    # administration (issue 14)
    "admin",
    # -- authentication methods (issue 13) --
    "AuthenticationMethod",
    "Step",
    "StepResult",
    "step_page_values",
    "may_remove_factor",
    # the account console (issue 12)
    "AccountSection",
    "AccountCapabilities",
    "current_subject",
    "current_user",
    "require_fresh_sign_in",
    "require_signed_in",
    "sign_in_first",
    "PasswordPolicy",
    "MAX_LENGTH",
    "common_passwords",
    "get_password_policy",
]
