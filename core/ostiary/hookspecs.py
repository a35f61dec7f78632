"""The plugin contract: every hook Ostiary calls, with how results combine.

A plugin is a module or object with functions marked ``@hookimpl`` whose
names match the specifications below. Built-in behaviour (the ZODB user
store, the default profile service, ...) lives in ``ostiary.defaults`` and
is registered exactly like a third-party plugin, so any of it can be
blocked with ``ostiary.plugins.disabled`` and replaced.

Every hook receives keyword arguments only; a plugin may accept a subset of
them (pluggy passes only the names an implementation asks for).

Objects that cross this contract:

*user*
    anything with the attributes ``subject`` (str, stable and unique),
    ``username`` (str), ``email`` (str or None), ``claims`` (a mapping of
    OpenID Connect claim names to values) and ``active`` (bool).
*client*
    an :class:`ostiary.models.clients.Client` or an object with the same
    attributes (it also implements authlib's ``ClientMixin``).
*resource*
    an :class:`ostiary.models.resources.Resource`: an identity resource
    (``kind == "identity"``) or an API scope (``kind == "api"``).
*caller*
    one of the strings in :class:`Caller`.
"""

from __future__ import annotations

import pluggy

PROJECT = "ostiary"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class Caller:
    """Who asks the profile service, and why."""

    ID_TOKEN = "id_token"
    ACCESS_TOKEN = "access_token"
    USERINFO = "userinfo"
    #: is-active is also asked when a person signs in, at the authorize
    #: endpoint for an existing session, and when a code or a refresh token
    #: is exchanged.
    LOGIN = "login"
    AUTHORIZE = "authorize"
    TOKEN = "token"
    REFRESH = "refresh"


# -- user store ----------------------------------------------------------


@hookspec(firstresult=True)
def ostiary_user_by_username(request, username):
    """Return the user whose username (or, if the store allows it, email
    address) is ``username``, or ``None`` when this store does not know it.

    Called by the login page and the interaction service. The first plugin
    that returns something other than ``None`` wins.
    """


@hookspec(firstresult=True)
def ostiary_user_by_subject(request, subject):
    """Return the user whose subject identifier is ``subject``, or ``None``.

    Called whenever a token or a session names a subject: at the token
    endpoint, at userinfo, and by the default profile service. The first
    non-``None`` result wins.
    """


@hookspec(firstresult=True)
def ostiary_verify_credentials(request, username, password):
    """Check a username (or email) and password.

    Return the user when the password is right, ``False`` when this store
    knows the account but refuses it (wrong password, locked, disabled), and
    ``None`` when the account is not in this store so the next store may
    try. A store that counts failed attempts or locks accounts does so here.
    The first non-``None`` result wins; the login page shows one generic
    message for every refusal.
    """


@hookspec(firstresult=True)
def ostiary_create_user(request, username, email, password, claims):
    """Create a user in this store and return it; ``None`` to let the next
    store try. Raise ``ValueError`` with a message safe to show (for example
    "username is taken") when the store refuses.

    Used by registration pages; the first non-``None`` result wins. Stores
    that cannot create users simply do not implement it.
    """


@hookspec(firstresult=True)
def ostiary_set_password(request, subject, password):
    """Set the password of ``subject``; return ``True`` if this store holds
    the user, ``None`` otherwise. Used by password-reset pages."""


@hookspec(firstresult=True)
def ostiary_update_claims(request, subject, claims):
    """Merge ``claims`` (a dict) into the stored claims of ``subject``;
    return ``True`` if this store holds the user, ``None`` otherwise. Used,
    for example, to record ``email_verified`` after email confirmation."""


# -- profile service -------------------------------------------------------


@hookspec
def ostiary_profile_claims(request, subject, client, requested_claims, caller):
    """Return a dict of claims about ``subject`` for ``client``.

    ``requested_claims`` is the set of claim types the granted scopes ask
    for; ``caller`` says where the claims go (:attr:`Caller.ID_TOKEN`,
    :attr:`Caller.ACCESS_TOKEN` or :attr:`Caller.USERINFO`). Every plugin's
    dict is merged; where two give the same claim, the plugin registered
    later wins, so a plugin can add to or override the default profile
    service without disabling it. Protocol claims (``iss``, ``sub``,
    ``aud``, ``exp``, ``iat``, ``nonce``, ``sid``, ...) are dropped from the
    result: they are Ostiary's.
    """


@hookspec
def ostiary_is_active(request, subject, client, caller):
    """Return ``False`` to veto ``subject`` now, ``True`` or ``None`` to allow.

    Asked at sign-in (:attr:`Caller.LOGIN`), at the authorize endpoint for
    an existing session, when a code is exchanged, when a refresh token is
    used, and at userinfo. Any ``False`` wins: the person must sign in again
    and no token is issued.
    """


# -- client and resource stores ---------------------------------------------


@hookspec(firstresult=True)
def ostiary_client(request, client_id):
    """Return the client registered as ``client_id``, or ``None``.

    Called on every authorize, token, revocation, introspection and
    end-session request; keep it fast. The first non-``None`` result wins.
    """


@hookspec
def ostiary_resources(request):
    """Return a list of resources: identity resources and API scopes.

    Every plugin's list is concatenated; where two resources share a name,
    the one from the plugin registered later wins.
    """


# -- pages and configuration ------------------------------------------------


@hookspec
def ostiary_add_pages(config):
    """Add routes and views to the Pyramid ``config``.

    Called once at start-up, after the core routes exist. Views render
    templates by asset specification, so themes can override them.
    """


@hookspec
def ostiary_login_links(request, context):
    """Return a list of links to show under the login form, each a dict
    with ``href`` and ``label`` (for example "Forgot your password?").

    ``context`` is the :class:`ostiary.interaction.service.AuthorizationContext`
    of the sign-in in progress, or ``None``. Every plugin's list is shown,
    built-in ones first.
    """


@hookspec
def ostiary_login_fields(request, context):
    """Return a list of extra fields for the login form, each a dict with
    ``name``, ``label``, ``type`` (an HTML input type) and optionally
    ``required`` and ``value``. The values come back to
    :func:`ostiary_check_login` when the form is posted."""


@hookspec(firstresult=True)
def ostiary_check_login(request, user, params, context):
    """Called after the password was accepted, before the session starts.

    Return a message (str) to refuse the sign-in and show it on the form,
    for example a wrong one-time code or terms not accepted; return ``None``
    to allow. ``params`` are the posted form values. The first message wins.
    """


@hookspec
def ostiary_login_providers(request, context):
    """Return a list of external login providers to show on the login page,
    each a dict with ``name``, ``display_name``, ``href`` (where the button
    leads, carrying the return URL) and optionally ``icon`` (a URL).

    ``context`` may restrict which providers a client allows; implementations
    should honour it. Every plugin's list is shown.
    """


# -- events ------------------------------------------------------------------


@hookspec
def ostiary_event(request, event):
    """Receive an audit :class:`ostiary.events.Event` (login succeeded or
    failed, token issued, consent given or denied, logout, ...).

    Every plugin is called; return values are ignored. An exception in a
    plugin is logged and does not stop the request.
    """
