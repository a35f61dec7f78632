"""Client authentication with a signed JWT (RFC 7523 and OpenID Connect
Core 1.0, section 9): ``private_key_jwt`` (signed with the client's private
key) and ``client_secret_jwt`` (an HMAC with its shared secret), both with a
bounded assertion lifetime and the ``jti`` of each assertion remembered
against replay."""

from __future__ import annotations

import json

from authlib.oauth2.rfc6749 import InvalidClientError
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey
from joserfc.jws import extract_compact

from ..models.util import now
from .paths import endpoint_url

#: The two assertion methods; each leaves the other's clients alone.
JWT_METHODS = ("private_key_jwt", "client_secret_jwt")


class PrivateKeyJWT(JWTBearerClientAssertion):
    """Client authentication with a JWT signed by the client's key (RFC 7523)."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, server):
        super().__init__(validate_jti=True)
        self.server = server

    def __call__(self, query_client, request):
        # authlib tries every registered method in turn and stops at the
        # first error: an assertion of a client registered for the other
        # JWT method is not ours to refuse.
        client = query_client(_assertion_subject(request.form.get("client_assertion")))
        method = getattr(client, "token_endpoint_auth_method", None)
        if method in JWT_METHODS and method != self.CLIENT_AUTH_METHOD:
            return None
        return super().__call__(query_client, request)

    def get_audiences(self):
        issuer = self.server.settings.issuer
        return [issuer, endpoint_url(issuer, "token")]

    def resolve_client_public_key(self, client):
        # authlib retries with another signature on a TypeError: any failure
        # to read the keys must be an authentication error instead.
        if not client.jwks:
            raise InvalidClientError(description="The client has no registered keys.")
        try:
            return KeySet.import_key_set(dict(client.jwks))
        except (JoseError, TypeError, ValueError, KeyError) as error:
            raise InvalidClientError(description="The client's registered keys cannot be read.") from error

    def verify_claims(self, claims):
        # Before authlib's checks, which record the jti: a refused assertion
        # leaves nothing behind.
        _check_assertion_lifetime(claims, self.server.settings.client_assertion_max_lifetime)
        super().verify_claims(claims)

    def validate_jti(self, claims, jti):
        return self.server.grant_store.remember_assertion(claims["sub"], jti, int(claims["exp"]))


class ClientSecretJWT(PrivateKeyJWT):
    """Client authentication with a JWT MACed with the client's shared
    secret (``client_secret_jwt``, HS256: joserfc's recommended HMAC), for clients that cannot
    hold an asymmetric key. The server needs the secret itself for this,
    not only its digest: see :attr:`ostiary.models.clients.Client.jwt_secrets`."""

    CLIENT_AUTH_METHOD = "client_secret_jwt"

    def resolve_client_public_key(self, client):
        secrets = tuple(getattr(client, "jwt_secrets", ()) or ())
        if not secrets:
            raise InvalidClientError(description="The client has no secret for client_secret_jwt.")
        # Several secrets are valid during a roll-over: each is a key of the set,
        # tried in turn (the assertion names no kid).
        return KeySet([OctKey.import_key(secret) for secret in secrets])


def _assertion_subject(assertion) -> str | None:
    """The ``sub`` of a client assertion, unverified (to pick the method)."""
    if not isinstance(assertion, str) or assertion.count(".") != 2:
        return None
    try:
        claims = json.loads(extract_compact(assertion.encode()).payload)
    except (JoseError, ValueError, TypeError):
        return None
    sub = claims.get("sub") if isinstance(claims, dict) else None
    return sub if isinstance(sub, str) else None


def _check_assertion_lifetime(claims, bound: int) -> None:
    """Refuse an assertion valid for longer than ``bound`` seconds (from its
    ``iat``, or from now without one). RFC 7523 leaves the bound to the
    server; a short one also bounds how long the ``jti`` of each assertion
    must be remembered. A missing or malformed ``exp`` is left to authlib."""
    exp, iat = claims.get("exp"), claims.get("iat")
    if not _is_number(exp):
        return
    current = now()
    start = iat if _is_number(iat) else current
    if exp - start > bound or exp - current > bound:
        raise InvalidClientError(description=f"The client assertion is valid for too long: at most {bound} seconds.")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
