"""authlib's grants and endpoints, connected to Ostiary's models.

Each class below fills in the storage methods authlib leaves open and adds
the few rules Ostiary is stricter about: PKCE with S256 only, single-use
codes whose replay revokes what they issued, refresh-token rotation with
reuse detection, client_credentials limited to API scopes.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidClientError, InvalidGrantError, InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc6749.grants import (
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    RefreshTokenGrant,
)
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..events import TOKEN_ISSUED, TOKEN_REVOKED, emit
from ..hookspecs import Caller
from ..models.grants import AuthorizationCode
from ..models.util import now
from . import claims as claimlib
from .signing import InvalidJWT, verify
from .tokens import Principal, issue_id_token

CONFIDENTIAL_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
ALL_METHODS = CONFIDENTIAL_METHODS + ["none"]


class CodeGrant(AuthorizationCodeGrant):
    """Authorization code grant: single-use codes stored by digest."""

    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS

    def save_authorization_code(self, code, request):
        principal: Principal = request.user
        data = request.payload.data
        item = AuthorizationCode(
            request.client.client_id, principal.subject, request.payload.redirect_uri, request.scope,
            self.server.settings.code_lifetime, nonce=data.get("nonce"), auth_time=principal.auth_time,
            amr=principal.amr, acr=principal.acr, sid=principal.sid, idp=principal.idp,
            code_challenge=data.get("code_challenge"), code_challenge_method=data.get("code_challenge_method"),
        )
        self.server.grant_store.add_code(code, item)

    def query_authorization_code(self, code, client):
        store = self.server.grant_store
        item = store.find_code(code)
        if item is None or item.client_id != client.client_id:
            return None
        if item.used:
            # RFC 6749, 4.1.2: a replayed code revokes what it issued.
            if item.family_id:
                store.revoke_family(item.family_id)
            for jti, expires_at in item.access_token_ids:  # a code used before generation 5
                store.revoke_jti(jti, expires_at)
            emit(self.server.request, TOKEN_REVOKED, subject=item.subject, client_id=client.client_id,
                 reason="authorization code replayed")
            return None
        if item.is_expired():
            return None
        return item

    def delete_authorization_code(self, authorization_code):
        # Kept (marked used) until it expires, so a replay is recognised.
        authorization_code.used = True

    def authenticate_user(self, authorization_code):
        if not claimlib.is_active(self.server.request, authorization_code.subject, self.request.client, Caller.TOKEN):
            return None
        return Principal.of(authorization_code)

    def create_token_response(self):
        result = super().create_token_response()
        _emit_issued(self)
        return result


class RefreshGrant(RefreshTokenGrant):
    """Refresh with rotation: each use returns a new refresh token, and a
    rotated one presented again revokes its whole family."""

    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        store = self.server.grant_store
        item = store.find_refresh_token(refresh_token)
        if item is None or not item.check_client(self.request.client):
            # Another client's token is not a replay by its owner: refusing
            # it must not let that client revoke the owner's grant.
            return None
        family = store.family(item.family_id)
        if family is None or family.revoked or item.is_expired():
            return None
        if item.rotated:
            store.revoke_family(item.family_id)
            emit(self.server.request, TOKEN_REVOKED, subject=item.subject, client_id=item.client_id,
                 reason="refresh token reused")
            return None
        return item

    def authenticate_user(self, refresh_token):
        if not claimlib.is_active(self.server.request, refresh_token.subject, self.request.client, Caller.REFRESH):
            # authlib would answer invalid_request for a missing user; the
            # grant is what is no longer valid (RFC 6749, section 5.2).
            raise InvalidGrantError("The user is no longer active.")
        return Principal.of(refresh_token)

    def revoke_old_credential(self, refresh_token):
        refresh_token.rotated = True

    def create_token_response(self):
        result = super().create_token_response()
        _emit_issued(self)
        return result


class ClientCredentials(ClientCredentialsGrant):
    """client_credentials: confidential clients only, API scopes only."""

    TOKEN_ENDPOINT_AUTH_METHODS = CONFIDENTIAL_METHODS

    def validate_token_request(self):
        super().validate_token_request()
        client = self.request.client
        resources = claimlib.resources_by_name(self.server.request)
        requested = self.request.payload.scope
        if requested:
            allowed = client.get_allowed_scope(requested)
            if allowed is None:
                raise InvalidScopeError()
        else:
            # No scope asked for: every API scope the client may have.
            allowed = " ".join(s for s in client.scopes if s in resources and resources[s].kind == "api")
        names = allowed.split()
        if any(name not in resources or resources[name].kind != "api" for name in names):
            raise InvalidScopeError("client_credentials tokens carry API scopes only.")
        self.request.scope = " ".join(n for n in names) or None

    def create_token_response(self):
        token = self.generate_token(scope=self.request.scope, include_refresh_token=False)
        return 200, token, self.TOKEN_RESPONSE_HEADER


def _emit_issued(grant) -> None:
    request = grant.request
    emit(grant.server.request, TOKEN_ISSUED, subject=request.user.subject if request.user else None,
         client_id=request.client.client_id, grant_type=request.payload.grant_type)


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
            grant.server, request.client, request.user, token["scope"],
            access_token=token.get("access_token"), nonce=code.nonce if code is not None else None,
        )


#: The longest a client assertion may be valid, in seconds (from its ``iat``,
#: or from now without one). RFC 7523 leaves the bound to the server; a short
#: one also bounds how long the ``jti`` of each assertion must be remembered.
MAX_ASSERTION_LIFETIME = 300


class PrivateKeyJWT(JWTBearerClientAssertion):
    """Client authentication with a JWT signed by the client's key (RFC 7523)."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, server):
        super().__init__(validate_jti=True)
        self.server = server

    def get_audiences(self):
        issuer = self.server.settings.issuer
        return [issuer, issuer + "/connect/token"]

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
        _check_assertion_lifetime(claims)
        super().verify_claims(claims)

    def validate_jti(self, claims, jti):
        return self.server.grant_store.remember_assertion(claims["sub"], jti, int(claims["exp"]))


def _check_assertion_lifetime(claims) -> None:
    """Refuse an assertion valid for longer than :data:`MAX_ASSERTION_LIFETIME`.
    A missing or malformed ``exp`` is left to authlib's claim checks."""
    exp, iat = claims.get("exp"), claims.get("iat")
    if not _is_number(exp):
        return
    current = now()
    start = iat if _is_number(iat) else current
    if exp - start > MAX_ASSERTION_LIFETIME or exp - current > MAX_ASSERTION_LIFETIME:
        raise InvalidClientError(
            description=f"The client assertion is valid for too long: at most {MAX_ASSERTION_LIFETIME} seconds.")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# -- revocation and introspection ------------------------------------------


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
            payload = {k: claims[k] for k in ("scope", "client_id", "sub", "exp", "iat", "nbf", "iss", "aud", "jti")
                       if k in claims}
            payload["token_type"] = "Bearer"
            return payload
        item = token.item
        return {
            "scope": item.scope, "client_id": item.client_id, "sub": item.subject, "exp": item.expires_at,
            "iat": item.issued_at, "iss": self.server.settings.issuer, "token_type": "refresh_token",
        }


def _subject_is_active(server, token) -> bool:
    """Whether the user a token speaks for may still act (a disabled user's
    tokens are inactive, as at userinfo). A client_credentials token speaks
    for its client only."""
    subject = token.subject
    if subject is None or subject == token.client_id:
        return True
    request = server.request
    client = request.hooks.ostiary_client(request=request, client_id=token.client_id)
    return client is not None and claimlib.is_active(request, subject, client, Caller.INTROSPECTION)
