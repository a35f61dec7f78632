"""OpenID Connect Core's addition to authlib's OAuth 2.0 grants: the ID token
in the token response."""

from __future__ import annotations

from . import claims as claimlib
from .tokens import issue_id_token


class IdTokenExtension:
    """Adds an ID token to code and refresh responses whose scope has ``openid``."""

    def __call__(self, grant):
        grant.register_hook("after_create_token_response", self.add_id_token)

    def add_id_token(self, grant, response):
        _, token, _ = response
        if not isinstance(token, dict) or "openid" not in claimlib.split_scope(token.get("scope")):
            return
        request = grant.request
        code = request.authorization_code
        token["id_token"] = issue_id_token(
            grant.server,
            request.client,
            request.user,
            token["scope"],
            access_token=token.get("access_token"),
            nonce=code.nonce if code is not None else None,
        )
