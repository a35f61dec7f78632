"""Client authentication with a signed JWT, ``private_key_jwt`` (RFC 7523 and
OpenID Connect Core 1.0, section 9), with a bounded assertion lifetime and
the ``jti`` of each assertion remembered against replay."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidClientError
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..models.util import now
from .paths import endpoint_url


class PrivateKeyJWT(JWTBearerClientAssertion):
    """Client authentication with a JWT signed by the client's key (RFC 7523)."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, server):
        super().__init__(validate_jti=True)
        self.server = server

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
