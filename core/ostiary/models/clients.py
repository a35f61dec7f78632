"""Registered clients (relying parties) and their persistent container.

A :class:`Client` also speaks authlib's ``ClientMixin`` protocol (the
``check_*`` and ``get_*`` methods) by duck typing, so the protocol layer can
hand it to authlib's grants directly.
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlsplit

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.list import PersistentList

from .util import digest, now

#: How a client authenticates at the token endpoint (RFC 7591, section
#: 2), defined here once: registration checks them, the grants and the
#: revocation and introspection endpoints accept them, discovery lists them.
#: A shared secret goes in the Authorization header or in the form body.
SECRET_METHODS = ("client_secret_basic", "client_secret_post")
#: Those that prove who the client is (introspection takes no others).
#: client_secret_jwt (RFC 7523) MACs an assertion with the shared secret.
CONFIDENTIAL_METHODS = (*SECRET_METHODS, "private_key_jwt", "client_secret_jwt")
AUTH_METHODS = (*CONFIDENTIAL_METHODS, "none")
GRANT_TYPES = (
    "authorization_code",
    "refresh_token",
    "client_credentials",
    # -- oauth-grants (issue 15) --
    "urn:ietf:params:oauth:grant-type:device_code",  # RFC 8628
    "urn:ietf:params:oauth:grant-type:token-exchange",  # RFC 8693
)
#: OpenID Connect Core 1.0, section 8.
SUBJECT_TYPES = ("public", "pairwise")
#: OpenID Connect Dynamic Client Registration 1.0, section 2: a web client
#: runs on a server, a native client on the person's device.
APPLICATION_TYPES = ("web", "native")
#: Schemes no client may register, whatever its type: a browser would run
#: or read them instead of handing a code to an application.
FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob", "about"})


class ClientError(ValueError):
    """A client definition is invalid.

    ``field`` names the client field at fault (``redirect_uris``, ...) and
    ``reason`` says what is wrong with it, so that the command line can name
    its option and the TOML loader its key; ``str()`` reads ``field: reason``.
    """

    def __init__(self, reason: str, field: str | None = None):
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


#: A shared secret should carry at least this many bits (RFC 6749 section
#: 10.10 asks that guessing be infeasible; 128 bits is what
#: ``ostiary client add`` generates).
STRONG_SECRET_BITS = 128


def secret_is_weak(secret: str) -> bool:
    """Whether ``secret`` carries fewer than :data:`STRONG_SECRET_BITS` by a
    generous estimate: its length times the bits of the kinds of characters
    it uses (digits, lower, upper, others)."""
    import math

    pools = [
        (str.isdigit, 10),
        (str.islower, 26),
        (str.isupper, 26),
        (lambda c: not c.isalnum(), 32),
    ]
    alphabet = sum(size for test, size in pools if any(test(c) for c in secret)) or 1
    return len(secret) * math.log2(alphabet) < STRONG_SECRET_BITS


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (as :func:`urllib.parse.urlsplit` gives it) is this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def redirect_uri_problem(uri, application_type: str = "web", *, custom_schemes: bool = True) -> str | None:
    """What is wrong with registering ``uri`` for a client, or None.

    The rules of OAuth 2.0 (RFC 6749 section 3.1.2), the Security BCP (RFC
    9700: exact URIs, so no wildcards) and OpenID Connect Dynamic Client
    Registration 1.0 section 2: an absolute URI without a fragment; https,
    or http to a loopback address (RFC 8252 section 7.3); a private-use
    scheme such as ``com.example.app:/cb`` only for a native client
    (RFC 8252 section 7.1) and only where ``custom_schemes`` allows it
    (never for the logout URIs a browser frame or this server calls).
    Every place that registers a URI (the command line, the TOML loader,
    an admin API) reaches these rules through :meth:`Client.validate`.
    """
    if not isinstance(uri, str) or not uri.strip():
        return "an empty URI"
    if uri != uri.strip() or any(c.isspace() for c in uri):
        return f"{uri!r} contains white space"
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if not scheme:
        return f"{uri!r} is not an absolute URI (e.g. https://rp.example/cb)"
    if "#" in uri:
        return f"{uri!r} has a fragment; a redirect URI has none"
    if "*" in uri:
        return f"{uri!r} has a wildcard; URIs are compared exactly, register each one"
    if scheme in FORBIDDEN_SCHEMES:
        return f"{uri!r}: the {scheme}: scheme cannot be a redirect target"
    if scheme in ("http", "https"):
        return _web_uri_problem(uri, parts)
    if not custom_schemes:
        return f"{uri!r} is not an http(s) URL"
    if application_type != "native":
        return f"{uri!r}: a private-use scheme needs application_type native"
    if not (parts.path or parts.netloc):
        return f"{uri!r} has nothing after the scheme"
    return None


def _web_uri_problem(uri: str, parts) -> str | None:
    if not parts.hostname:
        return f"{uri!r} has no host"
    try:
        _ = parts.port  # urllib raises ValueError for a port that is not a number
    except ValueError:
        return f"{uri!r} has an invalid port"
    if parts.scheme.lower() == "http" and not is_loopback(parts.hostname):
        return f"{uri!r} must use https (plain http only to 127.0.0.1, [::1] or localhost)"
    return None


def origin_of(uri: str) -> str:
    """The origin of an http(s) URL as a browser serializes it in the
    ``Origin`` header: lower-case scheme and host, the port only if it is
    not the scheme's default."""
    parts = urlsplit(uri)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" if port in (None, default) else f"{scheme}://{host}:{port}"


def origin_problem(origin) -> str | None:
    """What is wrong with registering ``origin`` as a CORS origin, or None.

    An origin is compared with the browser's ``Origin`` header as a string,
    so it must be written exactly as a browser sends it: scheme, host and a
    non-default port, nothing more (no path, no trailing slash, no
    wildcard); https, or http to a loopback address, as for redirect URIs.
    """
    if not isinstance(origin, str) or not origin:
        return "an empty origin"
    if "*" in origin:
        return f"{origin!r} has a wildcard; origins are compared exactly, register each one"
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{origin!r} is not an origin (e.g. https://app.example)"
    problem = _web_uri_problem(origin, parts)
    if problem:
        return problem
    if origin_of(origin) != origin:
        return f"{origin!r} is not written as a browser sends it: {origin_of(origin)!r}"
    return None


#: The idp of a sign-in with a local password (and the name of the password
#: form in a client's ``identity_providers``).
LOCAL_IDP = "local"


class Client(Persistent):
    """One OAuth 2.0 / OpenID Connect client.

    Secrets are kept only as SHA-256 digests. They are long random values,
    not passwords, so a slow hash would buy nothing but a slower token
    endpoint; comparison is constant-time.
    """

    # Class-level defaults for fields added after the first release, so that
    # clients stored by an older version read them without an evolve step.
    first_party = False
    logout_revokes_refresh_tokens = False
    identity_providers = ()
    application_type = "web"
    # -- oauth-grants (issue 15) --
    #: RFC 9126, section 6: this client's authorization requests must be pushed.
    require_pushed_authorization_requests = False

    # -- browser applications and sender-constrained tokens (issue 15) --------
    # Class defaults only: clients stored before these fields read them as
    # they are here, with no evolve step.
    #: Origins (``https://spa.example``) whose scripts may read this client's
    #: answers from the token, userinfo, revocation and introspection
    #: endpoints (CORS). None: derived (see :meth:`cors_origins`).
    allowed_cors_origins = None
    #: Every token request must carry a DPoP proof (RFC 9449): this client's
    #: tokens are always sender-constrained.
    require_dpop = False
    #: Seconds a refresh token lapses when unused (sliding; None: the
    #: server's ostiary.refresh_token_idle_lifetime; 0: no idle limit).
    refresh_token_idle_lifetime = None
    #: Seconds after a rotation in which the rotated refresh token gets the
    #: same answer again instead of revoking the grant (None: the server's
    #: ostiary.refresh_token_reuse_grace; 0: never).
    refresh_token_reuse_grace = None
    #: client_secret_jwt only: the secrets themselves, since checking an
    #: HMAC needs the key, not a digest of it (a class default: empty).
    jwt_secrets = ()
    #: OpenID Connect Core 1.0, section 8: "public" (one sub everywhere) or
    #: "pairwise" (a sub of its own per sector, so clients cannot correlate).
    subject_type = "public"
    #: Pairwise: a URL listing the redirect URIs of every client of the
    #: sector (its host is the sector); needed when they span several hosts.
    sector_identifier_uri = None

    # -- dynamic client registration (RFC 7591/7592) --------------------------
    #: SHA-256 digest of the client's registration access token: set only
    #: for a client that registered itself, and what lets it manage itself.
    registration_access_token_digest = None
    #: The informational metadata a registered client sent (client_uri,
    #: logo_uri, contacts, tos_uri, policy_uri, software_id, ...), returned
    #: as it came; nothing in the protocol depends on it.
    registration_metadata = None
    require_mfa = False  # issue 13: a further factor for every sign-in for this client

    def __init__(self, client_id: str, **fields):
        self.client_id = client_id
        self.name = client_id
        self.enabled = True
        self.secret_digests = PersistentList()
        self.token_endpoint_auth_method = "client_secret_basic"
        # "web" or "native" (OpenID Connect Dynamic Client Registration 1.0,
        # section 2): only a native client may use a private-use URI scheme.
        self.application_type = "web"
        self.jwks = None  # public keys for private_key_jwt, as a JWK Set dict
        self.redirect_uris = ()
        self.post_logout_redirect_uris = ()
        self.grant_types = ("authorization_code",)
        self.scopes = ("openid",)
        self.require_pkce = True
        self.require_consent = True
        self.first_party = False  # a first-party application never asks for consent
        self.allow_remember_consent = True
        self.consent_lifetime = None  # seconds; None keeps a remembered consent until revoked
        self.always_include_user_claims_in_id_token = False
        self.access_token_lifetime = None  # None: the server default
        self.id_token_lifetime = None
        self.refresh_token_lifetime = None
        self.frontchannel_logout_uri = None
        self.frontchannel_logout_session_required = True
        self.backchannel_logout_uri = None
        self.backchannel_logout_session_required = True
        # Revoke the refresh tokens of a session when that session signs out
        # (Duende's CoordinateLifetimeWithUserSession); off by default so
        # offline access survives a browser sign-out.
        self.logout_revokes_refresh_tokens = False
        # How people may sign in for this client, by provider name ("local":
        # the password form); empty means every way this server offers.
        self.identity_providers = ()
        # -- oauth-grants (issue 15) --
        self.require_pushed_authorization_requests = False
        # Every sign-in for this client passes a further factor (a person
        # without one sets it up first); a session without one is stepped up.
        self.require_mfa = False
        self.created_at = now()
        self.update(**fields)

    def update(self, **fields) -> None:
        """Set fields, validating them; unknown names are refused."""
        for name, value in fields.items():
            if name in ("client_id", "secret_digests", "jwt_secrets") or not hasattr(self, name):
                raise ClientError(f"unknown client field {name!r}")
            if isinstance(value, list):
                value = tuple(value)
            setattr(self, name, value)
        if self.token_endpoint_auth_method != "client_secret_jwt" and self.jwt_secrets:
            self.jwt_secrets = ()  # only client_secret_jwt keeps secrets readable
        self.validate()

    def validate(self) -> None:
        """Refuse a combination of fields that cannot work."""
        if self.token_endpoint_auth_method not in AUTH_METHODS:
            raise ClientError(f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}")
        unknown = set(self.grant_types) - set(GRANT_TYPES)
        if unknown:
            raise ClientError(f"unsupported grant types: {', '.join(sorted(unknown))}")
        if self.is_public and "client_credentials" in self.grant_types:
            raise ClientError("a public client cannot use client_credentials")
        if self.is_public and "urn:ietf:params:oauth:grant-type:token-exchange" in self.grant_types:
            raise ClientError("a public client cannot use token exchange")  # oauth-grants (issue 15)
        if "authorization_code" in self.grant_types and not self.redirect_uris:
            raise ClientError("authorization_code needs at least one redirect URI", "redirect_uris")
        if self.token_endpoint_auth_method == "private_key_jwt" and not self.jwks:
            raise ClientError("private_key_jwt needs the client's public keys (jwks)")
        if any(not isinstance(name, str) or not name for name in self.identity_providers):
            raise ClientError("identity_providers names providers, or local for the password form")
        self._validate_uris()
        self._validate_browser_fields()

    def _validate_browser_fields(self) -> None:
        """The fields of issue 15's browser applications (CORS, DPoP,
        refresh lifetimes, pairwise subjects)."""
        if not isinstance(self.require_dpop, bool):
            raise ClientError("expected true or false", "require_dpop")
        self._validate_subject_type()
        for field in ("refresh_token_idle_lifetime", "refresh_token_reuse_grace"):
            value = getattr(self, field)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise ClientError("expected a whole number of seconds, 0 or more", field)
        origins = self.allowed_cors_origins
        if origins is not None:
            if isinstance(origins, str):
                raise ClientError("expected a list of origins", "allowed_cors_origins")
            for origin in origins:
                problem = origin_problem(origin)
                if problem:
                    raise ClientError(problem, "allowed_cors_origins")

    def _validate_subject_type(self) -> None:
        if self.subject_type not in SUBJECT_TYPES:
            raise ClientError(f"expected one of {', '.join(SUBJECT_TYPES)}", "subject_type")
        uri = self.sector_identifier_uri
        if uri is not None:
            problem = redirect_uri_problem(uri, custom_schemes=False)
            if problem:
                raise ClientError(problem, "sector_identifier_uri")
        if self.subject_type == "pairwise" and uri is None and len(self._redirect_hosts()) > 1:
            raise ClientError(
                "the redirect URIs are on several hosts: a pairwise client needs a sector_identifier_uri",
                "sector_identifier_uri",
            )

    def _redirect_hosts(self) -> set:
        return {urlsplit(uri).hostname or uri for uri in self.redirect_uris}

    @property
    def sector(self) -> str | None:
        """The sector of a pairwise client (section 8.1): the host of its
        sector_identifier_uri, or of its redirect URIs; None for public."""
        if self.subject_type != "pairwise":
            return None
        if self.sector_identifier_uri:
            return urlsplit(self.sector_identifier_uri).hostname
        hosts = self._redirect_hosts()
        return next(iter(hosts)) if hosts else self.client_id

    def cors_origins(self) -> frozenset:
        """The origins whose scripts may read this client's answers.

        Registered ones if ``allowed_cors_origins`` is set (an empty list:
        none). Otherwise a public web client (a single-page application)
        gets the origins of its http(s) redirect URIs, where its code runs;
        a confidential or native client none: a browser script cannot keep
        a secret, and a native application is not subject to CORS.
        """
        if self.allowed_cors_origins is not None:
            return frozenset(self.allowed_cors_origins)
        if not self.is_public or self.application_type != "web":
            return frozenset()
        return frozenset(origin_of(uri) for uri in self.redirect_uris if urlsplit(uri).scheme in ("http", "https"))

    def _validate_uris(self) -> None:
        """Every registered URI against :func:`redirect_uri_problem`."""
        if self.application_type not in APPLICATION_TYPES:
            raise ClientError(f"expected one of {', '.join(APPLICATION_TYPES)}", "application_type")
        for field in ("redirect_uris", "post_logout_redirect_uris"):
            values = getattr(self, field)
            if isinstance(values, str):
                raise ClientError("expected a list of URIs", field)
            for uri in values:
                problem = redirect_uri_problem(uri, self.application_type)
                if problem:
                    raise ClientError(problem, field)
        # The front-channel URI loads in a browser frame, the back-channel
        # one is POSTed to by this server: both are web URLs for any client.
        for field in ("frontchannel_logout_uri", "backchannel_logout_uri"):
            uri = getattr(self, field)
            problem = uri is not None and redirect_uri_problem(uri, custom_schemes=False)
            if problem:
                raise ClientError(problem, field)

    def check_registration_access_token(self, token: str) -> bool:
        """Whether ``token`` is this client's registration access token (RFC 7592)."""
        stored = self.registration_access_token_digest
        return stored is not None and hmac.compare_digest(digest(token or ""), stored)

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == "none"

    def accepts_idp(self, idp: str | None) -> bool:
        """Whether a person may sign in for this client through ``idp``, a
        provider name (``local``, or None, for the password form)."""
        allowed = tuple(self.identity_providers or ())
        return not allowed or (idp or LOCAL_IDP) in allowed

    # -- secrets -------------------------------------------------------------

    #: How many of the secrets were weak when they were added (only their
    #: digests are kept, so ``ostiary check`` can judge them only from this;
    #: None: added before this was recorded).
    weak_secrets = None

    def add_secret(self, secret: str) -> None:
        """Accept ``secret`` from now on (several may be valid during a roll-over)."""
        self.secret_digests.append(digest(secret))
        self.weak_secrets = (self.weak_secrets or 0) + (1 if secret_is_weak(secret) else 0)
        if self.token_endpoint_auth_method == "client_secret_jwt":
            self.jwt_secrets = (*self.jwt_secrets, secret)

    def clear_secrets(self) -> None:
        del self.secret_digests[:]
        self.weak_secrets = 0
        self.jwt_secrets = ()

    def check_client_secret(self, client_secret: str) -> bool:
        candidate = digest(client_secret or "")
        matched = False
        for stored in self.secret_digests:
            # Compare against every digest so timing does not reveal which matched.
            matched |= hmac.compare_digest(candidate, stored)
        return matched

    # -- authlib ClientMixin -----------------------------------------------

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self):
        # OpenID Connect requires redirect_uri; so do we, for every client.
        return None

    def get_allowed_scope(self, scope: str) -> str | None:
        """The requested scope if the client may ask for all of it, else None
        (authlib then answers invalid_scope): a scope is never dropped silently."""
        if not scope:
            return ""
        requested = scope.split()
        if not set(requested) <= set(self.scopes):
            return None
        return " ".join(dict.fromkeys(requested))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string comparison, as OAuth 2.0 Security BCP requires.
        return redirect_uri in self.redirect_uris

    def check_post_logout_redirect_uri(self, uri: str) -> bool:
        return uri in self.post_logout_redirect_uris

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        # A client with a shared secret may present it in the header or the
        # body (as Keycloak and Duende accept); key-based and public clients
        # use exactly the method they registered.
        if self.token_endpoint_auth_method in SECRET_METHODS:
            return method in SECRET_METHODS
        return method == self.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types

    def as_dict(self) -> dict:
        """A JSON-friendly view, without secrets (for ``client show``)."""
        skip = {"secret_digests", "jwt_secrets", "registration_access_token_digest"}
        data = {k: v for k, v in vars(self).items() if not k.startswith("_") and k not in skip}
        data["secrets"] = len(self.secret_digests)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(data.items())}


class ClientRegistry(Persistent):
    """All clients, keyed by client id."""

    def __init__(self):
        self.items = OOBTree()

    def get(self, client_id: str) -> Client | None:
        return self.items.get(client_id)

    def add(self, client: Client) -> Client:
        if client.client_id in self.items:
            raise ClientError(f"client {client.client_id!r} exists already")
        self.items[client.client_id] = client
        return client

    def remove(self, client_id: str) -> None:
        if client_id not in self.items:
            raise ClientError(f"no client {client_id!r}")
        del self.items[client_id]

    def __iter__(self):
        return iter(self.items.values())

    def allows_cors_origin(self, origin: str) -> bool:
        """Whether any enabled client lets scripts from ``origin`` read its
        answers (for a CORS preflight, which names no client). A walk over
        every client: preflights are few, and browsers cache the answer."""
        return any(client.enabled and origin in client.cors_origins() for client in self.items.values())

    # -- dynamic client registration -----------------------------------------
    #: The initial access tokens (RFC 7591), made when the first one is
    #: created: a database that never used registration has none, and needs
    #: no evolve step for it.
    initial_access_tokens = None

    def initial_access_token_store(self):
        """The store of initial access tokens, created on first use."""
        if self.initial_access_tokens is None:
            from .registration import InitialAccessTokenStore

            self.initial_access_tokens = InitialAccessTokenStore()
        return self.initial_access_tokens

    def prune(self, when: int) -> int:
        """Delete the initial access tokens that can no longer be used."""
        store = self.initial_access_tokens
        return 0 if store is None else store.prune(when)
