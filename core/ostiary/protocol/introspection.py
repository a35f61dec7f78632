"""Token introspection at ``/connect/introspect`` (RFC 7662)."""

from __future__ import annotations

from authlib.oauth2.rfc7662 import IntrospectionEndpoint

from ..hookspecs import Caller
from .grants import CONFIDENTIAL_METHODS
from .token_lookup import find_token


class Introspection(IntrospectionEndpoint):
    """RFC 7662 token introspection at ``/connect/introspect``: confidential
    clients only, and only for tokens issued to them or naming them in ``aud``."""

    CLIENT_AUTH_METHODS = CONFIDENTIAL_METHODS

    def query_token(self, token_string, token_type_hint):
        return find_token(self.server, token_string, token_type_hint)

    def check_permission(self, token, client, request):
        return token.client_id == client.client_id or client.client_id in token.audiences()

    def introspect_token(self, token):
        if not _subject_is_active(self.server, token):
            return {"active": False}
        return self._payload(token)

    def _payload(self, token):
        if token.kind == "access_token":
            claims = token.claims
            payload = {
                k: claims[k]
                for k in ("scope", "client_id", "sub", "exp", "iat", "nbf", "iss", "aud", "jti")
                if k in claims
            }
            payload["token_type"] = "Bearer"
            # issue 13: how the person signed in, as the token itself says
            payload.update({k: claims[k] for k in SIGN_IN_CLAIMS if k in claims})
            return payload
        item = token.item
        return _sign_in_of(item) | {
            "scope": item.scope,
            "client_id": item.client_id,
            "sub": item.subject,
            "exp": item.expires_at,
            "iat": item.issued_at,
            "iss": self.server.settings.issuer,
            "token_type": "refresh_token",
        }


#: What introspection tells about the sign-in behind a token (issue 13).
SIGN_IN_CLAIMS = ("auth_time", "amr", "acr")


def _sign_in_of(item) -> dict:
    """``auth_time``, ``amr`` and ``acr`` of a refresh token, when known."""
    values = {"auth_time": item.auth_time, "amr": list(item.amr or ()) or None, "acr": item.acr}
    return {name: value for name, value in values.items() if value}


def _subject_is_active(server, token) -> bool:
    """Whether the user a token speaks for may still act (a disabled user's
    tokens are inactive, as at userinfo). A client_credentials token speaks
    for its client only."""
    subject = token.subject
    if subject is None or subject == token.client_id:
        return True
    request = server.request
    client = request.plugins.client(client_id=token.client_id)
    return client is not None and request.plugins.is_active(subject, client, Caller.INTROSPECTION)
