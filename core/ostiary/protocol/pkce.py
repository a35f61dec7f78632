"""PKCE (RFC 7636) as Ostiary requires it: S256 only, and required
whenever the client requires it (by default every client, always public ones)."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge


class StrictPKCE(CodeChallenge):
    """PKCE with S256 only, required whenever the client requires it (by
    default every client, and always public ones)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def __init__(self):
        super().__init__(required=True)

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        client = grant.request.client
        if not data.get("code_challenge") and (client.require_pkce or client.is_public):
            raise InvalidRequestError("Missing 'code_challenge': this client requires PKCE.")
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Unsupported 'code_challenge_method': only S256 is accepted.")
        super().validate_code_challenge(grant, redirect_uri)

    def get_authorization_code_challenge(self, authorization_code):
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code):
        return authorization_code.code_challenge_method
