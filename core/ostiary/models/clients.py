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
CONFIDENTIAL_METHODS = (*SECRET_METHODS, "private_key_jwt")
AUTH_METHODS = (*CONFIDENTIAL_METHODS, "none")
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
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
        # Every sign-in for this client passes a further factor (a person
        # without one sets it up first); a session without one is stepped up.
        self.require_mfa = False
        self.created_at = now()
        self.update(**fields)

    def update(self, **fields) -> None:
        """Set fields, validating them; unknown names are refused."""
        for name, value in fields.items():
            if name in ("client_id", "secret_digests") or not hasattr(self, name):
                raise ClientError(f"unknown client field {name!r}")
            if isinstance(value, list):
                value = tuple(value)
            setattr(self, name, value)
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
        if "authorization_code" in self.grant_types and not self.redirect_uris:
            raise ClientError("authorization_code needs at least one redirect URI", "redirect_uris")
        if self.token_endpoint_auth_method == "private_key_jwt" and not self.jwks:
            raise ClientError("private_key_jwt needs the client's public keys (jwks)")
        if any(not isinstance(name, str) or not name for name in self.identity_providers):
            raise ClientError("identity_providers names providers, or local for the password form")
        self._validate_uris()

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

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == "none"

    def accepts_idp(self, idp: str | None) -> bool:
        """Whether a person may sign in for this client through ``idp``, a
        provider name (``local``, or None, for the password form)."""
        allowed = tuple(self.identity_providers or ())
        return not allowed or (idp or LOCAL_IDP) in allowed

    # -- secrets -------------------------------------------------------------

    def add_secret(self, secret: str) -> None:
        """Accept ``secret`` from now on (several may be valid during a roll-over)."""
        self.secret_digests.append(digest(secret))

    def clear_secrets(self) -> None:
        del self.secret_digests[:]

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
        skip = {"secret_digests"}
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
