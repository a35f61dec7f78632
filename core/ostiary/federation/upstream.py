"""Talking to an upstream provider: authlib's OAuth 2.0 client for the
protocol (PKCE, state, nonce, the code exchange, userinfo) and joserfc for
the upstream ID token (signature against the upstream JWKS, ``iss``,
``aud``, ``exp``, ``nonce``, and ``auth_time`` when a fresh sign-in was
asked for) and the upstream's back-channel logout tokens.

Discovery documents and JWKS are cached per process for an hour, as Duende
IdentityServer caches dynamic providers; a JWKS is fetched again when a
token does not verify with the cached keys (the upstream may have rotated
them), but at most once a minute (:data:`JWKS_REFETCH_SECONDS`), so that
forged tokens cannot make Ostiary download it again and again.
Nothing here writes to the database.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from urllib.parse import urlencode

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core.util import create_half_hash
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..protocol.single_logout import BACKCHANNEL_EVENT

#: Seconds to wait for an upstream before giving up.
TIMEOUT = 10
#: Seconds a discovery document or JWKS is kept.
CACHE_SECONDS = 3600
#: Seconds after fetching a JWKS again (for a token its cached keys do not
#: verify) before it may be fetched again for that reason. A key rotation is
#: picked up within this long; a flood of forged tokens costs one download.
JWKS_REFETCH_SECONDS = 60
#: Signature algorithms accepted on upstream ID tokens: asymmetric ones only.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
#: Leeway for the upstream's clock, in seconds.
LEEWAY = 60


class UpstreamError(Exception):
    """Signing in upstream failed; ``error`` is the error page's code and the
    message the detail kept behind the error id (and logged at ``log_level``)."""

    error = "external_invalid"
    log_level = logging.INFO


class Unavailable(UpstreamError):
    """The upstream did not answer, or answered with a server error."""

    error = "external_unavailable"


class Invalid(UpstreamError):
    """The upstream answered something that cannot be trusted or used."""

    error = "external_invalid"


class ClientRefused(UpstreamError):
    """The upstream refused Ostiary's own client registration (its client
    id, secret or allowed grant): a fault of configuration, here or there,
    that no retry by the person mends. Logged as a warning, with the answer."""

    error = "external_client_refused"
    log_level = logging.WARNING


#: Token endpoint errors that mean the upstream does not accept Ostiary as a
#: client (RFC 6749, section 5.2), rather than this sign-in's code.
CLIENT_ERRORS = ("invalid_client", "unauthorized_client")
#: Characters of an upstream's answer kept in a log line.
ANSWER_LENGTH = 500


@dataclasses.dataclass(frozen=True)
class Metadata:
    """The endpoints of one provider, discovered or configured."""

    issuer: str | None
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str | None = None
    jwks_uri: str | None = None
    end_session_endpoint: str | None = None
    iss_parameter_supported: bool = False


def _get_json(url: str, what: str) -> dict:
    try:
        response = requests.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise Unavailable(f"{what} at {url}: {type(exc).__name__}") from None
    if response.status_code >= 500:
        raise Unavailable(f"{what} at {url}: HTTP {response.status_code}")
    if response.status_code != 200:
        raise Invalid(f"{what} at {url}: HTTP {response.status_code}")
    try:
        document = response.json()
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise Invalid(f"{what} at {url} is not a JSON object")
    return document


def _same_issuer(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and a.rstrip("/") == b.rstrip("/")


def discover(provider) -> Metadata:
    """The provider's metadata: its discovery document (OpenID Connect) with
    the configured endpoints on top, or the configured endpoints alone."""
    if provider.kind != "oidc":
        return Metadata(
            None,
            provider.authorization_endpoint,
            provider.token_endpoint,
            provider.userinfo_endpoint,
            None,
            provider.end_session_endpoint,
        )
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    doc = _get_json(url, "the discovery document")
    # OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer we asked.
    if not _same_issuer(doc.get("issuer"), provider.issuer):
        raise Invalid(f"the discovery document names issuer {doc.get('issuer')!r}, not {provider.issuer!r}")
    endpoints = {
        name: getattr(provider, name) or doc.get(name)
        for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "end_session_endpoint")
    }
    if not (endpoints["authorization_endpoint"] and endpoints["token_endpoint"] and doc.get("jwks_uri")):
        raise Invalid("the discovery document lacks authorization_endpoint, token_endpoint or jwks_uri")
    return Metadata(
        doc["issuer"],
        jwks_uri=doc["jwks_uri"],
        iss_parameter_supported=doc.get("authorization_response_iss_parameter_supported") is True,
        **endpoints,
    )


class UpstreamCache:
    """Per-process cache of discovery documents and JWKS (``registry.ostiary_upstreams``).

    Process-local on purpose, against the rule that state lives in the
    database: it holds copies of public documents, which any process can
    fetch again, and a second process missing them only fetches them too.
    One lock guards it, as the threads of a worker share it."""

    def __init__(self, refetch_interval: float = JWKS_REFETCH_SECONDS):
        self.refetch_interval = refetch_interval
        self._items: dict = {}
        self._refetched: dict = {}  # key -> time.monotonic() of its last forced refetch
        self._lock = threading.Lock()

    def _cached(self, key, load, refresh=False):
        with self._lock:
            item = self._items.get(key)
        if item is not None and not refresh and item[0] > time.monotonic():
            return item[1]
        value = load()
        with self._lock:
            self._items[key] = (time.monotonic() + CACHE_SECONDS, value)
        return value

    def _may_refetch(self, key) -> bool:
        """Claim the one forced refetch of ``key`` in this interval. The claim
        is taken before the download, under the lock: of many threads at
        once, one downloads, and the others do not wait for it."""
        current = time.monotonic()
        with self._lock:
            last = self._refetched.get(key)
            if last is not None and current - last < self.refetch_interval:
                return False
            self._refetched[key] = current
            return True

    def metadata(self, provider) -> Metadata:
        key = ("metadata", provider.name, provider.issuer, provider.authorization_endpoint, provider.token_endpoint)
        return self._cached(key, lambda: discover(provider))

    def _load_keys(self, metadata: Metadata) -> KeySet:
        try:
            return KeySet.import_key_set(_get_json(metadata.jwks_uri, "the JWKS"))
        except (JoseError, ValueError, TypeError) as exc:
            raise Invalid(f"the JWKS at {metadata.jwks_uri} cannot be read: {exc}") from None

    def keys(self, metadata: Metadata) -> KeySet:
        """The upstream's published keys, from the cache when it has them."""
        return self._cached(("jwks", metadata.jwks_uri), lambda: self._load_keys(metadata))

    def refetched_keys(self, metadata: Metadata) -> KeySet | None:
        """The upstream's keys fetched again, past the cache; None when they
        were fetched again less than ``refetch_interval`` seconds ago."""
        key = ("jwks", metadata.jwks_uri)
        if not self._may_refetch(key):
            return None
        return self._cached(key, lambda: self._load_keys(metadata), refresh=True)


def _session(provider, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        token_endpoint_auth_method=provider.token_endpoint_auth_method,
        scope=" ".join(provider.scopes) or None,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        default_timeout=TIMEOUT,
    )


def authorization_url(
    provider,
    metadata: Metadata,
    *,
    redirect_uri,
    state,
    nonce,
    code_verifier,
    login_hint=None,
    prompt=None,
    max_age=None,
) -> str:
    """Where to send the browser: an authorization request with PKCE (S256),
    ``state`` and, for OpenID Connect, ``nonce``; ``prompt`` and ``max_age``
    as the caller passes them on (see :func:`forwarded_demand`)."""
    extra = {"nonce": nonce} if provider.kind == "oidc" else {}
    if login_hint:
        extra["login_hint"] = login_hint
    if prompt:
        extra["prompt"] = prompt
    if max_age is not None:
        extra["max_age"] = str(max_age)
    with _session(provider, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            metadata.authorization_endpoint, state=state, code_verifier=code_verifier, **extra
        )
    return url


def forwarded_demand(provider, context) -> tuple[str | None, int | None]:
    """The ``prompt`` and ``max_age`` to send upstream: a client's demand for
    a fresh sign-in (``prompt=login``, ``max_age``) goes on to an OpenID
    Connect provider, unless its ``forward_prompt`` is off, as Keycloak's
    identity broker passes them on; a plain OAuth 2.0 provider gets neither."""
    if context is None or provider.kind != "oidc" or not provider.forward_prompt:
        return None, None
    return ("login" if "login" in context.prompt else None), context.max_age


def authentication_time(claims: dict, *, max_age: int | None = None, login_after: int | None = None) -> int | None:
    """The upstream's ``auth_time``, checked when ``max_age`` or
    ``prompt=login`` was sent (``login_after``: when the redirect started).
    Then it is required (OpenID Connect Core 1.0, 3.1.2.1 and 2) and must be
    no older than ``max_age`` and no older than the redirect, give or take
    the clock leeway. Otherwise it is taken when it makes sense, else None."""
    required = max_age is not None or login_after is not None
    value = claims.get("auth_time")
    current = int(time.time())
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value > current + LEEWAY:
        if required:
            raise Invalid(
                f"the ID token's auth_time is {'missing' if value is None else 'invalid'}, "
                "though a fresh sign-in was asked for"
            )
        return None
    value = min(int(value), current)
    if max_age is not None and current - value > max_age + LEEWAY:
        raise Invalid(f"the upstream sign-in is {current - value} seconds old, max_age asked for {max_age}")
    if login_after is not None and value < login_after - LEEWAY:
        raise Invalid(f"the upstream sign-in happened {login_after - value} seconds before prompt=login was sent")
    return value


def _fetch_userinfo(client: OAuth2Session, metadata: Metadata) -> dict:
    try:
        response = client.get(metadata.userinfo_endpoint, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise Unavailable(f"userinfo: {type(exc).__name__}") from None
    if response.status_code >= 500:
        raise Unavailable(f"userinfo: HTTP {response.status_code}")
    try:
        claims = response.json() if response.status_code == 200 else None
    except ValueError:
        claims = None
    if not isinstance(claims, dict):
        raise Invalid(f"userinfo answered HTTP {response.status_code} without a JSON object")
    return claims


def _answer(response, provider) -> str:
    """The upstream's answer as a log line may show it: status and body,
    shortened, with Ostiary's client secret blotted out should the upstream
    echo what it was sent."""
    if response is None:
        return "no answer"
    body = response.text[:ANSWER_LENGTH].replace("\n", " ")
    if provider.client_secret:
        body = body.replace(provider.client_secret, "[client secret]")
    return f"HTTP {response.status_code} {body}"


def _refusal(exc, response, provider, metadata):
    """The UpstreamError for a token endpoint that refused the code exchange."""
    error = getattr(exc, "error", None)
    status = getattr(response, "status_code", None)
    if error in CLIENT_ERRORS or status == 401:
        return ClientRefused(
            f"the token endpoint at {metadata.token_endpoint} refused client "
            f"{provider.client_id!r}: {_answer(response, provider)}"
        )
    if isinstance(exc, OAuthError):
        return Invalid(f"the token endpoint refused the code: {exc.error} {exc.description or ''}")
    if isinstance(exc, ValueError):
        return Invalid(f"the token endpoint: {exc}")
    return Unavailable(f"the token endpoint: {type(exc).__name__}")


def _fetch_token(client: OAuth2Session, provider, metadata: Metadata, *, code, code_verifier) -> dict:
    answers = []  # the raw answer, which authlib's exceptions leave out

    def keep(response):
        answers.append(response)
        return response

    client.register_compliance_hook("access_token_response", keep)
    try:
        return client.fetch_token(
            metadata.token_endpoint, grant_type="authorization_code", code=code, code_verifier=code_verifier
        )
    except (OAuthError, requests.RequestException, ValueError) as exc:
        raise _refusal(exc, answers[-1] if answers else None, provider, metadata) from None


def redeem(provider, metadata: Metadata, *, redirect_uri, code, code_verifier) -> tuple[dict, dict]:
    """Exchange ``code`` at the token endpoint; return the token response and
    the userinfo claims (empty when the provider has no userinfo endpoint)."""
    with _session(provider, redirect_uri) as client:
        token = _fetch_token(client, provider, metadata, code=code, code_verifier=code_verifier)
        if not token.get("access_token"):
            raise Invalid("the token response has no access_token")
        if provider.kind == "oidc" and not token.get("id_token"):
            raise Invalid("the token response has no id_token")
        userinfo = _fetch_userinfo(client, metadata) if metadata.userinfo_endpoint else {}
    return dict(token), userinfo


def _decode(id_token: str, keys: KeySet):
    return jwt.decode(id_token, keys, algorithms=list(ALGORITHMS))


def _verified(cache: UpstreamCache, metadata: Metadata, token: str, what: str):
    """``token`` decoded after checking its signature with the upstream's
    published keys; when the cached keys do not verify it, with the keys
    fetched again (the upstream may have rotated them), if the cache allows."""
    try:
        return _decode(token, cache.keys(metadata))
    except (JoseError, ValueError) as exc:
        failure = exc
    fresh = cache.refetched_keys(metadata)
    if fresh is not None:
        try:
            return _decode(token, fresh)
        except (JoseError, ValueError) as exc:
            failure = exc
    raise Invalid(
        f"the {what}'s signature does not verify with the upstream's keys: {type(failure).__name__} {failure}"
    ) from None


def _check_audience(claims: dict, provider, what: str) -> None:
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise Invalid(f"the {what} has several audiences and another azp")


def validate_id_token(
    cache: UpstreamCache, provider, metadata: Metadata, id_token: str, *, nonce: str, access_token: str | None = None
) -> dict:
    """The claims of an upstream ID token, after checking its signature with
    the upstream's published keys and ``iss``, ``aud``, ``azp``, ``exp``,
    ``iat``, ``nonce`` and ``at_hash`` (OpenID Connect Core 1.0, 3.1.3.7)."""
    decoded = _verified(cache, metadata, id_token, "ID token")
    claims = decoded.claims
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY,
        iss={"essential": True, "value": metadata.issuer},
        aud={"essential": True, "value": provider.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise Invalid(f"the ID token is not for this sign-in: {exc}") from None
    _check_audience(claims, provider, "ID token")
    if access_token and claims.get("at_hash"):
        expected = create_half_hash(access_token, decoded.header["alg"])
        if expected is None or expected.decode() != claims["at_hash"]:
            raise Invalid("the ID token's at_hash does not match the access token")
    return claims


#: How long a logout token without ``exp`` is good for after its ``iat``,
#: in seconds (its ``jti`` is remembered that long, against replays).
LOGOUT_TOKEN_MAX_AGE = 600
#: ``typ`` headers a logout token may have: the recommended one, or the generic one.
LOGOUT_TOKEN_TYPES = ("logout+jwt", "application/logout+jwt", "jwt")
#: Longest ``sid``, ``sub`` or ``jti`` taken from a logout token.
MAX_VALUE_LENGTH = 255


def validate_logout_token(cache: UpstreamCache, provider, metadata: Metadata, token: str) -> dict:
    """The claims of an upstream logout token, validated as OpenID Connect
    Back-Channel Logout 1.0, section 2.6, says: signed by a key of the
    upstream with an accepted algorithm, our ``iss`` and ``aud`` (as an ID
    token), ``iat`` present and ``exp`` not passed, the back-channel logout
    event, a ``sid`` or a ``sub``, a ``jti``, and no ``nonce`` (which would make it an
    ID token). Replays (the ``jti``) are the caller's to refuse."""
    if not isinstance(token, str) or not token:
        raise Invalid("no logout_token")
    decoded = _verified(cache, metadata, token, "logout token")
    typ = decoded.header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.lower() not in LOGOUT_TOKEN_TYPES):
        raise Invalid(f"the logout token has typ {typ!r}")
    claims = decoded.claims
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY,
        iss={"essential": True, "value": metadata.issuer},
        aud={"essential": True, "value": provider.client_id},
        iat={"essential": True},
        jti={"essential": True},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise Invalid(f"the logout token is not for us: {exc}") from None
    _check_audience(claims, provider, "logout token")
    if "nonce" in claims:
        raise Invalid("the logout token has a nonce")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict):
        raise Invalid("the logout token lacks the back-channel logout event")
    for name in ("sid", "sub", "jti"):
        value = claims.get(name)
        if value is not None and (not isinstance(value, str) or not value or len(value) > MAX_VALUE_LENGTH):
            raise Invalid(f"the logout token's {name} is not a usable string")
    if claims.get("sid") is None and claims.get("sub") is None:
        raise Invalid("the logout token names neither a sid nor a sub")
    if "exp" not in claims and claims["iat"] < time.time() - LOGOUT_TOKEN_MAX_AGE - LEEWAY:
        raise Invalid("the logout token has no exp and was issued too long ago")
    return claims


def logout_token_lifetime(claims: dict) -> int:
    """Until when the ``jti`` of a valid logout token must be remembered:
    as long as the token could still be accepted."""
    until = claims["exp"] if "exp" in claims else claims["iat"] + LOGOUT_TOKEN_MAX_AGE
    return int(until) + LEEWAY


def end_session_url(provider, metadata: Metadata, *, id_token, post_logout_redirect_uri, state) -> str | None:
    """The upstream's end-session URL (RP-Initiated Logout 1.0), or None."""
    if not metadata.end_session_endpoint:
        return None
    params = {"client_id": provider.client_id, "post_logout_redirect_uri": post_logout_redirect_uri, "state": state}
    if id_token:
        params["id_token_hint"] = id_token
    separator = "&" if "?" in metadata.end_session_endpoint else "?"
    return metadata.end_session_endpoint + separator + urlencode(params)
