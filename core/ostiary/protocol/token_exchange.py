"""Token exchange (RFC 8693): a client trades a token it holds for an
access token for another audience.

Impersonation: the client presents a ``subject_token`` and gets a token
for the same subject. Delegation: it also presents an ``actor_token``, and
the new token says who acts for the subject in its ``act`` claim (an
actor's own ``act`` nested inside, section 4.1). Subject and actor tokens
may be access tokens, refresh tokens (the requesting client's own), ID
tokens, or any JWT this server signed; an invalid one is ``invalid_request``
(section 2.2.2). The new token is an RFC 9068 JWT access token, never with a
refresh token, its scope at most the subject token's.

Who may exchange what for which audience is not decided here: the hook
``ostiary_token_exchange_allowed`` decides, and without a plugin that says
yes every exchange is refused (``unauthorized_client``, or
``invalid_target`` when a target was named). authlib has no grant for
RFC 8693, so this module is one, on authlib's grant base classes.
"""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidRequestError, InvalidScopeError, UnauthorizedClientError
from authlib.oauth2.rfc6749.grants import BaseGrant, TokenEndpointMixin

from ..hookspecs import Caller, TokenExchange
from ..models.util import now, random_token
from . import claims as claimlib
from . import pairwise, resource_indicators
from .grants import CONFIDENTIAL_METHODS, _emit_issued
from .signing import InvalidJWT, sign, verify
from .tokens import IssuedToken

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange"
_PREFIX = "urn:ietf:params:oauth:token-type:"
ACCESS_TOKEN = _PREFIX + "access_token"
REFRESH_TOKEN = _PREFIX + "refresh_token"
ID_TOKEN = _PREFIX + "id_token"
JWT = _PREFIX + "jwt"
#: The token types a subject or actor token may be (section 3).
TOKEN_TYPES = (ACCESS_TOKEN, REFRESH_TOKEN, ID_TOKEN, JWT)


class TokenExchangeGrant(BaseGrant, TokenEndpointMixin):
    """``grant_type=urn:ietf:params:oauth:grant-type:token-exchange``."""

    GRANT_TYPE = GRANT_TYPE
    TOKEN_ENDPOINT_AUTH_METHODS = list(CONFIDENTIAL_METHODS)

    def validate_token_request(self):
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(GRANT_TYPE):
            raise UnauthorizedClientError("The client may not use token exchange.")
        self.request.client = client
        form = self.request.payload
        requested = form.data.get("requested_token_type")
        if requested not in (None, ACCESS_TOKEN, JWT):
            raise InvalidRequestError("Only access tokens are issued by token exchange.")
        subject = self._read_token(form.data.get("subject_token"), form.data.get("subject_token_type"), "subject")
        actor = None
        if form.data.get("actor_token") or form.data.get("actor_token_type"):
            actor = self._read_token(form.data.get("actor_token"), form.data.get("actor_token_type"), "actor")
        scope = self._scope(subject, form.data.get("scope"))
        audiences = tuple(dict.fromkeys(form.datalist.get("audience", [])))
        resources = tuple(resource_indicators.requested(form))
        self._check_targets(client, scope, audiences, resources)
        exchange = TokenExchange(
            subject=subject["sub"],
            subject_client_id=subject.get("client_id"),
            subject_token_type=form.data["subject_token_type"],
            actor=actor["sub"] if actor else None,
            actor_token_type=form.data.get("actor_token_type") if actor else None,
            audiences=audiences,
            resources=resources,
            scope=scope,
        )
        if not self.server.request.plugins.token_exchange_allowed(client, exchange):
            if audiences or resources:
                raise resource_indicators.InvalidTargetError("This exchange is not allowed for that audience.")
            raise UnauthorizedClientError("This client may not exchange this token.")
        if subject["sub"] != subject.get("client_id"):  # a person's token, not a client's own
            if not self.server.request.plugins.is_active(subject["sub"], client, Caller.TOKEN):
                raise InvalidRequestError("The subject token's user is no longer active.")
        self._exchange = (subject, actor, scope, audiences, resources)

    def create_token_response(self):
        subject, actor, scope, audiences, resources = self._exchange
        client = self.request.client
        server = self.server
        lifetime = server.token_lifetime(client)
        issued = now()
        jti = random_token(16)
        audience = list(audiences) + list(resources)
        claims = {
            "iss": server.settings.issuer,
            "sub": self._seen_by(client, subject),
            "aud": audience or claimlib.audiences(server.request, scope) or [client.client_id],
            "client_id": client.client_id,
            "iat": issued,
            "nbf": issued,
            "exp": issued + lifetime,
            "jti": jti,
        }
        if scope:
            claims["scope"] = scope
        if actor is not None:
            act = {"sub": self._seen_by(client, actor)}
            if "act" in actor:
                act["act"] = actor["act"]
            claims["act"] = act
        elif "act" in subject:
            claims["act"] = subject["act"]  # the subject token's own delegation stays visible
        body = {
            "access_token": sign(server.request, claims, typ="at+jwt"),
            "issued_token_type": ACCESS_TOKEN,
            "token_type": "Bearer",
            "expires_in": lifetime,
        }
        if scope:
            body["scope"] = scope
        self.request.user = None
        _emit_issued(self)
        return 200, IssuedToken(body, jti, claims["exp"]), self.TOKEN_RESPONSE_HEADER

    def _seen_by(self, client, token: dict) -> str:
        """The ``sub`` the requesting client sees for a token's subject (its
        pairwise one, OpenID Connect Core 8.1); a client's own stays."""
        if token["sub"] == token.get("client_id"):
            return token["sub"]
        return pairwise.subject_for(self.server.request, client, token["sub"])

    # -- the tokens presented --------------------------------------------------

    def _read_token(self, value, token_type, role: str) -> dict:
        """The claims of a subject or actor token (``sub``, ``client_id``,
        ``scope``, ``act``), or ``invalid_request`` (section 2.2.2)."""
        if not value or not token_type:
            raise InvalidRequestError(f"The {role}_token and {role}_token_type are required together.")
        if token_type not in TOKEN_TYPES:
            raise InvalidRequestError(f"Unsupported {role}_token_type.")
        request = self.server.request
        store = request.ostiary_root.grants
        if token_type == REFRESH_TOKEN:
            item = store.find_refresh_token(value)
            family = store.family(item.family_id) if item is not None else None
            if (
                item is None
                or item.client_id != self.request.client.client_id
                or family is None
                or family.revoked
                or item.rotated
                or item.is_expired()
            ):
                raise InvalidRequestError(f"The {role}_token is invalid.")
            return {"sub": item.subject, "client_id": item.client_id, "scope": item.scope}
        try:
            # An access token says so in its header (RFC 9068); ID tokens
            # and other JWTs of this server are read by their signature.
            claims = verify(request, value, typ="at+jwt" if token_type == ACCESS_TOKEN else None)
        except InvalidJWT:
            raise InvalidRequestError(f"The {role}_token is invalid or expired.") from None
        if token_type == ID_TOKEN and "client_id" in claims:  # an access token, not an ID token
            raise InvalidRequestError(f"The {role}_token is not an ID token.")
        if claims.get("jti") and store.is_jti_revoked(claims["jti"]):
            raise InvalidRequestError(f"The {role}_token was revoked.")
        if not isinstance(claims.get("sub"), str):
            raise InvalidRequestError(f"The {role}_token names no subject.")
        client_id = claims.get("client_id") or (claims.get("aud") if isinstance(claims.get("aud"), str) else None)
        subject = claims["sub"]
        issued_to = request.plugins.client(client_id) if client_id and subject != client_id else None
        if issued_to is not None:
            # A pairwise client was given its own sub for the person: the
            # local subject behind it is who the exchange is about.
            subject = pairwise.local_subject(request, issued_to, subject)
            if subject is None:
                raise InvalidRequestError(f"The {role}_token names an unknown subject.")
        found = {"sub": subject, "client_id": client_id, "scope": claims.get("scope", "")}
        if isinstance(claims.get("act"), dict):
            found["act"] = claims["act"]
        return found

    def _scope(self, subject: dict, requested: str | None) -> str:
        """At most the subject token's scope, and only what the client may have."""
        held = claimlib.split_scope(subject.get("scope"))
        if not requested:
            names = [s for s in held if s in self.request.client.scopes]
        else:
            names = claimlib.split_scope(requested)
            if not set(names) <= set(held) or self.request.client.get_allowed_scope(requested) is None:
                raise InvalidScopeError("The scope exceeds the subject token's or the client's.")
        return " ".join(dict.fromkeys(names))

    def _check_targets(self, client, scope, audiences, resources) -> None:
        """An audience is a registered client or an API scope's audience or
        resource URI; a resource as RFC 8707 wants it. Else ``invalid_target``."""
        if resources:
            resource_indicators.check(self.server.request, client, scope, list(resources))
        known = set()
        for resource in self.server.request.plugins.resources().values():
            known.update(filter(None, (resource.audience, getattr(resource, "resource_uri", None))))
        for audience in audiences:
            if audience not in known and self.server.request.plugins.client(audience) is None:
                raise resource_indicators.InvalidTargetError("The audience is unknown.")
