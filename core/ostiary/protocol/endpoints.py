"""The machine-facing endpoints: discovery, JWKS, token, revocation,
introspection and userinfo."""

from __future__ import annotations

from pyramid.response import Response

from ..hookspecs import Caller
from ..models.clients import AUTH_METHODS, CONFIDENTIAL_METHODS
from . import claims as claimlib
from . import dpop, pairwise, wellknown
from .paths import endpoint_url
from .server import json_response
from .signing import InvalidJWT, published_jwks, verify

SIGNING_ALGS = ["RS256", "ES256"]

#: Claims advertised as supported: the standard ones, and those of our ID tokens.
CLAIMS_SUPPORTED = [
    *claimlib.STANDARD_CLAIMS,
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "amr",
    "acr",
    "sid",
    "at_hash",
    "idp",
]


def discovery_document(issuer: str, ui_locales=("en",), registration: bool = False) -> dict:
    """OpenID Connect Discovery 1.0 metadata: what this server supports, and
    nothing else; ``registration``: whether dynamic client registration is on."""
    doc = {
        "issuer": issuer,
        "authorization_endpoint": endpoint_url(issuer, "authorize"),
        "token_endpoint": endpoint_url(issuer, "token"),
        "userinfo_endpoint": endpoint_url(issuer, "userinfo"),
        "jwks_uri": endpoint_url(issuer, "jwks"),
        "end_session_endpoint": endpoint_url(issuer, "end_session"),
        "revocation_endpoint": endpoint_url(issuer, "revocation"),
        "introspection_endpoint": endpoint_url(issuer, "introspection"),
        "scopes_supported": ["openid", "profile", "email", "address", "phone", "offline_access"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": SIGNING_ALGS,
        "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
        # HS256 for client_secret_jwt (RFC 7523), the others for private_key_jwt.
        "token_endpoint_auth_signing_alg_values_supported": [*SIGNING_ALGS, "HS256"],
        "revocation_endpoint_auth_methods_supported": list(AUTH_METHODS),
        "introspection_endpoint_auth_methods_supported": list(CONFIDENTIAL_METHODS),
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_supported": CLAIMS_SUPPORTED,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "frontchannel_logout_supported": True,
        "frontchannel_logout_session_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "ui_locales_supported": [lang.replace("_", "-") for lang in ui_locales],
        # -- DPoP (RFC 9449, section 5.1) --
        "dpop_signing_alg_values_supported": list(dpop.ALGS),
    }
    if registration:
        doc["registration_endpoint"] = endpoint_url(issuer, "registration")
    return doc


#: What only OpenID Connect defines: left out of the RFC 8414 metadata.
OPENID_ONLY = frozenset(
    {
        "userinfo_endpoint",
        "end_session_endpoint",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
        "id_token_encryption_alg_values_supported",
        "id_token_encryption_enc_values_supported",
        "userinfo_signing_alg_values_supported",
        "acr_values_supported",
        "claims_supported",
        "claims_parameter_supported",
        "claim_types_supported",
        "request_parameter_supported",
        "request_uri_parameter_supported",
        "require_request_uri_registration",
        "prompt_values_supported",
        "frontchannel_logout_supported",
        "frontchannel_logout_session_supported",
        "backchannel_logout_supported",
        "backchannel_logout_session_supported",
        "check_session_iframe",
        "display_values_supported",
    }
)


def authorization_server_metadata(discovery: dict) -> dict:
    """RFC 8414 metadata, taken from the OpenID discovery document so the two
    agree wherever they overlap: every OAuth 2.0 entry (RFC 8414 and the
    later RFCs that register theirs, such as RFC 9207's
    ``authorization_response_iss_parameter_supported``), none of those only
    OpenID Connect defines."""
    return {key: value for key, value in discovery.items() if key not in OPENID_ONLY}


def _cached_json(body: bytes, max_age: int) -> Response:
    response = Response(body=body, content_type="application/json", charset=None)
    response.headers.extend(wellknown.cached_json_headers(max_age))
    return response


def discovery(request):
    """``GET /.well-known/openid-configuration``; the bytes are built once per
    process. (:mod:`.wellknown` usually answers before Pyramid gets here.)"""
    return _cached_json(wellknown.discovery_bytes(request.registry), wellknown.DISCOVERY_MAX_AGE)


def oauth_metadata(request):
    """``GET /.well-known/oauth-authorization-server`` (RFC 8414); built once
    per process, like discovery, and usually answered by :mod:`.wellknown`."""
    return _cached_json(wellknown.oauth_metadata_bytes(request.registry), wellknown.DISCOVERY_MAX_AGE)


def jwks(request):
    """``GET /.well-known/jwks.json``: every published public key, read from
    the key ring (:mod:`.wellknown` answers while nothing has changed)."""
    return _cached_json(published_jwks(request), wellknown.JWKS_MAX_AGE)


def token(request):
    """``POST /connect/token``."""
    response = request.oauth_server.create_token_response(request)
    dpop.add_nonce_header(request, response)
    return response


def revocation(request):
    """``POST /connect/revocation`` (RFC 7009)."""
    return request.oauth_server.create_endpoint_response("revocation", request)


def introspection(request):
    """``POST /connect/introspect`` (RFC 7662)."""
    return request.oauth_server.create_endpoint_response("introspection", request)


def method_not_allowed(request):
    """A GET (or other method) where only POST is defined."""
    response = json_response(405, {"error": "invalid_request", "error_description": "Use POST."})
    response.headers["Allow"] = "POST"
    return response


def _bearer_error(
    status: int, error: str | None, description: str | None = None, scheme: str = "Bearer", nonce: str | None = None
) -> Response:
    challenge = f'{scheme} realm="userinfo"'
    if scheme == "DPoP":
        challenge += f', algs="{" ".join(dpop.ALGS)}"'
    body = {}
    if error:
        challenge += f', error="{error}"'
        body["error"] = error
        if description:
            challenge += f', error_description="{description}"'
            body["error_description"] = description
    headers = [("WWW-Authenticate", challenge)]
    if nonce:
        headers.append(("DPoP-Nonce", nonce))
    return json_response(status, body, headers)


def _access_token(request) -> tuple[str, str | None]:
    """The scheme (``Bearer`` or ``DPoP``) and the access token presented."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "dpop") and value.strip():
        return ("DPoP" if scheme.lower() == "dpop" else "Bearer"), value.strip()
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        return "Bearer", request.POST.get("access_token") or None
    return "Bearer", None


def userinfo(request):
    """``GET``/``POST /connect/userinfo`` (OpenID Connect Core 1.0, section 5.3),
    with DPoP-bound access tokens (RFC 9449, section 7)."""
    scheme, value = _access_token(request)
    if value is None:
        return _bearer_error(401, None)
    try:
        claims = verify(request, value, typ="at+jwt")
    except InvalidJWT:
        return _bearer_error(401, "invalid_token", "The access token is invalid or expired.", scheme)
    refused = _check_sender(request, scheme, value, claims)
    if refused is not None:
        return refused
    if request.ostiary_root.grants.is_jti_revoked(claims.get("jti", "")):
        return _bearer_error(401, "invalid_token", "The access token was revoked.")
    scope = claims.get("scope", "")
    if "openid" not in claimlib.split_scope(scope) or claims.get("sub") == claims.get("client_id"):
        return _bearer_error(403, "insufficient_scope", "The access token lacks the openid scope.")
    client = request.plugins.client(client_id=claims.get("client_id"))
    subject = pairwise.local_subject(request, client, claims["sub"]) if client is not None else None
    if client is None or subject is None or not request.plugins.is_active(subject, client, Caller.USERINFO):
        return _bearer_error(401, "invalid_token", "The access token is no longer valid.")
    requested = claimlib.requested_claim_types(request, scope, ("identity",))
    body = request.plugins.profile_claims(subject, client, requested, Caller.USERINFO)
    body["sub"] = claims["sub"]  # as the client knows it (pairwise or not)
    response = json_response(200, body)
    dpop.add_nonce_header(request, response)
    return response


def _check_sender(request, scheme: str, value: str, claims) -> Response | None:
    """A DPoP-bound token only with the DPoP scheme and a proof of its key
    (RFC 9449, section 7); a Bearer token as before. None when it may pass."""
    jkt = (claims.get("cnf") or {}).get("jkt") if isinstance(claims.get("cnf"), dict) else None
    if scheme == "Bearer":
        if jkt is not None:
            return _bearer_error(401, "invalid_token", "The access token is DPoP-bound: use the DPoP scheme.", "DPoP")
        return None
    try:
        proof_jkt = dpop.check_proof(
            request, endpoint_url(request.registry.ostiary_settings.issuer, "userinfo"), access_token=value
        )
    except dpop.DPoPError as error:
        return _bearer_error(401, error.error, error.description, "DPoP", error.nonce)
    if proof_jkt is None:
        return _bearer_error(
            401, "invalid_dpop_proof", "The DPoP scheme needs a DPoP proof.", "DPoP", dpop.current_nonce(request)
        )
    if jkt is None or proof_jkt != jkt:
        return _bearer_error(401, "invalid_token", "The access token is not bound to the proof's key.", "DPoP")
    return None
