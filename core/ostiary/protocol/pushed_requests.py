"""Pushed authorization requests (RFC 9126), and where an authorization
request's parameters come from.

At ``POST /connect/par`` an authenticated client pushes its authorization
request (plain parameters or a signed ``request`` object, RFC 9101); it is
validated as the authorization endpoint would validate it, stored for
``ostiary.par_lifetime`` seconds, and answered with a ``request_uri`` URN.
The browser then brings only ``client_id`` and that ``request_uri`` to the
authorization endpoint, and the parameters cannot be changed on the way.

:func:`resolve` gives the authorization endpoint the parameters it acts on:
the pushed ones, a request object's, or the query's; and those its return
URL carries for the login and consent pages (the same, plus the
``request_uri`` or ``request`` they came from, so that coming back reads
them again from their source).
"""

from __future__ import annotations

from collections import defaultdict

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Payload
from authlib.oidc.core.errors import RequestURINotSupportedError

from ..events import declare, emit
from ..models.pushed_requests import REQUEST_URI_PREFIX
from . import request_objects
from .grants import ALL_METHODS
from .return_urls import SUPPRESSED_MAX_AGE, SUPPRESSED_PROMPT, with_repeated
from .server import check_single_parameters, json_response

AUTHORIZATION_REQUEST_PUSHED = declare(
    "authorization_request.pushed", "A client pushed an authorization request (RFC 9126) and got a request_uri."
)


class InvalidRequestUriError(OAuth2Error):
    """RFC 9101, section 6.2: the ``request_uri`` is unknown, expired, used, or another client's."""

    error = "invalid_request_uri"


class ParametersPayload(OAuth2Payload):
    """authlib's view of parameters that did not come from the query: a
    pushed request's or a request object's (``resource`` may be a list)."""

    def __init__(self, params: dict):
        self._data = {k: (v[-1] if isinstance(v, list) else v) for k, v in params.items()}
        self._datalist = defaultdict(list, {k: list(v) if isinstance(v, list) else [v] for k, v in params.items()})

    @property
    def data(self) -> dict:
        return self._data

    @property
    def datalist(self) -> defaultdict:
        return self._datalist

    def repeated(self) -> str | None:
        return None  # a dict repeats nothing; a request object's list is a list


def requires_push(request, client) -> bool:
    """Whether ``client`` must push its authorization requests."""
    return bool(
        request.registry.ostiary_settings.require_pushed_authorization_requests
        or getattr(client, "require_pushed_authorization_requests", False)
    )


def resolve(request, oauth_request) -> tuple[dict, dict] | None:
    """Put the parameters the authorization endpoint acts on into
    ``oauth_request.payload``; return ``(acting, resume)`` (resume: what the
    return URL carries), or None for a plain request (nothing changes)."""
    outer = with_repeated(oauth_request.payload)
    request_uri, value = outer.get("request_uri"), outer.get("request")
    if request_uri is None and value is None:
        return None
    if request_uri is not None and value is not None:
        raise InvalidRequestError("Send 'request' or 'request_uri', not both.")
    client = request.plugins.client(outer.get("client_id"))
    if client is None:
        raise InvalidRequestError("The client is unknown.")
    if request_uri is not None:
        if not request_uri.startswith(REQUEST_URI_PREFIX):
            raise RequestURINotSupportedError(description="Only request_uri values from the PAR endpoint are accepted.")
        item = request.ostiary_root.pushed_requests.find(request_uri, client.client_id)
        if item is None:
            raise InvalidRequestUriError("The request_uri is unknown, expired, used, or was pushed by another client.")
        acting = {k: (list(v) if isinstance(v, list) else v) for k, v in item.params.items()}
        source = ("request_uri", request_uri)
        request.ostiary_pushed_request_uri = request_uri
    else:
        acting = request_objects.verify(request, client, value)
        request_objects.check_client_id(outer, acting)
        source = ("request", value)
    _keep_suppressions(outer, acting)
    oauth_request.payload = ParametersPayload(acting)
    resume = dict(acting)
    resume[source[0]] = source[1]
    return acting, resume


def _keep_suppressions(outer: dict, acting: dict) -> None:
    """Coming back from the login page, the return URL has dropped
    ``prompt=login`` and ``max_age`` (kept as suppressed_*, see
    ``authorize._to_login``): honour that over the source's parameters,
    or the person would be sent to sign in again and again."""
    if SUPPRESSED_PROMPT not in outer and SUPPRESSED_MAX_AGE not in outer:
        return
    for name in (SUPPRESSED_PROMPT, SUPPRESSED_MAX_AGE):
        if name in outer:
            acting[name] = outer[name]
    if SUPPRESSED_MAX_AGE in outer:
        acting.pop("max_age", None)
    if "prompt" in outer:
        acting["prompt"] = outer["prompt"]
    else:
        acting.pop("prompt", None)


def consume(request) -> None:
    """Forget the pushed request an authorization response answered (single use)."""
    request_uri = getattr(request, "ostiary_pushed_request_uri", None)
    if request_uri:
        request.ostiary_root.pushed_requests.consume(request_uri)


def par(request):
    """``POST /connect/par`` (RFC 9126, section 2)."""
    server = request.oauth_server
    oauth_request = server.create_oauth2_request(request)
    try:
        check_single_parameters(oauth_request.payload)
        client = server.authenticate_client(oauth_request, ALL_METHODS, endpoint="par")
        params = _pushed_parameters(request, oauth_request, client)
        _validate(request, server, params)
    except OAuth2Error as error:
        error.redirect_uri = None  # answered here, in JSON: never a redirect
        return server.handle_error_response(oauth_request, error)
    lifetime = request.registry.ostiary_settings.par_lifetime
    request_uri = request.ostiary_root.pushed_requests.push(client.client_id, params, lifetime)
    emit(request, AUTHORIZATION_REQUEST_PUSHED, client_id=client.client_id)
    return json_response(201, {"request_uri": request_uri, "expires_in": lifetime})


_CLIENT_AUTH = frozenset({"client_secret", "client_assertion", "client_assertion_type"})


def _pushed_parameters(request, oauth_request, client) -> dict:
    """The authorization parameters of a push, without the client's credentials."""
    outer = {k: v for k, v in with_repeated(oauth_request.payload).items() if k not in _CLIENT_AUTH}
    if "request_uri" in outer:
        raise InvalidRequestError("A pushed request cannot name a request_uri (RFC 9126, section 2.1).")
    if outer.get("client_id", client.client_id) != client.client_id:
        raise InvalidRequestError("The client_id is not that of the authenticated client.")
    outer["client_id"] = client.client_id
    if "request" in outer:
        params = request_objects.verify(request, client, outer["request"])
        request_objects.check_client_id(outer, params)
        params["client_id"] = client.client_id
        return params
    return outer


def _validate(request, server, params: dict) -> None:
    """Refuse what the authorization endpoint would refuse (RFC 9126,
    section 2.1), as a JSON error here rather than later in the browser."""
    from .authorize import validate_pushed

    oauth_request = server.create_oauth2_request(request)
    oauth_request.payload = ParametersPayload(params)
    validate_pushed(request, server, oauth_request)
