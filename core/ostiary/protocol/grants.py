"""authlib's OAuth 2.0 grants (RFC 6749), connected to Ostiary's models.

Each class fills in the storage methods authlib leaves open and adds the
rules Ostiary is stricter about: single-use codes whose replay revokes what
they issued, refresh-token rotation with reuse detection, client_credentials
limited to API scopes. PKCE is in :mod:`.pkce`, the ID token in :mod:`.oidc`,
client authentication by JWT in :mod:`.client_auth`, revocation and
introspection in :mod:`.revocation` and :mod:`.introspection`.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidScopeError
from authlib.oauth2.rfc6749.grants import (
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    RefreshTokenGrant,
)

from ..events import TOKEN_ISSUED, TOKEN_REVOKED, emit
from ..hookspecs import Caller
from ..metrics import TOKENS
from ..models import clients
from ..models.grants import AuthorizationCode
from . import claims as claimlib
from . import dpop, refresh_policy, resource_indicators
from .tokens import Principal

#: authlib's lists of the methods a grant or endpoint accepts (see models.clients).
CONFIDENTIAL_METHODS = list(clients.CONFIDENTIAL_METHODS)
ALL_METHODS = list(clients.AUTH_METHODS)


class CodeGrant(AuthorizationCodeGrant):
    """Authorization code grant: single-use codes stored by digest."""

    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS

    def save_authorization_code(self, code, request):
        principal: Principal = request.user
        data = request.payload.data
        item = AuthorizationCode(
            request.client.client_id,
            principal.subject,
            request.payload.redirect_uri,
            request.scope,
            self.server.settings.code_lifetime,
            nonce=data.get("nonce"),
            auth_time=principal.auth_time,
            amr=principal.amr,
            acr=principal.acr,
            sid=principal.sid,
            idp=principal.idp,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
        )
        item.resources = tuple(resource_indicators.requested(request.payload))  # checked at authorize
        item.dpop_jkt = data.get("dpop_jkt") or None
        self.server.grant_store.add_code(code, item)

    def validate_authorization_request(self):
        redirect_uri = super().validate_authorization_request()
        dpop.check_authorize_jkt(self.request.payload.data.get("dpop_jkt"), redirect_uri)
        return redirect_uri

    def validate_token_request(self):
        super().validate_token_request()
        code = self.request.authorization_code
        resource_indicators.select_target(self, code.scope, tuple(code.resources))

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
            emit(
                self.server.request,
                TOKEN_REVOKED,
                subject=item.subject,
                client_id=client.client_id,
                reason="authorization code replayed",
            )
            return None
        if item.is_expired():
            return None
        return item

    def delete_authorization_code(self, authorization_code):
        # Kept (marked used) until it expires, so a replay is recognised.
        authorization_code.used = True

    def authenticate_user(self, authorization_code):
        if not self.server.request.plugins.is_active(authorization_code.subject, self.request.client, Caller.TOKEN):
            return None
        return Principal.of(authorization_code)

    def create_token_response(self):
        dpop.check_grant(self)
        result = super().create_token_response()
        _emit_issued(self, result)
        return result


class RefreshGrant(RefreshTokenGrant):
    """Refresh with rotation: each use returns a new refresh token, and a
    rotated one presented again revokes its whole family."""

    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def validate_token_request(self):
        super().validate_token_request()
        old = self.request.refresh_token
        family = self.server.grant_store.family(old.family_id)
        granted = tuple(family.resources) if family is not None else ()
        resource_indicators.select_target(self, self.request.payload.scope or old.scope, granted)

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
            again = refresh_policy.answer_again(self.server, self.request.client, item, refresh_token)
            if again is not None:  # two tabs at once: the first use's answer (no new tokens)
                self._answer_again = again
                return item
            store.revoke_family(item.family_id)
            emit(
                self.server.request,
                TOKEN_REVOKED,
                subject=item.subject,
                client_id=item.client_id,
                reason="refresh token reused",
            )
            return None
        return item

    def authenticate_user(self, refresh_token):
        if not self.server.request.plugins.is_active(refresh_token.subject, self.request.client, Caller.REFRESH):
            # authlib would answer invalid_request for a missing user; the
            # grant is what is no longer valid (RFC 6749, section 5.2).
            raise InvalidGrantError("The user is no longer active.")
        return Principal.of(refresh_token)

    def revoke_old_credential(self, refresh_token):
        refresh_token.rotated = True

    _answer_again = None

    def create_token_response(self):
        dpop.check_grant(self)
        if self._answer_again is not None:
            return 200, self._answer_again, self.TOKEN_RESPONSE_HEADER
        rotated = self.request.refresh_token
        result = super().create_token_response()
        presented = self.request.payload.data.get("refresh_token", "")
        refresh_policy.remember_answer(self.server, self.request.client, rotated, presented, result[1])
        _emit_issued(self, result)
        return result


class ClientCredentials(ClientCredentialsGrant):
    """client_credentials: confidential clients only, API scopes only."""

    TOKEN_ENDPOINT_AUTH_METHODS = CONFIDENTIAL_METHODS

    def validate_token_request(self):
        super().validate_token_request()
        client = self.request.client
        resources = self.server.request.plugins.resources()
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
        resource_indicators.select_target(self, self.request.scope, ())

    def create_token_response(self):
        dpop.check_grant(self)
        token = self.generate_token(scope=self.request.scope, include_refresh_token=False)
        # Counted like the other grants' tokens, so the tokens metric covers
        # every grant; but no audit event: a machine may ask thousands a
        # second, and a stored event would make each of them a database write
        # (the grant itself writes nothing).
        TOKENS.labels(grant_type="client_credentials", client_id=self.request.client.client_id).inc()
        return 200, token, self.TOKEN_RESPONSE_HEADER


def _emit_issued(grant, result=None) -> None:
    """The TOKEN_ISSUED event, with the scopes issued and the names of the
    claims they let the client read (from the ID token or userinfo), which
    a person's history shows as what each application received."""
    request = grant.request
    body = result[1] if isinstance(result, tuple) and len(result) > 1 and isinstance(result[1], dict) else {}
    scope = body.get("scope")
    released = set()
    if scope and request.user is not None:
        # The names of the claims this person's profile gives these scopes
        # (what userinfo answers); the values themselves are never recorded.
        wanted = claimlib.requested_claim_types(grant.server.request, scope, ("identity",))
        found = grant.server.request.plugins.profile_claims(
            request.user.subject, request.client, wanted, Caller.USERINFO
        )
        released = set(found) - {"sub"}
    emit(
        grant.server.request,
        TOKEN_ISSUED,
        subject=request.user.subject if request.user else None,
        client_id=request.client.client_id,
        grant_type=request.payload.grant_type,
        scope=scope,
        claims=" ".join(sorted(released)) or None,
    )
