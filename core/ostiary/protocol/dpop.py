"""DPoP, sender-constrained tokens (RFC 9449).

A client proves with each request that it holds a private key: the
``DPoP`` header carries a fresh JWT (a *proof*) signed with it, naming the
request's method and URL, with the public key in its header. Tokens issued
on such a request are bound to the key's thumbprint (``cnf.jkt``), and are
good only together with a proof from the same key, so a stolen token alone
is useless.

What this module checks, section by section of the RFC:

- 4.3, the proof: one ``DPoP`` header, a JWS of ``typ`` ``dpop+jwt`` with an
  asymmetric ``alg`` we list in discovery, a public ``jwk`` (no private
  parts) that verifies the signature; ``jti``, ``htm`` (the method), ``htu``
  (the endpoint URL, compared without query and fragment), a recent ``iat``,
  and at a resource ``ath``, the hash of the access token presented.
- 8 and 9, server nonces: with ``ostiary.dpop_nonce_required`` a proof must
  carry the current nonce; without it the answer is ``use_dpop_nonce`` with
  the nonce in ``DPoP-Nonce``. The nonce is an HMAC of the current time
  window under a secret in the database, so every process gives out and
  accepts the same one without writing anything; the previous window's
  nonce stays good so that a client is not caught at a change.
- 11.1, replay: the ``jti`` of every accepted proof is remembered in the
  database (shared by every process) for as long as the proof would be
  accepted, and a second use is refused.
- 5 and 10, the token endpoint: a per-client ``require_dpop``; the code of
  an authorization request with ``dpop_jkt`` only for that key; refresh
  tokens of public clients bound to the key of the code exchange (a
  confidential client authenticates itself, its refresh tokens are not).

joserfc does the JWS and the JWK thumbprint (RFC 7638).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from urllib.parse import urlsplit

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import import_key
from joserfc.jws import JWSRegistry

from ..models.clients import origin_of
from ..models.util import now

#: Proof algorithms accepted, and advertised as dpop_signing_alg_values_supported.
ALGS = ("ES256", "ES384", "RS256", "PS256", "EdDSA")
#: Seconds a proof's ``iat`` may be ahead of our clock.
CLOCK_SKEW = 60
#: A ``jkt`` is the base64url SHA-256 of a JWK (RFC 7638): 43 characters.
JKT = re.compile(r"[A-Za-z0-9_-]{43}")
_ATTRIBUTE = "ostiary_dpop_jkt"


class _ProofRegistry(JWSRegistry):
    """joserfc's checks, with room in the header for the public key: an RSA
    key in ``jwk`` does not fit joserfc's default of 512 bytes."""

    max_header_length = 4096


_REGISTRY = _ProofRegistry(algorithms=list(ALGS))


class DPoPError(OAuth2Error):
    """A refused proof (``invalid_dpop_proof``, RFC 9449, section 5), with
    the current nonce in ``DPoP-Nonce`` when nonces are in use."""

    error = "invalid_dpop_proof"
    status_code = 400

    def __init__(self, description: str, nonce: str | None = None):
        super().__init__(description=description)
        self.nonce = nonce

    def get_headers(self):
        headers = super().get_headers()
        if self.nonce:
            headers.append(("DPoP-Nonce", self.nonce))
        return headers


class UseNonce(DPoPError):
    """The proof lacks the current server nonce (RFC 9449, section 8)."""

    error = "use_dpop_nonce"


# -- nonces ------------------------------------------------------------------


def _window(request) -> int:
    return request.registry.ostiary_settings.dpop_proof_lifetime


def _nonce_for(request, slot: int) -> str:
    secret = request.ostiary_root.dpop.nonce_secret
    mac = hmac.new(secret, str(slot).encode(), hashlib.sha256).digest()[:24]
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def current_nonce(request) -> str | None:
    """The nonce a proof should carry now, or None when none is required."""
    if not request.registry.ostiary_settings.dpop_nonce_required:
        return None
    return _nonce_for(request, now() // _window(request))


def _nonce_is_current(request, nonce) -> bool:
    if not isinstance(nonce, str):
        return False
    slot = now() // _window(request)
    return any(hmac.compare_digest(nonce, _nonce_for(request, s)) for s in (slot, slot - 1))


# -- proofs ------------------------------------------------------------------


def access_token_hash(access_token: str) -> str:
    """``ath``: the base64url SHA-256 of the access token (RFC 9449, 4.2)."""
    return base64.urlsafe_b64encode(hashlib.sha256(access_token.encode()).digest()).rstrip(b"=").decode()


def _normalized_htu(uri: str) -> str | None:
    try:
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        return origin_of(uri) + (parts.path or "/")
    except ValueError:
        return None


def check_proof(request, htu: str, *, access_token: str | None = None) -> str | None:
    """Check the request's DPoP proof for the endpoint at ``htu``; return the
    thumbprint of its key, or None when the request carries no proof.
    Raises :class:`DPoPError` (or :class:`UseNonce`) for a bad proof."""
    value = request.environ.get("HTTP_DPOP")  # request.headers["DPoP"]: a missing key raises inside webob
    if value is None:
        return None
    nonce = current_nonce(request)
    value = value.strip()
    if not value or "," in value:  # several DPoP headers arrive joined by commas
        raise DPoPError("Send exactly one DPoP proof.", nonce)
    try:
        header = jws.extract_compact(value.encode(), registry=_REGISTRY).protected
    except (JoseError, ValueError, TypeError):
        raise DPoPError("The DPoP proof is not a JWS.", nonce) from None
    if header.get("typ") != "dpop+jwt":
        raise DPoPError("The DPoP proof must have typ dpop+jwt.", nonce)
    alg = header.get("alg")
    if alg not in ALGS:
        raise DPoPError(f"The DPoP proof must be signed with one of {', '.join(ALGS)}.", nonce)
    jwk = header.get("jwk")
    try:
        key = import_key(jwk) if isinstance(jwk, dict) else None
    except (JoseError, ValueError, TypeError, KeyError):
        key = None
    if key is None or key.is_private:
        raise DPoPError("The DPoP proof must carry the public key in its jwk header.", nonce)
    try:
        claims = json.loads(jws.deserialize_compact(value, key, algorithms=[alg], registry=_REGISTRY).payload)
    except (JoseError, ValueError, TypeError):
        raise DPoPError("The DPoP proof's signature does not verify.", nonce) from None
    if not isinstance(claims, dict):
        raise DPoPError("The DPoP proof carries no claims.", nonce)
    _check_claims(request, claims, htu, access_token, nonce)
    jkt = key.thumbprint()
    lifetime = _window(request)
    if not request.ostiary_root.dpop.remember_proof(jkt, claims["jti"], int(claims["iat"]) + lifetime + CLOCK_SKEW):
        raise DPoPError("The DPoP proof was used before.", nonce)
    return jkt


def _check_claims(request, claims: dict, htu: str, access_token: str | None, nonce: str | None) -> None:
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 256:
        raise DPoPError("The DPoP proof needs a jti.", nonce)
    if claims.get("htm") != request.method:
        raise DPoPError("The DPoP proof's htm is not this request's method.", nonce)
    sent = claims.get("htu")
    if not isinstance(sent, str) or _normalized_htu(sent) != _normalized_htu(htu):
        raise DPoPError("The DPoP proof's htu is not this endpoint.", nonce)
    iat = claims.get("iat")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool):
        raise DPoPError("The DPoP proof needs an iat.", nonce)
    current = now()
    if iat > current + CLOCK_SKEW or iat < current - _window(request):
        raise DPoPError("The DPoP proof is too old or from the future.", nonce)
    if access_token is not None:
        ath = claims.get("ath")
        if not isinstance(ath, str) or not hmac.compare_digest(ath, access_token_hash(access_token)):
            raise DPoPError("The DPoP proof's ath does not match the access token.", nonce)
    if nonce is not None and not _nonce_is_current(request, claims.get("nonce")):
        raise UseNonce("Use the server's DPoP nonce.", nonce)


# -- the token endpoint ------------------------------------------------------


def check_token_request(request, token_url: str) -> None:
    """Check a proof sent to the token endpoint, and remember its key for
    the tokens about to be issued (:func:`bound_key`)."""
    setattr(request, _ATTRIBUTE, check_proof(request, token_url))


def bound_key(request) -> str | None:
    """The thumbprint the tokens of this token request are bound to, or None."""
    return getattr(request, _ATTRIBUTE, None)


def check_grant(grant) -> None:
    """The token endpoint's rules, once the client and its grant are known:
    ``require_dpop``, a code's ``dpop_jkt``, a bound refresh token's key."""
    request = grant.server.request
    jkt = bound_key(request)

    def refused(description):
        # The nonce for a request that sent no proof, made only when refusing:
        # the HMAC is wasted on the requests that pass (nearly all).
        return DPoPError(description, current_nonce(request) if jkt is None else None)

    oauth_request = grant.request
    if getattr(oauth_request.client, "require_dpop", False) and jkt is None:
        raise refused("This client must send a DPoP proof.")
    code = getattr(oauth_request, "authorization_code", None)
    expected = getattr(code, "dpop_jkt", None) if code is not None else None
    refresh = getattr(oauth_request, "refresh_token", None)
    if refresh is not None:
        family = grant.server.grant_store.family(refresh.family_id)
        expected = getattr(family, "dpop_jkt", None)
    if expected is not None and jkt != expected:
        raise refused("The DPoP proof is not made with the key this grant is bound to.")


def bind_family(request, client, family) -> None:
    """Bind a new grant's refresh tokens to the proof key if the client is
    public (RFC 9449, section 5: it cannot authenticate, the key stands in)."""
    jkt = bound_key(request)
    if jkt is not None and client.is_public:
        family.dpop_jkt = jkt


def check_authorize_jkt(value, redirect_uri) -> None:
    """``dpop_jkt`` at authorize (RFC 9449, section 10) is a thumbprint; the
    error goes back to the (validated) redirect URI."""
    if value is not None and not JKT.fullmatch(value):
        raise InvalidRequestError("dpop_jkt must be a base64url SHA-256 JWK thumbprint.", redirect_uri=redirect_uri)


def add_nonce_header(request, response) -> None:
    """Hand out the current nonce with every answer to a DPoP request, so
    that a client follows its changes without a refused request."""
    if request.environ.get("HTTP_DPOP") is not None and "DPoP-Nonce" not in response.headers:
        nonce = current_nonce(request)
        if nonce:
            response.headers["DPoP-Nonce"] = nonce
