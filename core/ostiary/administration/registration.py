"""Dynamic client registration on the service layer, and the initial
access tokens administrators hand out for it.

The endpoints of RFC 7591 (``POST /connect/register``) and RFC 7592
(``GET``/``PUT``/``DELETE /connect/register/{client_id}``) check the
request with :mod:`ostiary.protocol.registration` (metadata, policy,
software statement, tokens, error codes) and then change the client
through :mod:`.clients`, like the admin API, the console and the command
line: the same rules, and an ``admin.changed`` event naming the client as
the actor (``client:<id>``).

Initial access tokens are created, listed and revoked here for every
front end (``ostiary registration token ...``, the console).
"""

from __future__ import annotations

from ..events import emit
from ..models.registration import InitialAccessTokenError
from ..models.util import random_token
from ..protocol import registration as rfc
from ..protocol.paths import PATHS
from ..protocol.server import json_response
from . import audit, clients
from .errors import AdminError, NotFound, ValidationError


def _refusal(exc: AdminError) -> rfc.RegistrationError:
    return rfc.refusal(exc.detail, exc.field)


def _refused(request, exc: rfc.RegistrationError):
    """The error response; nothing of a refused request is stored (pyramid_tm
    commits a 4xx answer otherwise), so a refusal never uses up an initial
    access token nor leaves half a change behind."""
    request.tm.doom()
    return exc.response()


def register(request):
    """``POST /connect/register`` (RFC 7591 section 3)."""
    if request.registry.ostiary_settings.client_registration == "off":
        return rfc.disabled()
    try:
        rfc.initial_access_token(request)
        fields, informational = rfc.registration_metadata(request, rfc.json_body(request))
        client_id = random_token(18)
        try:
            made = clients.create_client(request, audit.client_actor(client_id), client_id, fields)
        except AdminError as exc:
            raise _refusal(exc) from None
        initial_token = rfc.initial_access_token(request, redeem=True)
    except rfc.RegistrationError as exc:
        return _refused(request, exc)
    client = request.ostiary_root.clients.get(client_id)
    client.registration_metadata = informational
    token = rfc.new_registration_token(client)
    emit(request, rfc.CLIENT_REGISTERED, client_id=client_id, initial_access_token=initial_token)
    body = rfc.client_information(request, client, token=token, secret=made["client_secret"])
    return json_response(201, body)


def client_configuration(request):
    """``GET``/``PUT``/``DELETE /connect/register/{client_id}`` (RFC 7592)."""
    try:
        client = rfc.managed_client(request)
        actor = audit.client_actor(client.client_id)
        if request.method == "DELETE":
            clients.delete_client(request, actor, client.client_id)
            return rfc.no_content()
        if request.method == "PUT":
            fields, informational = rfc.replacement(request, client)
            try:
                clients.update_client(request, actor, client.client_id, fields)
            except AdminError as exc:
                raise _refusal(exc) from None
            client.registration_metadata = informational
    except rfc.RegistrationError as exc:
        return _refused(request, exc)
    # We keep only the token's digest, so every answer carries a new one
    # (RFC 7592 section 3 allows this; the client keeps the latest).
    token = rfc.new_registration_token(client)
    return json_response(200, rfc.client_information(request, client, token=token))


# -- initial access tokens --------------------------------------------------------


def create_initial_access_token(request, actor: str, *, uses: int | None = 1, lifetime: int | None = 7 * 86400) -> dict:
    """Create an initial access token: ``{"token": <public description>,
    "value": <the token>}``; the value is shown this once and never stored.
    ``uses`` None: without limit; ``lifetime`` None: it never expires."""
    store = request.ostiary_root.clients.initial_access_token_store()
    try:
        item, value = store.create(uses, lifetime, actor)
    except InitialAccessTokenError as exc:
        raise ValidationError(str(exc), "uses" if "uses" in str(exc) else "lifetime") from None
    audit.record(
        request, actor, "initial_access_token", "created", item.token_id, uses=uses, expires_at=item.expires_at
    )
    return {"token": item.as_dict(), "value": value}


def list_initial_access_tokens(request) -> list[dict]:
    """Every initial access token that still exists, oldest first (never a value)."""
    store = request.ostiary_root.clients.initial_access_tokens
    items = sorted(store or (), key=lambda item: (item.created_at, item.token_id))
    return [item.as_dict() for item in items]


def revoke_initial_access_token(request, actor: str, token_id: str) -> None:
    """Delete an initial access token, or :class:`NotFound`."""
    store = request.ostiary_root.clients.initial_access_tokens
    if store is None or store.get(token_id) is None:
        raise NotFound(f"no initial access token {token_id!r}")
    store.revoke(token_id)
    audit.record(request, actor, "initial_access_token", "revoked", token_id)


def includeme(config) -> None:
    """The registration endpoints (their paths are in the protocol's table)."""
    config.add_route("registration", PATHS["registration"])
    config.add_route("registration_client", PATHS["registration_client"])
    # Called by clients with a bearer token (or none), not by our forms: no CSRF.
    config.add_view(register, route_name="registration", request_method="POST", require_csrf=False)
    config.add_view(rfc.post_only, route_name="registration", require_csrf=False)
    config.add_view(
        client_configuration,
        route_name="registration_client",
        request_method=("GET", "PUT", "DELETE"),
        require_csrf=False,
    )
    config.add_view(rfc.method_not_allowed, route_name="registration_client", require_csrf=False)
