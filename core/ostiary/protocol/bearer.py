"""Checking a bearer access token presented to one of this server's own
resource servers (the admin API), as RFC 6750 and RFC 9068 ask.

The token is looked up as the revocation and introspection endpoints do
(:func:`.token_lookup.find_token`): only a JWT access token of this issuer
counts (never a refresh token), unexpired and not revoked, with the
resource server's audience, and, when it speaks for a person, a person who
may still act. Each refusal is a :class:`BearerRefusal` naming the RFC
6750 error code, so the caller can answer with ``WWW-Authenticate``.
"""

from __future__ import annotations

from ..hookspecs import Caller
from .claims import split_scope
from .token_lookup import find_token


class BearerRefusal(Exception):
    """A refused bearer token: ``status`` 401 (``error`` None: no token,
    or ``invalid_token``) or 403 (``insufficient_scope``)."""

    def __init__(self, status: int, error: str | None, description: str, scope: str | None = None):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.scope = scope


def presented_token(request) -> str | None:
    """The token of an ``Authorization: Bearer`` header (RFC 6750, 2.1)."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def check_bearer(request, audience: str, any_of_scopes) -> dict:
    """The claims of the request's access token, if it grants one of
    ``any_of_scopes`` for ``audience``; else a :class:`BearerRefusal`."""
    value = presented_token(request)
    if value is None:
        raise BearerRefusal(401, None, "An access token is required.")
    token = find_token(request.oauth_server, value, "access_token")
    if token is None or token.kind != "access_token":
        raise BearerRefusal(401, "invalid_token", "The access token is invalid.")
    if token.is_expired() or token.is_revoked():
        raise BearerRefusal(401, "invalid_token", "The access token is expired or revoked.")
    if audience not in token.audiences():
        raise BearerRefusal(401, "invalid_token", "The access token is not meant for this API.")
    client = request.plugins.client(client_id=token.client_id)
    if client is None:
        raise BearerRefusal(401, "invalid_token", "The client of the access token is gone.")
    person = token.subject is not None and token.subject != token.client_id
    if person and not request.plugins.is_active(token.subject, client, Caller.INTROSPECTION):
        raise BearerRefusal(401, "invalid_token", "The access token is no longer valid.")
    granted = set(split_scope(token.claims.get("scope")))
    if not granted & set(any_of_scopes):
        raise BearerRefusal(
            403, "insufficient_scope", "The access token lacks the scope this needs.", " ".join(any_of_scopes)
        )
    return dict(token.claims)
