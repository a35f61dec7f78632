"""Signed request objects (RFC 9101, JWT-Secured Authorization Request).

A client may send its authorization request as a JWT, the ``request``
parameter, at the authorization endpoint or in a pushed request (RFC 9126).
The JWT must be signed with one of the client's registered keys (its
``jwks``, the keys ``private_key_jwt`` uses) by one of
:data:`SIGNING_ALGS`; an unsigned (``alg: none``) or unverifiable object is
``invalid_request_object``. Its claims are the request's parameters and
take precedence over those outside it (RFC 9101, section 6.3): only the
object's are used, with ``client_id`` required to match.

The JWT is verified with joserfc, as authlib's own RFC 9101 support does.
"""

from __future__ import annotations

import json

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

#: What a request object may be signed with (discovery:
#: ``request_object_signing_alg_values_supported``). Never ``none``.
SIGNING_ALGS = ["RS256", "PS256", "ES256"]
#: Claims that describe the JWT itself rather than the request.
_JWT_CLAIMS = frozenset({"iss", "aud", "exp", "iat", "nbf", "jti"})


class InvalidRequestObjectError(OAuth2Error):
    """RFC 9101, section 6.2 / OpenID Connect Core 3.1.2.6."""

    error = "invalid_request_object"


def _keys(client) -> KeySet:
    if not getattr(client, "jwks", None):
        raise InvalidRequestObjectError("The client has no registered keys to verify a request object.")
    try:
        return KeySet.import_key_set(dict(client.jwks))
    except (JoseError, TypeError, ValueError, KeyError):
        raise InvalidRequestObjectError("The client's registered keys cannot be read.") from None


def verify(request, client, value: str) -> dict:
    """The authorization parameters in the request object ``value``,
    verified as signed by ``client``; each a string, but ``resource`` a
    list (RFC 8707 allows several)."""
    if not isinstance(value, str) or value.count(".") != 2:
        raise InvalidRequestObjectError("The request object is not a signed JWT.")
    try:
        token = jwt.decode(value, _keys(client), algorithms=SIGNING_ALGS)
    except JoseError:
        # An unknown or 'none' algorithm, a bad signature, a key that
        # does not fit, or not a JWT at all: the same answer for each.
        raise InvalidRequestObjectError("The request object is unsigned or its signature cannot be verified.") from None
    claims = token.claims
    issuer = request.registry.ostiary_settings.issuer
    try:
        jwt.JWTClaimsRegistry(
            client_id={"essential": True, "value": client.client_id},
            aud={"essential": False, "value": issuer},
            iss={"essential": False, "value": client.client_id},
        ).validate(claims)
    except JoseError as error:
        raise InvalidRequestObjectError(
            f"The request object's claims are not valid ({error.error})." if error.error else None
        ) from None
    if "request" in claims or "request_uri" in claims:
        raise InvalidRequestObjectError("A request object cannot hold 'request' or 'request_uri'.")
    return parameters(claims)


def parameters(claims: dict) -> dict:
    """Request-object claims as authorization parameters."""
    params = {}
    for name, value in claims.items():
        if name in _JWT_CLAIMS:
            continue
        if name == "resource" and isinstance(value, list):
            params[name] = [str(v) for v in value]
        elif isinstance(value, str):
            params[name] = value
        elif isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
            params[name] = json.dumps(value)
        else:
            params[name] = str(value)
    return params


def check_client_id(outer: dict, params: dict) -> None:
    """RFC 9101, section 5: the ``client_id`` outside must be the one inside."""
    if outer.get("client_id") and params.get("client_id") != outer["client_id"]:
        raise InvalidRequestError("The client_id of the request and of the request object differ.")
