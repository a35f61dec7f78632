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
    attributes and methods (it also implements authlib's ``ClientMixin``,
    and ``accepts_idp(idp)``).
*resource*
    an :class:`ostiary.models.resources.Resource`: an identity resource
    (``kind == "identity"``) or an API scope (``kind == "api"``).
*caller*
    one of the strings in :class:`Caller`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol

import pluggy

if TYPE_CHECKING:  # only for the annotations: these layers sit above the contract
    import argparse

    from pyramid.config import Configurator
    from pyramid.request import Request

PROJECT = "ostiary"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class User(Protocol):
    """A user, as a user store answers it."""

    subject: str  # stable and unique: the ``sub`` claim
    username: str
    email: str | None
    claims: Mapping[str, Any]  # OpenID Connect claim names to values
    active: bool


class Client(Protocol):
    """A client, as the client store answers it (see :class:`ostiary.models.clients.Client`)."""

    client_id: str
    name: str
    identity_providers: Sequence[str]

    def accepts_idp(self, idp: str | None) -> bool: ...

    def check_redirect_uri(self, redirect_uri: str) -> bool: ...


class Resource(Protocol):
    """An identity resource or API scope (see :class:`ostiary.models.resources.Resource`)."""

    name: str
    kind: str  # "identity" or "api"
    display_name: str
    claims: Sequence[str]


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
    #: ... and when a client introspects a token issued for the user.
    INTROSPECTION = "introspection"


# -- user store ----------------------------------------------------------


@hookspec(firstresult=True)
def ostiary_user_by_username(request: Request, username: str) -> User | None:
    """Return the user whose username (or, if the store allows it, email
    address) is ``username``, or ``None`` when this store does not know it.

    Called by the login page and the interaction service. The first plugin
    that returns something other than ``None`` wins.
    """


@hookspec(firstresult=True)
def ostiary_user_by_subject(request: Request, subject: str) -> User | None:
    """Return the user whose subject identifier is ``subject``, or ``None``.

    Called whenever a token or a session names a subject: at the token
    endpoint, at userinfo, and by the default profile service. The first
    non-``None`` result wins.
    """


@hookspec(firstresult=True)
def ostiary_verify_credentials(request: Request, username: str, password: str) -> User | Literal[False] | None:
    """Check a username (or email) and password.

    Return the user when the password is right, ``False`` when this store
    knows the account but refuses it (wrong password, locked, disabled), and
    ``None`` when the account is not in this store so the next store may
    try. A store that counts failed attempts or locks accounts does so here.
    The first non-``None`` result wins; the login page shows one generic
    message for every refusal.
    """


@hookspec(firstresult=True)
def ostiary_create_user(
    request: Request, username: str, email: str | None, password: str | None, claims: Mapping[str, Any]
) -> User | None:
    """Create a user in this store and return it; ``None`` to let the next
    store try. Raise ``ValueError`` with a message safe to show (for example
    "username is taken") when the store refuses.

    Used by registration pages and by external login to provision a user;
    the first non-``None`` result wins. Stores that cannot create users
    simply do not implement it.

    ``password`` is ``None`` for a user who signs in only through an external
    login provider: store no usable password (a later password reset may set
    one). A store that cannot keep such a user raises ``ValueError``.
    """


@hookspec(firstresult=True)
def ostiary_set_password(request: Request, subject: str, password: str) -> bool | None:
    """Set the password of ``subject``; return ``True`` if this store holds
    the user, ``None`` otherwise. Used by password-reset pages."""


@hookspec(firstresult=True)
def ostiary_update_claims(request: Request, subject: str, claims: Mapping[str, Any]) -> bool | None:
    """Merge ``claims`` (a dict) into the stored claims of ``subject``;
    return ``True`` if this store holds the user, ``None`` otherwise. Used,
    for example, to record ``email_verified`` after email confirmation, and
    by the account console's Profile section, where a value of ``None``
    means the person cleared the claim: remove it."""


# -- profile service -------------------------------------------------------


@hookspec
def ostiary_profile_claims(
    request: Request, subject: str, client: Client, requested_claims: frozenset[str], caller: str
) -> Mapping[str, Any] | None:
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
def ostiary_is_active(request: Request, subject: str, client: Client | None, caller: str) -> bool | None:
    """Return ``False`` to veto ``subject`` now, ``True`` or ``None`` to allow.

    Asked at sign-in (:attr:`Caller.LOGIN`), at the authorize endpoint for
    an existing session, when a code is exchanged, when a refresh token is
    used, at userinfo, and when a client introspects a token issued for the
    user (:attr:`Caller.INTROSPECTION`: a ``False`` makes it inactive). Any
    ``False`` wins: the person must sign in again and no token is issued.
    Only decide here: what a sign-in changes belongs in
    :func:`ostiary_signed_in`, since a later check may still refuse it.
    """


@hookspec
def ostiary_session_fits(request: Request, idp: str | None, client: Client, params: Mapping[str, str]) -> bool | None:
    """Return ``False`` when an SSO session signed in through ``idp`` (a
    provider name, ``local`` for a password) must not serve this
    authorization request, so that the person signs in again; ``True`` or
    ``None`` to allow.

    Asked at the authorize endpoint for a person who has a session, after
    core checked that the client accepts ``idp`` at all
    (``client.identity_providers``). ``params`` are the authorization
    request's parameters. Any ``False`` wins. The built-in ``federation``
    plugin refuses a session whose idp differs from an ``acr_values``
    hint ``idp:NAME``.
    """


# -- client and resource stores ---------------------------------------------


@hookspec(firstresult=True)
def ostiary_client(request: Request, client_id: str) -> Client | None:
    """Return the client registered as ``client_id``, or ``None``.

    Called on every authorize, token, revocation, introspection and
    end-session request; keep it fast. The first non-``None`` result wins.
    """


# -- browser applications (CORS) ---------------------------------------------


@hookspec
def ostiary_cors_origin_known(request: Request, origin: str) -> bool | None:
    """Return ``True`` if some client of this store lets scripts from
    ``origin`` (``https://app.example``, as the browser's ``Origin`` header
    has it) call the token, userinfo, revocation or introspection endpoints.

    Asked for a CORS preflight (``OPTIONS``), which carries no client
    credentials; the request that follows is checked again against the
    client it names (``client.cors_origins()``). Any ``True`` allows the
    preflight; ``None`` or ``False`` leave it to the other plugins. The
    built-in ZODB client store answers from every enabled client's origins;
    a plugin with its own client store answers for its clients.
    """


@hookspec
def ostiary_resources(request: Request) -> Sequence[Resource] | None:
    """Return a list of resources: identity resources and API scopes.

    Every plugin's list is concatenated; where two resources share a name,
    the one from the plugin registered later wins.
    """


# -- pages and configuration ------------------------------------------------


@hookspec(historic=True)
def ostiary_add_hookspecs(plugin_manager: pluggy.PluginManager) -> None:
    """Add a plugin's own hook specifications: call
    ``plugin_manager.add_hookspecs(module)``.

    Called when the plugin is registered (a historic hook: plugins
    registered later are called too), before any other hook and before
    pluggy checks that every implementation has a specification. A plugin
    whose hooks other plugins implement (the built-in ``federation`` plugin
    adds ``ostiary_external_claims`` and ``ostiary_external_provisioning``)
    declares them here, so that blocking it removes them from the contract.
    Implementations of such hooks should say ``@hookimpl(optionalhook=True)``
    so that they do not stop start-up when that plugin is blocked.
    """


@hookspec
def ostiary_configure(config: Configurator) -> None:
    """Configure the plugin at start-up: add routes and views to the Pyramid
    ``config``, read and check the plugin's settings
    (``config.registry.settings``), include what the plugin needs.

    Called once, after the core routes exist and before the application
    serves. Views render templates by asset specification, so themes can
    override them. Every plugin is called.
    """


@hookspec(
    warn_on_impl=DeprecationWarning(
        "ostiary_add_pages is deprecated and will be removed in the next release: rename it ostiary_configure"
    )
)
def ostiary_add_pages(config: Configurator) -> None:
    """Deprecated name of :func:`ostiary_configure`, still called after it
    for one release."""


@hookspec
def ostiary_login_links(request: Request, context: Any) -> Sequence[Mapping[str, str]] | None:
    """Return a list of links to show under the login form, each a dict
    with ``href`` and ``label`` (for example "Forgot your password?").

    ``context`` is the :class:`ostiary.interaction.service.AuthorizationContext`
    of the sign-in in progress, or ``None``. Every plugin's list is shown,
    built-in ones first.
    """


@hookspec
def ostiary_login_fields(request: Request, context: Any) -> Sequence[dict] | None:
    """Return a list of extra fields for the login form, each a dict with
    ``name``, ``label``, ``type`` (an HTML input type) and optionally
    ``required`` and ``value``. The values come back to
    :func:`ostiary_check_login` when the form is posted."""


@hookspec(firstresult=True)
def ostiary_check_login(request: Request, user: User, params: Mapping[str, str], context: Any) -> str | None:
    """Called after the password was accepted, before the session starts.

    Return a message (str) to refuse the sign-in and show it on the form,
    for example terms not accepted; return ``None`` to allow. ``params`` are
    the posted form values. The first message wins. A refusal counts as a
    failed sign-in of the client's address (``ostiary.login_throttle_failures``)
    and of the account (``ostiary.max_failed_logins``, not reset by the right
    password), so nothing checked here can be guessed without limit. A
    second factor is not a check: write an authentication method
    (:func:`ostiary_authentication_methods`), asked as a step of its own and
    named in the tokens' ``amr``. Only decide here: another plugin's check may
    refuse after yours, so what a sign-in changes belongs in
    :func:`ostiary_signed_in`.
    """


@hookspec
def ostiary_login_providers(request: Request, context: Any) -> Sequence[Mapping[str, str]] | None:
    """Return a list of external login providers to show on the login page,
    each a dict with ``name``, ``display_name``, ``href`` (where the button
    leads, carrying the return URL) and optionally ``icon`` (a URL).

    ``context`` may restrict which providers a client allows; implementations
    should honour it. Every plugin's list is shown. The built-in
    ``federation`` plugin lists the configured upstream OpenID Connect and
    OAuth 2.0 providers the client accepts.
    """


@hookspec(firstresult=True)
def ostiary_login_redirect(request: Request, context: Any) -> str | None:
    """Called before the login page is shown: return a URL to send the
    browser to instead, or ``None`` to show the page.

    This is home-realm discovery: the built-in ``federation`` plugin goes
    straight to an upstream provider when the authorization request carries
    the hint ``acr_values=idp:<name>``, or when the client accepts exactly
    one provider and no local sign-in. ``context`` is the
    :class:`ostiary.interaction.service.AuthorizationContext`, or ``None``.
    The first URL wins.
    """


@hookspec(firstresult=True)
def ostiary_logout_redirect(request: Request, session: Any, logout_id: str | None, frames: Sequence[str]) -> str | None:
    """Called when a person signed out, before the signed-out page: return a
    URL to send the browser to instead (to sign out at an upstream provider
    too), or ``None`` to show the page.

    ``session`` is the :class:`ostiary.models.sessions.SSOSession` that just
    ended (``session.idp`` says how it signed in), ``logout_id`` the id of
    the end-session request (or ``None``), ``frames`` the front-channel
    logout URLs the signed-out page must load. A plugin that redirects must
    bring the browser back to a page that shows the signed-out page with
    those frames (see ``ostiary.federation.signout``), using up the logout
    record there with ``request.interaction.take_logout(logout_id)``: it is
    kept for that return. The first URL wins.
    """


# -- events ------------------------------------------------------------------


@hookspec
def ostiary_event(request: Request, event: Any) -> None:
    """Receive an audit :class:`ostiary.events.Event` (login succeeded or
    failed, token issued, consent given or denied, logout, ...).

    Every plugin is called, in pluggy's order and inside any ``wrapper``
    implementations; return values are ignored. Each plugin is called on
    its own, so an exception in one is logged and does not stop the others
    or the request. ``event.name`` is a declared
    :class:`ostiary.events.EventType` (see :func:`ostiary.events.declare`).
    """


# -- themes ------------------------------------------------------------------


@hookspec
def ostiary_gallery_pages(request: Request) -> Sequence[tuple[str, str, dict]] | None:
    """Return sample states of this plugin's pages for the theme gallery.

    The gallery (``/_gallery``, only with ``ostiary.development = true``)
    renders every state without running a flow, so a designer sees each
    page of every enabled plugin in the selected theme and in every
    language. Return a list of ``(name, template, values)`` tuples: a unique
    ``name`` such as ``"registration/register-errors"``, the template's
    asset specification (``"ostiary_registration:templates/register.pt"``)
    and the dict of values the view would pass, filled with sample data.
    Messages a view translates should be translated here too (with
    ``request.localizer``). ``csrf_token`` and ``page_title`` are filled in
    when missing. Every plugin's list is shown, built-in pages first.
    """


# -- lifecycle: after sign-in, housekeeping, evolving plugin data --------------


@hookspec
def ostiary_signed_in(request: Request, user: User, session: Any, context: Any) -> None:
    """A notification: ``user`` has just signed in and ``session`` (the new
    :class:`ostiary.models.sessions.SSOSession`, already stored and with
    its cookie on the response) is theirs.

    Called by ``request.interaction.sign_in`` after every sign-in that
    succeeded: a password at the login page, an external provider, a
    mailed link, a plugin's own page. Never after a refusal, so that this
    is the place for what a sign-in changes (linking a pending external
    identity, recording an account's security stamp), and the veto hooks
    (:func:`ostiary_check_login`, :func:`ostiary_is_active`) only decide.
    ``context`` is the :class:`ostiary.interaction.service.AuthorizationContext`
    of the sign-in, or ``None``. Every plugin is called, in the request's
    transaction (an exception fails the request, as in any other hook);
    return values are ignored.
    """


@hookspec
def ostiary_housekeeping(mapping: MutableMapping[str, Any], now: int) -> int | None:
    """Delete this plugin's expired data; return how many objects went.

    Called with core's own pruning, in the same transaction of its own: by
    every server process's maintenance thread each ``ostiary.prune_interval``
    seconds, and by ``ostiary prune``. ``mapping`` is the ZODB root mapping
    of that transaction's connection, where a plugin keeps its data under
    a key of its own (Ostiary's is ``"ostiary"``); ``now`` the time in
    whole seconds since the epoch. Every plugin is called; the counts are
    summed (``None`` counts 0). Several processes may prune at once: the
    transaction is retried on a conflict.
    """


@hookspec
def ostiary_evolve_steps() -> tuple[str, Sequence[Callable[..., Any]]] | None:
    """Return ``(name, steps)``: the evolve steps of this plugin's
    persistent data, or ``None`` when it keeps none.

    ``name`` is unique to the plugin (its data key, say); ``steps`` a tuple
    of callables, each taking the ZODB root mapping; step ``n`` (counting
    from 1) brings the data to generation ``n``. Only ever append a step.
    Core keeps each name's generation in the database and, when the
    application starts (and so before every command), runs the steps a
    database has not seen yet, in order, in one transaction with core's
    own evolve steps, logging each; a new database runs them all, so the
    first step usually creates the plugin's container. Every plugin is
    called.
    """


# -- plugin settings, commands, listing and disabling users (issue 11) --------


@hookspec
def ostiary_settings() -> Sequence[Any] | None:
    """Return the plugin's settings: a list of
    :class:`ostiary.plugin.Setting` rows, each named with the plugin's own
    prefix (``registration.token_lifetime``; never ``ostiary.``).

    Called once per plugin when the plugin manager is built, before
    :func:`ostiary_configure`. Every plugin's rows are parsed from the ini
    by the parser of core's own table: a malformed value or a key under the
    prefix that names no row stops start-up with one line naming the key.
    The parsed values are ``ostiary.plugin.plugin_settings(registry, NAME)``,
    one attribute per row (the name without the prefix, dots as ``_``), and
    ``ostiary CONFIG plugins`` lists them (rows marked ``secret`` masked).
    A row may be declared by one plugin only.
    """


@hookspec
def ostiary_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add sub-commands to the ``ostiary`` command line: call
    ``subparsers.add_parser(NAME, ...)`` (argparse) and set its ``handler``
    with ``parser.set_defaults(handler=function)``.

    Called when ``ostiary CONFIG ...`` builds its parser, with the plugins
    the ini enables. The handler is called as ``handler(app, args)`` inside
    one transaction, like the built-in commands: ``app.request`` (with
    ``app.request.plugins``), ``app.registry``, ``app.root`` and
    ``app.settings``. Raise ``ostiary.plugin.CommandError`` for a mistake
    the user can fix: it is printed as one line, with exit status 2. A
    name that is already taken stops the command (argparse refuses it).
    Every plugin is called.
    """


@hookspec(firstresult=True)
def ostiary_list_users(request: Request, offset: int, limit: int | None, search: str | None) -> Sequence[User] | None:
    """Return a list of this store's users sorted by username, or ``None``
    when this plugin is not a user store.

    ``offset`` users are skipped and at most ``limit`` returned (``None``:
    all); ``search``, when not ``None``, keeps the users whose username or
    email contains it, ignoring case. A user may have ``locked_until``, a
    POSIX time until which sign-ins are refused (0 or ``None``: not locked).
    Used by ``ostiary user list``. The first non-``None`` result wins: with
    two user stores, the one registered later is listed.
    """


@hookspec(firstresult=True)
def ostiary_set_active(request: Request, subject: str, active: bool) -> bool | None:
    """Disable (``active`` is ``False``) or enable ``subject``; return
    ``True`` if this store holds the user, ``None`` otherwise.

    A disabled user is refused at sign-in and by :func:`ostiary_is_active`
    until enabled again; enabling also ends a lockout after failed
    sign-ins. Used by ``ostiary user disable|enable``. The first
    non-``None`` result wins.
    """


# -- oauth-grants (issue 15): token exchange (RFC 8693) ---------------------------


@dataclasses.dataclass(frozen=True)
class TokenExchange:
    """One token-exchange request (RFC 8693), as :func:`ostiary_token_exchange_allowed` sees it.

    ``subject`` is the ``sub`` of the subject token, ``subject_client_id``
    the client it was issued to, ``subject_token_type`` one of the
    ``urn:ietf:params:oauth:token-type:*`` URNs. ``actor`` is the actor
    token's ``sub`` for delegation (``None``: impersonation). ``audiences``
    and ``resources`` are the targets asked for; ``scope`` the scope the
    new token would carry.
    """

    subject: str
    subject_client_id: str | None
    subject_token_type: str
    actor: str | None
    actor_token_type: str | None
    audiences: tuple[str, ...]
    resources: tuple[str, ...]
    scope: str


@hookspec
def ostiary_token_exchange_allowed(request: Request, client: Client, exchange: TokenExchange) -> bool | None:
    """Return ``True`` to let ``client`` exchange the subject token described
    by ``exchange`` (RFC 8693) for an access token for its audiences and
    resources, ``False`` to refuse, ``None`` for no opinion.

    Token exchange is denied by default: the exchange goes ahead only when
    some plugin answers ``True`` and none ``False`` (any ``False`` wins).
    Asked at the token endpoint after the client authenticated, holds the
    token-exchange grant type, and the subject (and actor) token verified;
    a refusal is ``invalid_target`` when targets were named, else
    ``unauthorized_client``.
    """


# -- authentication methods: sign-in as steps (issue 13) -----------------------


class StepResult:
    """What :meth:`AuthenticationMethod.check` answers for one posted step.

    Build it with :meth:`passed` or :meth:`failed`. A failure with
    ``guessed`` (the default) was a wrong secret: core counts it against
    the account and the client's address, with the lockout and throttling
    of wrong passwords, and shows ``message`` (or a generic one). A failure
    without ``guessed`` (an empty form, a switch of device) only shows the
    message again.
    """

    __slots__ = ("ok", "message", "amr", "guessed", "user")

    def __init__(
        self, ok: bool, *, message: str | None = None, amr: Sequence[str] = (), guessed: bool = True, user=None
    ):
        self.ok = ok
        self.message = message
        self.amr = tuple(amr)
        self.guessed = guessed
        self.user = user

    @classmethod
    def passed(cls, amr: Sequence[str] = (), user: User | None = None) -> StepResult:
        """The step passed; ``amr`` (RFC 8176 values) defaults to the
        method's own. ``user``: the person a first factor identified."""
        return cls(True, amr=amr, user=user)

    @classmethod
    def failed(cls, message: str | None = None, *, guessed: bool = True) -> StepResult:
        """The step failed: ``message`` (a translation string) is shown."""
        return cls(False, message=message, guessed=guessed)

    def __repr__(self) -> str:
        return f"StepResult(ok={self.ok!r}, amr={self.amr!r}, guessed={self.guessed!r})"


class Step:
    """One step of a sign-in in progress, as a method sees it.

    ``user``
        the person signing in (a first factor already named them).
    ``context``
        the :class:`ostiary.interaction.service.AuthorizationContext` the
        sign-in serves, or ``None``.
    ``state``
        this method's own scratch space, kept server-side in the partial
        sign-in until it ends (a challenge, a secret being enrolled). Keep
        plain values in it (str, int, bytes, lists, dicts).
    ``enrolling``
        ``True`` when the person has no factor yet, their policy demands
        one, and they set this method up now, before the session starts;
        ``check`` then stores the new factor when its confirmation passes.
    ``page``
        the values every step page gets (``page_title``, ``csrf_token``,
        ``action`` where the form posts, ``return_url``, ``choices`` of the
        other methods the person may switch to, ``error``, ``enrolling``,
        ``cancel_label``): start a template's values from it.
    ``passed``
        the names of the methods already passed in this sign-in.
    """

    def __init__(self, *, user, context, state, enrolling: bool, page: dict, passed: Sequence[str] = ()):
        self.user = user
        self.context = context
        self.state = state
        self.enrolling = enrolling
        self.page = page
        self.passed = tuple(passed)


class AuthenticationMethod:
    """A way of proving who one is: a password, an authenticator app, a
    passkey, a recovery code. Plugins return instances of subclasses from
    :func:`ostiary_authentication_methods`.

    ``name``
        unique, short, URL-safe (``totp``, ``webauthn``); it appears in the
        step URL and in the audit log.
    ``title``
        a translation string naming the method on its button ("Authenticator app").
    ``first_factor`` / ``further_factor``
        whether the method can start a sign-in on its own, and whether it
        can be asked after another. The built-in password method is a first
        factor only: its step is the login page.
    ``amr``
        the RFC 8176 values a pass yields (``("otp",)``, ``("hwk",)``, ...).
    ``can_enrol``
        whether the person can set the method up in the middle of a
        sign-in, when policy demands a factor they do not have.
    ``backup``
        a fall-back for the other factors (recovery codes): never counted
        as a person's factor on its own nor offered alone, offered among
        the choices once another factor is enrolled, and set up right after
        the person's first other factor (``render`` and ``check`` are called
        with ``step.enrolling``).

    A method renders its step (:meth:`render`, a response: usually
    ``ostiary.plugin.render_page`` with a template of its own, values from
    ``step.page``) and checks the posted form (:meth:`check`). It never
    starts a session: core does, when every required step passed.
    """

    name: str = ""
    title: str = ""
    first_factor: bool = False
    further_factor: bool = True
    amr: tuple[str, ...] = ()
    can_enrol: bool = False
    backup: bool = False

    def enrolled(self, request: Request, user: User) -> bool:
        """Whether ``user`` has this method set up (a person with a
        further factor enrolled is always asked for one)."""
        return False

    def reset(self, request: Request, user: User) -> bool | None:
        """Forget ``user``'s enrolment of this method, every credential of
        it (an administrator resets a person's factors: a lost phone, a
        stolen key); whether anything was forgotten. ``None`` (the default):
        this method cannot, as when its factors live in another system's
        database; the administrator is told it stays."""
        return None

    def render(self, request: Request, step: Step) -> Any:
        """The response showing this step's page (``step.enrolling``: the enrolment page)."""
        raise NotImplementedError

    def check(self, request: Request, step: Step) -> StepResult:
        """Check the posted form (``request.POST``) of this step."""
        raise NotImplementedError


@hookspec
def ostiary_authentication_methods(request: Request) -> Sequence[AuthenticationMethod] | None:
    """Return the authentication methods this plugin provides: instances
    of :class:`AuthenticationMethod` (a one-time code app, a passkey, ...).

    Every plugin's list is concatenated, built-ins first; where two share a
    ``name`` the one registered later wins. Asked when a first factor has
    passed, to decide which further step a sign-in needs: a person with a
    further factor enrolled is always asked for one (a choice when several);
    one whose policy demands a further factor (the client's
    ``require_mfa``, ``ostiary.require_mfa``, or ``acr_values`` naming
    ``ostiary.acr_multi_factor``) and who has none enrolled sets one up
    (a method with ``can_enrol``) before the session starts. Each method
    renders and checks its own step; core keeps the partial sign-in, counts
    failures like wrong passwords and computes the session's ``amr`` and
    ``acr``. The built-in ``password`` method is the login page's step.
    """


# -- scripts on the login page: passkey autofill (issue 13, passkeys) ------------


@hookspec
def ostiary_login_scripts(request: Request, context: Any) -> Sequence[Mapping[str, Any]] | None:
    """Return scripts the login page loads, each a dict with ``src`` (a
    URL on this server: the page's CSP allows scripts from ``'self'``
    only), optionally ``data`` (a mapping of ``data-*`` attributes the
    script reads from its own tag, ``document.currentScript``) and
    ``webauthn_autofill`` (``True``: the username field also offers the
    browser's passkeys, ``autocomplete="username webauthn"``, for a script
    that starts a conditional WebAuthn request). Every plugin's list is
    loaded, deferred. ``context`` is the authorization context or ``None``.
    """


# -- the account console (issue 12) ----------------------------------------


@dataclasses.dataclass(frozen=True)
class AccountSection:
    """One section of the account console at ``/account``.

    ``name`` is unique and URL-safe (a later plugin wins on a name);
    ``title`` and ``description`` are translation strings (or plain text);
    ``url`` is where the section's own page is (``request.route_path(...)``);
    sections are listed by ``order`` (core's: 100 profile, 200 email, 300
    password, 600 applications, 900 download, 950 delete), then by name.
    ``available`` False hides a section the signed-in person cannot use
    (a store that cannot change their password, say).
    """

    name: str
    title: str
    url: str
    order: int = 500
    description: str | None = None
    available: bool = True


@hookspec
def ostiary_account_sections(request: Request) -> Sequence[AccountSection] | None:
    """Return the :class:`AccountSection` rows this plugin adds to the
    account console for the signed-in person, or ``None``. (The theme
    gallery asks too, with nobody signed in: answer without failing, e.g.
    ``available=False`` or the plain section.) Every plugin is asked; the
    lists are concatenated and sorted by ``order``; a later plugin replaces
    an earlier one's section of the same ``name``. The section's page is the
    plugin's own route and template (added in ``ostiary_configure``); sensitive
    actions there call ``ostiary.plugin.require_fresh_sign_in`` first.
    """


@hookspec
def ostiary_account_export(request: Request, subject: str) -> Mapping[str, Any] | None:
    """Return this plugin's part of the person's "download my data" file
    (a JSON-serialisable mapping, top-level keys named after what they hold,
    e.g. ``{"sessions": [...]}``), or ``None``. Every plugin is asked; the
    mappings are merged, a later plugin winning on a key. Core contributes
    ``profile`` and ``consents``.
    """


@hookspec
def ostiary_account_deleted(request: Request, subject: str) -> None:
    """``subject`` deleted their account: remove what this plugin keeps
    about them (links, factors, history, ...). Called for every plugin,
    after core ended the person's sessions (with back-channel logout),
    revoked their refresh tokens and consents, and before the user store
    removes the user (``ostiary_delete_user``), in the same transaction.
    """


@dataclasses.dataclass(frozen=True)
class AccountCapabilities:
    """What a user store lets a person change about their own account.

    ``claims``: the profile claims they may edit (names from OpenID Connect
    Core 5.1); ``password``, ``email`` and ``delete``: whether the store can
    set a password, change the email address and remove the user. A store
    that answers nothing is read-only: the console hides every action."""

    claims: tuple[str, ...] = ()
    password: bool = False
    email: bool = False
    delete: bool = False
    #: False for a person who signs in only through an external provider:
    #: the Password section lets them set one without a current password
    has_password: bool = True


@hookspec(firstresult=True)
def ostiary_account_capabilities(request: Request, subject: str) -> AccountCapabilities | None:
    """Return the :class:`AccountCapabilities` of ``subject`` if this store
    holds the user, ``None`` otherwise (the first answer wins). The account
    console shows only the actions a capability allows, so a read-only
    store (one that does not implement this hook) shows none and fails none.
    """


@hookspec(firstresult=True)
def ostiary_set_email(request: Request, subject: str, email: str, verified: bool) -> bool | None:
    """Change the email address of ``subject`` to ``email`` and record
    whether it is verified (the ``email_verified`` claim); return ``True``
    if this store holds the user, ``None`` otherwise. Raise ``ValueError``
    with a message safe to show when the store refuses (address taken).
    The account console calls it only after the new address was confirmed.
    """


@hookspec(firstresult=True)
def ostiary_delete_user(request: Request, subject: str) -> bool | None:
    """Remove ``subject`` from this store for good; return ``True`` if this
    store held the user, ``None`` otherwise. Called last when a person
    deletes their account, after ``ostiary_account_deleted``; the first
    non-``None`` answer wins.
    """


@hookspec(firstresult=True)
def ostiary_password_problem(request: Request, password: str, username: str | None, email: str | None) -> Any:
    """Return why ``password`` is not acceptable as a new password (a
    translation string or text safe to show), or ``None`` to accept it.
    Asked after core's own password policy accepted it (NIST-style:
    ``ostiary.password_min_length``, common passwords, not the username or
    email), wherever a password is set: the account console and the
    ``ostiary user`` commands (registration and reset check core's policy).
    A user store with rules of its own adds them here; the first answer wins.
    """


@hookspec(firstresult=True)
def ostiary_registration_url(request: Request, return_url: str | None) -> str | None:
    """Return the URL of this plugin's registration page that, once the
    account exists and is signed in, sends the browser to ``return_url``
    (an authorize return URL, or ``None``); ``None`` if it has none. Used
    for ``prompt=create`` (OpenID Connect "Initiating User Registration"):
    with an implementation, discovery lists ``create`` in
    ``prompt_values_supported`` and the authorize endpoint sends the
    person there; without one, ``prompt=create`` is refused.
    """
