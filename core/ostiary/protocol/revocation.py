"""Token revocation at ``/connect/revocation`` (RFC 7009): a refresh token
revokes its whole family (and so the family's access tokens), an access
token its own ``jti``."""

from __future__ import annotations

from authlib.oauth2.rfc7009 import RevocationEndpoint

from ..events import TOKEN_REVOKED, emit
from .grants import ALL_METHODS
from .token_lookup import find_token


class Revocation(RevocationEndpoint):
    """RFC 7009 token revocation at ``/connect/revocation``."""

    CLIENT_AUTH_METHODS = ALL_METHODS

    def query_token(self, token_string, token_type_hint):
        return find_token(self.server, token_string, token_type_hint)

    def revoke_token(self, token, request):
        store = self.server.grant_store
        if token.kind == "refresh_token":
            store.revoke_family(token.item.family_id)
        else:
            store.revoke_jti(token.claims["jti"], token.claims["exp"])
        emit(self.server.request, TOKEN_REVOKED, client_id=token.client_id, kind=token.kind)
