"""The Pyramid adapter for authlib's authorization server.

Like authlib's own Flask and Django integrations, this module only
translates requests and responses and connects authlib's storage hooks to
Ostiary's models and plugins; the grant logic stays authlib's.

One :class:`OstiaryServer` is built per request (``request.oauth_server``):
authlib asks for clients by id alone, and our client store is a plugin hook
that needs the request. What it registers (grants, endpoints, client
authentication methods) is the same for every request, so the tables are
built once per process (:data:`_TOKEN_GRANTS` and the rest) and each
request's server only binds them: an endpoint or an assertion method is made
for a request's server only when that request uses it. Nothing a request
sets on its server (``resource_target``, say) reaches another's.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from functools import cached_property, lru_cache
from urllib.parse import parse_qsl, urlsplit

from authlib.common.security import is_secure_transport
from authlib.oauth2 import AuthorizationServer, OAuth2Error
from authlib.oauth2.base import invalid_error_characters
from authlib.oauth2.rfc6749 import (
    InsecureTransportError,
    InvalidClientError,
    InvalidRequestError,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.authenticate_client import (
    ClientAuthentication,
    authenticate_client_secret_basic,
    authenticate_client_secret_post,
    authenticate_none,
)
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from pyramid.response import Response
from webob.headers import EnvironHeaders
from webob.multidict import MultiDict

from ..models.util import now
from . import dpop, grants, tokens
from .client_auth import ClientSecretJWT, PrivateKeyJWT
from .device import DeviceEndpoint, DeviceGrant
from .headers import NO_STORE
from .introspection import Introspection
from .oidc import IdTokenExtension
from .paths import endpoint_url
from .pkce import StrictPKCE
from .return_urls import REPEATABLE
from .revocation import Revocation
from .token_exchange import TokenExchangeGrant

_SET_HERE = frozenset({"content-type", "content-length", "cache-control", "pragma"})
_compact_json = json.JSONEncoder(separators=(",", ":")).encode


def form_params(request):
    """The parameters of a form POST.

    A urlencoded body, what every OAuth client sends (RFC 6749, appendix B:
    UTF-8), is parsed directly: webob's ``request.POST`` goes through
    ``cgi.FieldStorage``, which cost more than the rest of the request
    translation together. Other bodies still go through webob.
    """
    if request.content_type == "application/x-www-form-urlencoded":
        body = request.body.decode("utf-8", "replace")
        return MultiDict(parse_qsl(body, keep_blank_values=True))
    return request.POST


class PyramidPayload(OAuth2Payload):
    """The parameters of a request: the query string for GET, the form body for POST."""

    def __init__(self, request):
        self._params = form_params(request) if request.method == "POST" else request.GET

    @cached_property
    def data(self) -> dict:
        return dict(self._params.items())

    @cached_property
    def datalist(self) -> defaultdict:
        values = defaultdict(list)
        for key, value in self._params.items():
            values[key].append(value)
        return values

    def repeated(self) -> str | None:
        """The first parameter given more than once, or None (RFC 6749,
        sections 3.1 and 3.2: parameters MUST NOT be included more than once)."""
        return next((key for key, values in self.datalist.items() if len(values) > 1 and key not in REPEATABLE), None)


class _RequestHeaders(EnvironHeaders):
    """``request.headers`` that is true without counting: authlib keeps
    ``headers or {}``, and webob counts headers by walking the whole WSGI
    environ, which granian fills with the process environment."""

    def __bool__(self) -> bool:
        return True


class PyramidOAuth2Request(OAuth2Request):
    """authlib's view of a Pyramid request.

    The URI is built on the issuer's origin, so a server behind a
    TLS-terminating proxy is judged by its public https URL.
    """

    def __init__(self, request, issuer: str):
        # authlib's OAuth2Request.__init__, whose https check (RFC 6749,
        # section 3.1) judges only the issuer's origin: done once per origin
        # (_check_transport) instead of parsing the URL, and an IP address,
        # on every request. A test keeps these attributes authlib's.
        origin = _origin(issuer)
        _check_transport(origin)
        self.method = request.method
        self.uri = origin + request.path_qs
        self.headers = _RequestHeaders(request.environ)
        self._body = None
        self.payload = PyramidPayload(request)
        self.client = None
        self.auth_method = None
        self.user = None
        self.authorization_code = None
        self.refresh_token = None
        self.credential = None
        self._scope = None
        self._pyramid_request = request

    @property
    def args(self):
        return self._pyramid_request.GET

    @property
    def form(self):
        if self.method == "POST":
            return self.payload._params  # parsed once, by form_params
        return self._pyramid_request.POST


def quotable(value: str) -> bool:
    """Whether an error description may quote ``value``.

    RFC 6749 (5.2) allows only %x20-21 / %x23-5B / %x5D-7E in an error
    description, and authlib raises ``ValueError`` while building an error
    whose description has anything else: every request value an error
    quotes is checked here first."""
    return not invalid_error_characters(value)


def check_single_parameters(payload) -> None:
    """Refuse a request that repeats a parameter, naming it: which of two
    values was meant is not ours to guess."""
    name = payload.repeated()
    if name is not None:
        subject = f"The parameter '{name}'" if quotable(name) else "A parameter"
        raise InvalidRequestError(f"{subject} is given more than once.")


def check_one_client_auth_method(request) -> None:
    """RFC 6749, section 2.3: a client uses one authentication method per
    request. Credentials in the Authorization header and in the body at once
    are refused rather than one of them being picked silently."""
    used = []
    if request.headers.get("Authorization", "").partition(" ")[0].lower() == "basic":
        used.append("HTTP Basic")
    form = request.payload.data
    if form.get("client_secret"):
        used.append("client_secret")
    if form.get("client_assertion") or form.get("client_assertion_type"):
        used.append("client_assertion")
    if len(used) > 1:
        raise InvalidRequestError(f"Use one client authentication method, not {' and '.join(used)}.")


def client_secret_basic(query_client, oauth_request):
    """authlib's ``client_secret_basic``, but credentials it cannot decode
    (not UTF-8 once base64-decoded, or nothing after ``Basic``) are the
    client failing to authenticate, a 401 ``invalid_client`` (RFC 6749,
    section 5.2), where authlib would raise an uncaught ``ValueError``."""
    try:
        extract_basic_authorization(oauth_request.headers)
    except ValueError:  # UnicodeDecodeError included
        raise InvalidClientError(status_code=401, description="The Basic credentials are not readable.") from None
    return authenticate_client_secret_basic(query_client, oauth_request)


@lru_cache(maxsize=8)
def _origin(issuer: str) -> str:
    parts = urlsplit(issuer)
    return f"{parts.scheme}://{parts.netloc}"


@lru_cache(maxsize=8)
def _secure_origin(origin: str) -> bool:
    return is_secure_transport(origin + "/")


def _check_transport(origin: str) -> None:
    """authlib's ``InsecureTransportError`` for a plain-http origin that is
    not a loopback address (unless ``AUTHLIB_INSECURE_TRANSPORT``, read once)."""
    if not _secure_origin(origin):
        raise InsecureTransportError()


def json_response(status: int, body, headers=()) -> Response:
    """A JSON response that no cache keeps (tokens and errors alike)."""
    payload = _compact_json(body).encode()
    headerlist = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    headerlist += [(name, value) for name, value in headers if name.lower() not in _SET_HERE]
    headerlist += NO_STORE
    return Response(status=status, body=payload, headerlist=headerlist)


def _grant_tables(registrations) -> tuple[tuple, tuple]:
    """The authorization-endpoint and token-endpoint grants, sorted by
    authlib's own ``register_grant`` (on a throwaway server), as tuples: they
    are shared by every request and must never change."""
    template = AuthorizationServer()
    for grant, extensions in registrations:
        template.register_grant(grant, extensions)
    return tuple(template._authorization_grants), tuple(template._token_grants)


#: The grants with their extensions (the extension objects only register
#: hooks on each request's grant: they hold nothing of a request).
_AUTHORIZATION_GRANTS, _TOKEN_GRANTS = _grant_tables(
    (
        (grants.CodeGrant, (StrictPKCE(), IdTokenExtension())),
        (grants.RefreshGrant, (IdTokenExtension(),)),
        (grants.ClientCredentials, None),
        # -- oauth-grants (issue 15): the device authorization grant (RFC 8628) --
        (DeviceGrant, (IdTokenExtension(),)),
        # -- oauth-grants (issue 15): token exchange (RFC 8693) --
        (TokenExchangeGrant, None),
    )
)


def _shared(method):
    return lambda server: method


#: Client authentication methods by name: authlib's defaults, our Basic, and
#: the assertion methods, which read the request's settings and replay store
#: and so are made for the server of the request that tries them.
_CLIENT_AUTH_METHODS = {
    "none": _shared(authenticate_none),
    "client_secret_basic": _shared(client_secret_basic),
    "client_secret_post": _shared(authenticate_client_secret_post),
    "private_key_jwt": PrivateKeyJWT,
    "client_secret_jwt": ClientSecretJWT,
}

#: The endpoints besides authorize and token, by authlib endpoint name.
_ENDPOINTS = {
    endpoint.ENDPOINT_NAME: (lambda server, endpoint=endpoint: [endpoint(server)])
    for endpoint in (
        Revocation,
        Introspection,
        # -- oauth-grants (issue 15): the device authorization grant (RFC 8628) --
        DeviceEndpoint,
    )
}


class _Bound(Mapping):
    """A registration table of one request's server: each entry is made from
    the process-wide factories when first looked up, for this server only."""

    def __init__(self, server, factories):
        self._server = server
        self._factories = factories
        self._made = {}

    def __getitem__(self, name):
        made = self._made.get(name)
        if made is None:
            made = self._made[name] = self._factories[name](self._server)
        return made

    def __iter__(self):
        return iter(self._factories)

    def __len__(self):
        return len(self._factories)


class OstiaryServer(AuthorizationServer):
    """authlib's AuthorizationServer bound to one Pyramid request."""

    def __init__(self, request):
        super().__init__()
        self.request = request
        self.settings = request.registry.ostiary_settings
        # What authlib's register_* calls would build, bound instead (see
        # the module's docstring); nothing here is registered per request.
        self._token_generators["default"] = tokens.AccessTokenIssuer(self)
        self._authorization_grants = _AUTHORIZATION_GRANTS
        self._token_grants = _TOKEN_GRANTS
        self._endpoints = _Bound(self, _ENDPOINTS)
        self._client_auth = ClientAuthentication(self.query_client)
        self._client_auth._methods = _Bound(self, _CLIENT_AUTH_METHODS)

    @property
    def grant_store(self):
        return self.request.ostiary_root.grants

    # -- authlib's storage hooks ---------------------------------------------

    def query_client(self, client_id):
        return self.request.plugins.client(client_id)

    def save_token(self, token, oauth_request):
        """Persist what a token response needs to survive: the grant's token
        family, the access tokens issued from it and its refresh tokens. A
        client_credentials token writes nothing."""
        tokens.save_token(self, token, oauth_request)

    def authenticate_client(self, request, methods, endpoint="token"):
        check_one_client_auth_method(request)
        return super().authenticate_client(request, methods, endpoint)

    # -- the endpoints, after the checks every request gets ------------------------

    def create_token_response(self, request=None):
        request = self.create_oauth2_request(request)
        refused = self._refuse_repeated(request)
        if refused is None:
            refused = self._refuse_dpop_proof(request)
        return refused if refused is not None else super().create_token_response(request)

    def _refuse_dpop_proof(self, request):
        """The error response for a bad DPoP proof (RFC 9449), or None; a
        good proof's key is remembered for the tokens (see :mod:`.dpop`)."""
        try:
            dpop.check_token_request(self.request, endpoint_url(self.settings.issuer, "token"))
        except OAuth2Error as error:
            return self.handle_error_response(request, error)
        return None

    def create_endpoint_response(self, name, request=None):
        request = self.create_oauth2_request(request)
        refused = self._refuse_repeated(request)
        return refused if refused is not None else super().create_endpoint_response(name, request)

    def _refuse_repeated(self, request):
        """The invalid_request response for a repeated parameter, or None."""
        try:
            check_single_parameters(request.payload)
        except OAuth2Error as error:
            return self.handle_error_response(request, error)
        return None

    # -- request and response translation --------------------------------------

    def create_oauth2_request(self, request):
        if isinstance(request, OAuth2Request):
            return request
        return PyramidOAuth2Request(request if request is not None else self.request, self.settings.issuer)

    def create_json_request(self, request):
        return self.create_oauth2_request(request)

    def handle_response(self, status, body, headers):
        if isinstance(body, dict):
            return json_response(status, body, headers)
        response = Response(status=status, body=(body or "").encode() if isinstance(body, str) else body)
        for name, value in headers:
            response.headers[name] = value
        return response

    def send_signal(self, name, *args, **kwargs):
        """authlib's signals; Ostiary emits its own audit events instead."""

    def validate_requested_scope(self, scope):
        """Scope checks are per client (``Client.get_allowed_scope``)."""

    def token_lifetime(self, client) -> int:
        return client.access_token_lifetime or self.settings.access_token_lifetime

    @property
    def now(self) -> int:
        return now()


def get_oauth_server(request) -> OstiaryServer:
    """Request method ``request.oauth_server``."""
    return OstiaryServer(request)
