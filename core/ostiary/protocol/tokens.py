"""Issuing tokens: JWT access tokens (RFC 9068), ID tokens, and the
persistence of refresh tokens in rotation families."""

from __future__ import annotations

import dataclasses

from authlib.oidc.core.util import create_half_hash

from ..hookspecs import Caller
from ..models.util import now, random_token
from . import claims as claimlib
from . import dpop, pairwise, refresh_policy, resource_indicators
from .signing import sign


@dataclasses.dataclass(frozen=True)
class Principal:
    """The signed-in user as a grant sees it (authlib's "user")."""

    subject: str
    auth_time: int | None = None
    amr: tuple = ()
    acr: str | None = None
    sid: str | None = None
    idp: str | None = None  # "local", or the external login provider

    def session_claims(self) -> dict:
        """The claims that describe the sign-in: auth_time, amr, acr, sid, idp
        (each only when known), for ID and access tokens alike."""
        values = {
            "auth_time": self.auth_time,
            "amr": list(self.amr) or None,
            "acr": self.acr,
            "sid": self.sid,
            "idp": self.idp,
        }
        return {name: value for name, value in values.items() if value}

    def get_user_id(self) -> str:
        return self.subject

    @classmethod
    def of(cls, item) -> Principal:
        """From an authorization code or a refresh token."""
        return cls(item.subject, item.auth_time, tuple(item.amr), item.acr, item.sid, item.idp)


class IssuedToken(dict):
    """A token response body that also knows the ``jti`` and expiry of the
    access token in it, for :func:`save_token` to file under its grant.
    Only the dict items are sent: the attributes never leave the server."""

    def __init__(self, body: dict, jti: str, expires_at: int):
        super().__init__(body)
        self.jti = jti
        self.expires_at = expires_at


class AccessTokenIssuer:
    """authlib token generator: a freshly signed RFC 9068 JWT every time."""

    def __init__(self, server):
        self.server = server

    def __call__(self, grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True):
        request = self.server.request
        settings = self.server.settings
        lifetime = self.server.token_lifetime(client)
        issued = now()
        jti = random_token(16)
        scope, audience = resource_indicators.token_audience(self.server, scope, client)
        claims = {
            "iss": settings.issuer,
            "sub": pairwise.subject_for(request, client, user.subject) if user else client.client_id,
            "aud": audience,
            "client_id": client.client_id,
            "iat": issued,
            "nbf": issued,
            "exp": issued + lifetime,
            "jti": jti,
        }
        if scope:
            claims["scope"] = scope
        jkt = dpop.bound_key(request)
        if jkt is not None:  # RFC 9449, section 6: bound to the proof's key
            claims["cnf"] = {"jkt": jkt}
        if user is not None:
            claims.update(user.session_claims())
            requested = claimlib.requested_claim_types(request, scope, ("api",))
            extra = request.plugins.profile_claims(user.subject, client, requested, Caller.ACCESS_TOKEN)
            claims = {**extra, **claims}
        token = {
            "token_type": "DPoP" if jkt is not None else "Bearer",
            "access_token": sign(request, claims, typ="at+jwt"),
            "expires_in": lifetime,
        }
        if scope:
            token["scope"] = scope
        return IssuedToken(token, jti, claims["exp"])


#: The grants whose token request starts a grant (token family).
STARTS_GRANT = ("authorization_code", "urn:ietf:params:oauth:grant-type:device_code")


def save_token(server, token: IssuedToken, oauth_request) -> None:
    """Store what must outlive the response: the grant (token family) a code
    exchange starts, the access token under it, and the refresh token."""
    grant_type = oauth_request.payload.grant_type
    principal = oauth_request.user
    if grant_type == "client_credentials" or principal is None:
        return
    store = server.grant_store
    if grant_type in STARTS_GRANT:
        family, scope = _start_grant(server, token, oauth_request)
    else:  # refresh_token: rotate within the same family, keeping its scope
        old = oauth_request.refresh_token
        family, scope = store.family(old.family_id), old.scope
    family.add_access_token(token.jti, token.expires_at)
    if grant_type in STARTS_GRANT and not _may_refresh(oauth_request.client, scope):
        return
    token["refresh_token"] = store.issue_refresh_token(
        family, scope, auth_time=principal.auth_time, amr=principal.amr, acr=principal.acr, idp=principal.idp
    )
    refresh_policy.limit_idle(server, oauth_request.client, token["refresh_token"])


def _start_grant(server, token: IssuedToken, oauth_request):
    """The family of a code exchange: every exchange starts one, so that the
    access tokens can be revoked with the grant even without a refresh token.
    A family without refresh tokens ends with its access token."""
    client, principal = oauth_request.client, oauth_request.user
    # The code, or the device authorization (RFC 8628): both carry scope,
    # family_id and resources.
    code = oauth_request.authorization_code or oauth_request.credential
    if _may_refresh(client, code.scope):
        expires_at = now() + (client.refresh_token_lifetime or server.settings.refresh_token_lifetime)
    else:
        expires_at = token.expires_at
    family = server.grant_store.start_family(client.client_id, principal.subject, principal.sid, expires_at)
    dpop.bind_family(server.request, client, family)
    code.family_id = family.family_id
    family.resources = tuple(code.resources)
    return family, code.scope


def _may_refresh(client, scope) -> bool:
    return client.check_grant_type("refresh_token") and "offline_access" in claimlib.split_scope(scope)


def issue_id_token(server, client, principal: Principal, scope: str, *, access_token=None, nonce=None) -> str:
    """Sign an ID token (OpenID Connect Core 1.0, section 2)."""
    request = server.request
    settings = server.settings
    issued = now()
    lifetime = client.id_token_lifetime or settings.id_token_lifetime
    claims = {}
    if client.always_include_user_claims_in_id_token:
        requested = claimlib.requested_claim_types(request, scope, ("identity",))
    else:
        # Section 5.4: with an access token issued, scope claims come from userinfo.
        requested = set()
    claims.update(request.plugins.profile_claims(principal.subject, client, requested, Caller.ID_TOKEN))
    claims.update(
        {
            "iss": settings.issuer,
            "sub": pairwise.subject_for(request, client, principal.subject),
            "aud": client.client_id,
            "iat": issued,
            "exp": issued + lifetime,
        }
    )
    claims.update(principal.session_claims())
    if nonce:
        claims["nonce"] = nonce
    if access_token:
        claims["at_hash"] = create_half_hash(access_token, settings.signing_alg).decode()
    return sign(request, claims)
