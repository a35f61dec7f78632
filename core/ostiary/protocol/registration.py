"""Dynamic client registration: what RFC 7591 and RFC 7592 say.

This module holds the protocol: parsing and checking client metadata
against the policy, software statements, initial and registration access
tokens, the error codes and the client information response. The views
that then create, replace and delete the client are in
:mod:`ostiary.administration.registration`, on the same service functions
as the admin API, the console and the command line.

``POST /connect/register`` registers a client from a JSON document of
client metadata; the answer carries the new client's id, its secret (once),
a registration access token and the client configuration URI
``/connect/register/{client_id}``, where the client reads (``GET``),
replaces (``PUT``) or deletes (``DELETE``) its registration with that
token.

Policy comes from the ``ostiary.client_registration*`` settings: off (the
default), only with an initial access token an administrator created, or
open; which grant types, scopes, authentication methods and redirect-URI
forms a registered client may have; and whether software statements are
accepted, and from whom. A registered client is never first-party: people
are always asked for consent.

authlib's ``ClientRegistrationEndpoint`` and ``ClientConfigurationEndpoint``
were not used: they answer a missing or bad initial access token with 403
``access_denied`` where RFC 7591 section 3 asks for RFC 6750's 401, and
they expect the stored registration access token back in plain text,
which this server keeps only as a digest. Their error classes name the
RFC's error codes, and joserfc verifies software statements.
"""

from __future__ import annotations

import json
import logging

from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from pyramid.response import Response

from ..events import declare
from ..models.clients import Client, ClientError, is_loopback
from ..models.registration import InitialAccessTokenError
from ..models.util import digest, random_token
from ..settings import read_jwks_file
from .paths import endpoint_url
from .server import json_response

log = logging.getLogger(__name__)

CLIENT_REGISTERED = declare("client.registered", "A client registered itself (RFC 7591 dynamic client registration).")

#: Algorithms a software statement may be signed with.
SOFTWARE_STATEMENT_ALGS = ["RS256", "ES256", "PS256", "EdDSA"]

#: Metadata kept as the client sent it and returned as it was (RFC 7591
#: section 2): what people may be shown, nothing the protocol acts on.
INFORMATIONAL_URLS = ("client_uri", "logo_uri", "tos_uri", "policy_uri")
INFORMATIONAL_TEXT = ("software_id", "software_version")

#: Metadata that sets a field of :class:`Client`, by metadata name.
CLIENT_FIELDS = {
    "redirect_uris": "redirect_uris",
    "post_logout_redirect_uris": "post_logout_redirect_uris",
    "client_name": "name",
    "application_type": "application_type",
    "token_endpoint_auth_method": "token_endpoint_auth_method",
    "grant_types": "grant_types",
    "jwks": "jwks",
    "frontchannel_logout_uri": "frontchannel_logout_uri",
    "frontchannel_logout_session_required": "frontchannel_logout_session_required",
    "backchannel_logout_uri": "backchannel_logout_uri",
    "backchannel_logout_session_required": "backchannel_logout_session_required",
}
#: What a field becomes when a replacing PUT omits its metadata.
FIELD_DEFAULTS = {
    "redirect_uris": (),
    "post_logout_redirect_uris": (),
    "application_type": "web",
    "jwks": None,
    "frontchannel_logout_uri": None,
    "frontchannel_logout_session_required": True,
    "backchannel_logout_uri": None,
    "backchannel_logout_session_required": True,
}
LISTS = ("redirect_uris", "post_logout_redirect_uris", "grant_types", "response_types", "contacts")
BOOLEANS = ("frontchannel_logout_session_required", "backchannel_logout_session_required")
TEXTS = (
    "client_name",
    "application_type",
    "token_endpoint_auth_method",
    "frontchannel_logout_uri",
    "backchannel_logout_uri",
    "scope",
    "software_statement",
    "jwks_uri",
    *INFORMATIONAL_URLS,
    *INFORMATIONAL_TEXT,
)


class RegistrationError(Exception):
    """A registration request refused with one of the RFCs' error codes."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> Response:
        headers = []
        if self.status == 401:
            challenge = 'Bearer realm="registration"'
            if self.error:
                challenge += f', error="{self.error}", error_description="{self.description}"'
            headers.append(("WWW-Authenticate", challenge))
        body = {"error": self.error, "error_description": self.description} if self.error else {}
        return json_response(self.status, body, headers)


def metadata_error(description: str) -> RegistrationError:
    return RegistrationError("invalid_client_metadata", description)


# -- policy -------------------------------------------------------------------


def load_software_statement_keys(path: str | None) -> KeySet | None:
    """The JWK Set of ``ostiary.client_registration.software_statement_jwks``
    (the settings parser has already refused a bad file)."""
    return read_jwks_file(path) if path else None


def uri_form(uri: str) -> str:
    """Which form of ``ostiary.client_registration.redirect_uri_forms`` ``uri`` has."""
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme == "https":
        return "https"
    if scheme == "http" and is_loopback(parts.hostname):
        return "loopback"
    if scheme == "http":
        return "https"  # refused as plain http by the client rules
    return "private-use"


# -- metadata -----------------------------------------------------------------


def _check_types(data: dict) -> None:
    for name in LISTS:
        value = data.get(name)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise (
                RegistrationError("invalid_redirect_uri", f"{name} must be an array of strings")
                if name.endswith("redirect_uris")
                else metadata_error(f"{name} must be an array of strings")
            )
    for name in TEXTS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise metadata_error(f"{name} must be a string")
    for name in BOOLEANS:
        value = data.get(name)
        if value is not None and not isinstance(value, bool):
            raise metadata_error(f"{name} must be true or false")
    if data.get("jwks") is not None and not isinstance(data["jwks"], dict):
        raise metadata_error("jwks must be a JWK Set object")


def _check_jwks(jwks: dict) -> dict:
    if not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
        raise metadata_error("jwks must be a JWK Set with at least one key")
    try:
        keys = KeySet.import_key_set(jwks)
    except (ValueError, TypeError, KeyError, JoseError) as exc:
        raise metadata_error(f"jwks is not a valid JWK Set ({exc})") from None
    if any(key.is_private for key in keys):
        raise metadata_error("jwks holds a private key; register only public keys")
    return {"keys": [dict(key) for key in jwks["keys"]]}


def _informational(data: dict) -> dict:
    from urllib.parse import urlsplit

    kept = {}
    for name in INFORMATIONAL_URLS:
        value = data.get(name)
        if value is None:
            continue
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise metadata_error(f"{name} must be an absolute http(s) URL")
        kept[name] = value
    for name in (*INFORMATIONAL_TEXT, "contacts"):
        if data.get(name) is not None:
            kept[name] = data[name]
    return kept


def client_fields(data: dict, settings) -> tuple[dict, dict]:
    """The :class:`Client` fields and the informational metadata of a
    registration request ``data``, checked against the policy; or a
    :class:`RegistrationError` with the RFC's error code."""
    _check_types(data)
    if data.get("jwks_uri") is not None:
        raise metadata_error("jwks_uri is not supported; send the public keys as jwks")
    fields = {CLIENT_FIELDS[name]: data[name] for name in CLIENT_FIELDS if data.get(name) is not None}
    fields.setdefault("token_endpoint_auth_method", "client_secret_basic")
    fields.setdefault("grant_types", ["authorization_code"])
    fields.setdefault("redirect_uris", [])
    method = fields["token_endpoint_auth_method"]
    if method not in settings.client_registration_auth_methods:
        allowed = ", ".join(settings.client_registration_auth_methods)
        raise metadata_error(f"token_endpoint_auth_method {method!r} is not allowed here (allowed: {allowed})")
    grant_types = list(dict.fromkeys(fields["grant_types"]))
    refused = [g for g in grant_types if g not in settings.client_registration_grant_types]
    if refused or not grant_types:
        allowed = ", ".join(settings.client_registration_grant_types)
        raise metadata_error(f"grant_types {', '.join(refused) or '[]'} not allowed here (allowed: {allowed})")
    fields["grant_types"] = grant_types
    # RFC 7591 section 2.1: response_types and grant_types must agree; the
    # code flow is the only one this server has.
    response_types = data.get("response_types")
    if response_types is None:
        response_types = ["code"] if "authorization_code" in grant_types else []
    if set(response_types) - {"code"}:
        raise metadata_error("response_types: only code is supported")
    if ("code" in response_types) != ("authorization_code" in grant_types):
        raise metadata_error("response_types code and grant type authorization_code go together")
    scope = data.get("scope")
    scopes = scope.split() if scope is not None else list(settings.client_registration_scopes)
    refused = [s for s in scopes if s not in settings.client_registration_scopes]
    if refused:
        allowed = " ".join(settings.client_registration_scopes)
        raise metadata_error(f"scope {' '.join(refused)} not allowed here (allowed: {allowed})")
    fields["scopes"] = list(dict.fromkeys(scopes))
    for uri in [*fields["redirect_uris"], *fields.get("post_logout_redirect_uris", ())]:
        if isinstance(uri, str) and uri_form(uri) not in settings.client_registration_redirect_uri_forms:
            allowed = ", ".join(settings.client_registration_redirect_uri_forms)
            raise RegistrationError(
                "invalid_redirect_uri", f"{uri!r}: this form of URI is not allowed here ({allowed})"
            )
    if "jwks" in fields:
        fields["jwks"] = _check_jwks(fields["jwks"])
    # A registered client always asks people for consent and uses PKCE.
    fields.update(require_consent=True, first_party=False, require_pkce=True)
    return fields, _informational(data)


def software_statement_claims(request, data: dict) -> dict:
    """The verified claims of the request's software statement (RFC 7591
    section 2.3), or ``{}`` if it has none and none is required."""
    settings = request.registry.ostiary_settings
    statement = data.get("software_statement")
    if statement is None:
        if settings.client_registration_require_software_statement:
            raise RegistrationError("invalid_software_statement", "a software statement is required")
        return {}
    if not isinstance(statement, str):
        raise RegistrationError("invalid_software_statement", "the software statement must be a JWT string")
    keys = request.registry.ostiary_software_statement_keys
    if keys is None:
        raise RegistrationError("unapproved_software_statement", "this server accepts no software statements")
    try:
        token = jwt.decode(statement, keys, algorithms=SOFTWARE_STATEMENT_ALGS)
    except (BadSignatureError, InvalidKeyIdError):
        # Well formed, but not signed by a publisher this server trusts.
        raise RegistrationError(
            "unapproved_software_statement", "the software statement is not signed by a key this server trusts"
        ) from None
    except JoseError as exc:
        raise RegistrationError(
            "invalid_software_statement", f"the software statement is invalid ({exc.error})"
        ) from None
    except (ValueError, TypeError):
        raise RegistrationError("invalid_software_statement", "the software statement is not a JWT") from None
    try:
        jwt.JWTClaimsRegistry(leeway=60).validate(token.claims)
    except JoseError as exc:
        raise RegistrationError("invalid_software_statement", f"the software statement is {exc.error}") from None
    claims = {k: v for k, v in token.claims.items() if k not in ("iss", "iat", "exp", "nbf", "jti", "aud", "sub")}
    return claims


# -- requests -------------------------------------------------------------------


def json_body(request) -> dict:
    if request.content_type != "application/json":
        raise RegistrationError("invalid_request", "send the client metadata as application/json")
    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        raise RegistrationError("invalid_request", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise RegistrationError("invalid_request", "the body must be a JSON object of client metadata")
    return data


def bearer_token(request) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def initial_access_token(request, redeem: bool = False) -> str | None:
    """Check (``redeem``: and use once) the request's initial access token
    where policy asks for one; the token's id, or None under open
    registration. A token sent to an open server is checked all the same:
    its holder should learn that it is wrong."""
    mode = request.registry.ostiary_settings.client_registration
    value = bearer_token(request)
    if mode == "open" and value is None:
        return None
    if value is None:
        raise RegistrationError(None, "an initial access token is required", 401)
    store = request.ostiary_root.clients.initial_access_tokens
    try:
        if store is None:
            raise InitialAccessTokenError("the initial access token is unknown or was revoked")
        return (store.redeem(value) if redeem else store.check(value)).token_id
    except InitialAccessTokenError as exc:
        raise RegistrationError("invalid_token", str(exc), 401) from None


def registration_metadata(request, data: dict) -> tuple[dict, dict]:
    claims = software_statement_claims(request, data)
    merged = {k: v for k, v in data.items() if k != "software_statement"}
    # RFC 7591 section 2.3: the statement's values win over the JSON's.
    merged.update(claims)
    fields, informational = client_fields(merged, request.registry.ostiary_settings)
    try:
        Client("registration-check", **fields)  # the client rules, before anything is stored
    except ClientError as exc:
        raise refusal(exc.reason, exc.field) from None
    if claims:
        informational["software_statement"] = data["software_statement"]
    return fields, informational


def refusal(detail: str, field: str | None) -> RegistrationError:
    """The RFC 7591 error for a client rule broken by ``field``."""
    text = f"{field}: {detail}" if field else detail
    if field in ("redirect_uris", "post_logout_redirect_uris"):
        return RegistrationError("invalid_redirect_uri", text)
    return metadata_error(text)


def client_configuration_uri(request, client_id: str) -> str:
    return endpoint_url(request.registry.ostiary_settings.issuer, "registration") + "/" + client_id


def client_information(request, client: Client, *, token: str, secret: str | None = None) -> dict:
    """The client information response (RFC 7591 section 3.2.1, RFC 7592 section 3)."""
    body = {
        "client_id": client.client_id,
        "client_id_issued_at": client.created_at,
        "client_name": client.name,
        "redirect_uris": list(client.redirect_uris),
        "grant_types": list(client.grant_types),
        "response_types": ["code"] if "authorization_code" in client.grant_types else [],
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "application_type": client.application_type,
        "scope": " ".join(client.scopes),
        "registration_access_token": token,
        "registration_client_uri": client_configuration_uri(request, client.client_id),
    }
    if client.post_logout_redirect_uris:
        body["post_logout_redirect_uris"] = list(client.post_logout_redirect_uris)
    for name in ("frontchannel_logout_uri", "backchannel_logout_uri"):
        if getattr(client, name):
            body[name] = getattr(client, name)
            body[name.replace("_uri", "_session_required")] = getattr(client, name.replace("_uri", "_session_required"))
    if client.jwks:
        body["jwks"] = dict(client.jwks)
    body.update(dict(client.registration_metadata or {}))
    if secret is not None:
        body["client_secret"] = secret
        body["client_secret_expires_at"] = 0  # secrets do not expire
    return body


def new_registration_token(client: Client) -> str:
    token = random_token(32)
    client.registration_access_token_digest = digest(token)
    return token


def disabled() -> Response:
    return json_response(404, {"error": "invalid_request", "error_description": "client registration is not enabled"})


def managed_client(request) -> Client:
    """The client of the configuration URI, if the request's registration
    access token is its own (RFC 7592 section 2)."""
    value = bearer_token(request)
    if value is None:
        raise RegistrationError(None, "a registration access token is required", 401)
    client_id = request.matchdict["client_id"]
    client = request.ostiary_root.clients.get(client_id)
    # An unknown client and a wrong token get the same answer, so the
    # endpoint tells nobody which client ids exist (RFC 7592 section 2.1).
    if client is None or not client.check_registration_access_token(value):
        raise RegistrationError("invalid_token", "the registration access token is invalid", 401)
    if not client.enabled:
        raise RegistrationError("access_denied", "this client was disabled by an administrator", 403)
    return client


def replacement(request, client: Client) -> tuple[dict, dict]:
    """The fields and informational metadata of a ``PUT`` replacing the
    registration of ``client`` (RFC 7592 section 2.2), checked whole."""
    data = json_body(request)
    if data.get("client_id") != client.client_id:
        raise metadata_error("client_id must be the client's own")
    secret = data.pop("client_secret", None)
    if secret is not None and not client.check_client_secret(secret):
        raise metadata_error("client_secret does not match the client's secret")
    for name in ("client_id", "registration_access_token", "registration_client_uri"):
        data.pop(name, None)
    for name in ("client_id_issued_at", "client_secret_expires_at"):
        data.pop(name, None)
    fields, informational = registration_metadata(request, data)
    if fields["token_endpoint_auth_method"] != client.token_endpoint_auth_method:
        # Switching between a secret, keys and none would need new credentials.
        raise metadata_error("token_endpoint_auth_method cannot change; register a new client")
    # Omitted fields fall back to their defaults: a PUT replaces the registration.
    replaced = {**FIELD_DEFAULTS, "name": client.client_id, **fields}
    try:
        Client(client.client_id, **replaced)
    except ClientError as exc:
        raise refusal(exc.reason, exc.field) from None
    return replaced, informational


def no_content() -> Response:
    return Response(status=204, headerlist=[("Cache-Control", "no-store"), ("Content-Length", "0")])


def post_only(request):
    """Another method than POST at the registration endpoint."""
    from .endpoints import method_not_allowed as answer

    return answer(request)


def method_not_allowed(request):
    """Another method at the client configuration endpoint."""
    response = json_response(405, {"error": "invalid_request", "error_description": "Use GET, PUT or DELETE."})
    response.headers["Allow"] = "GET, PUT, DELETE"
    return response


def includeme(config) -> None:
    """Read the software statement keys once, at start-up."""
    settings = config.registry.ostiary_settings
    config.registry.ostiary_software_statement_keys = load_software_statement_keys(
        settings.client_registration_software_statement_jwks
    )
