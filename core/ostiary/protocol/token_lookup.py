"""Finding a token presented to revocation or introspection: a stored
refresh token with its family, or a JWT access token of this issuer."""

from __future__ import annotations

from ..models.util import now
from .signing import InvalidJWT, verify


class AccessTokenView:
    """A verified JWT access token, as the token endpoints see it."""

    kind = "access_token"

    def __init__(self, claims, revoked):
        self.claims = claims
        self.client_id = claims.get("client_id")
        self.subject = claims.get("sub")
        self._revoked = revoked

    def check_client(self, client):
        return client.client_id == self.client_id

    def is_expired(self):
        return self.claims["exp"] <= now()

    def is_revoked(self):
        return self._revoked

    def audiences(self):
        aud = self.claims.get("aud", [])
        return [aud] if isinstance(aud, str) else list(aud)


class RefreshTokenView:
    """A stored refresh token with its family, as the token endpoints see it."""

    kind = "refresh_token"

    def __init__(self, item, family):
        self.item = item
        self.family = family
        self.client_id = item.client_id
        self.subject = item.subject

    def check_client(self, client):
        return client.client_id == self.client_id

    def is_expired(self):
        return self.item.is_expired()

    def is_revoked(self):
        return self.item.rotated or self.family is None or self.family.revoked

    def audiences(self):
        return [self.client_id]


def find_token(server, value: str, hint: str | None):
    """Look a token up as a refresh token or a JWT access token, hint first."""
    order = ("refresh_token", "access_token") if hint == "refresh_token" else ("access_token", "refresh_token")
    for kind in order:
        if kind == "refresh_token":
            item = server.grant_store.find_refresh_token(value)
            if item is not None:
                return RefreshTokenView(item, server.grant_store.family(item.family_id))
        elif value.count(".") == 2:
            try:
                claims = verify(server.request, value, typ="at+jwt")
            except InvalidJWT:
                continue
            return AccessTokenView(claims, server.grant_store.is_jti_revoked(claims["jti"]))
    return None
