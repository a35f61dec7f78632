"""The admin REST API under ``/admin/api/v1``: JSON over the service layer.

Each operation is one row of :data:`OPERATIONS` (method, path, the scope
it needs, the handler, and what the OpenAPI document says of it), so the
routes and the served OpenAPI 3.1 document (:mod:`.openapi`) come from the
same table and cannot drift apart.

- Access: an access token of this server for the admin audience, with
  ``ostiary:admin`` (everything) or ``ostiary:admin.read`` (GET only).
  A token that speaks for a person also needs the person to hold the
  admin role (a ``roles`` claim containing ``ostiary-admin``). Refusals
  are 401/403 with ``WWW-Authenticate: Bearer error=...`` (RFC 6750).
- Errors: RFC 9457 problem details (``application/problem+json``) for
  every refusal, with ``field`` naming the member at fault.
- Updates: ``PATCH`` needs ``If-Match`` with the ``ETag`` of the last
  read (428 without it, 412 when the object changed since), so two
  admins cannot silently overwrite each other.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

from pyramid.interfaces import IRoutesMapper
from pyramid.response import Response

from ..protocol.bearer import BearerRefusal, check_bearer
from . import (
    clients,
    consents,
    deliveries,
    keys,
    providers,
    records,
    registration,  # initial access tokens (dcr branch)
    resources,
    scopes,
    sessions,
    users,
)
from .audit import client_actor, person_actor
from .errors import AdminError, ValidationError
from .users import is_admin

PREFIX = scopes.API_PATH
READ = (scopes.ADMIN, scopes.ADMIN_READ)
WRITE = (scopes.ADMIN,)


class Problem(Exception):
    """An HTTP refusal that is not the service's (no If-Match, bad JSON)."""

    def __init__(self, status: int, title: str, detail: str, headers=()):
        super().__init__(detail)
        self.status, self.title, self.detail, self.headers = status, title, detail, list(headers)


def problem(status: int, title: str, detail: str, *, field=None, headers=()) -> Response:
    """An RFC 9457 problem details response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if field:
        body["field"] = field
    response = Response(json.dumps(body), status=status, content_type="application/problem+json", charset="utf-8")
    for name, value in headers:
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def answer(data, status: int = 200, etag: str | None = None) -> Response:
    response = Response(json.dumps(data), status=status, content_type="application/json", charset="utf-8")
    if etag:
        response.headers["ETag"] = f'"{etag}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# -- reading the request -----------------------------------------------------


def body(request) -> dict:
    """The JSON object of the request body; an empty body is ``{}``."""
    if not request.body:
        return {}
    if request.content_type != "application/json":
        raise Problem(415, "Unsupported media type", "send the body as application/json")
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Problem(400, "Bad request", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ValidationError("expected a JSON object")
    return data


def number(request, name: str, default: int | None) -> int | None:
    value = request.GET.get(name)
    if value is None:
        return default
    if not value.isdigit() or len(value) > 9:
        raise ValidationError("expected a whole number", name)
    return int(value)


def text(request, name: str) -> str | None:
    return request.GET.get(name)


def paging(request) -> dict:
    return {"offset": number(request, "offset", 0), "limit": number(request, "limit", None)}


def expected_version(request) -> str:
    """The version an update expects, from ``If-Match`` (required)."""
    header = request.headers.get("If-Match")
    if not header:
        raise Problem(428, "Precondition required", "send If-Match with the ETag of your last read")
    return header.strip().removeprefix("W/").strip('"')


def only(data: dict, *names: str) -> dict:
    """``data``, refused when it holds a member other than ``names``."""
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ValidationError(f"unknown member {unknown[0]!r}", unknown[0])
    return data


def member(data: dict, name: str, kind=str, *, required=True):
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ValidationError(f"expected {'a string' if kind is str else kind.__name__}", name)
    return value


# -- the operations ----------------------------------------------------------


def _versioned(data: dict, status: int = 200) -> Response:
    return answer(data, status, etag=data.get("version"))


def list_clients(request, actor):
    return answer(clients.list_clients(request, search=text(request, "search"), **paging(request)))


def create_client(request, actor):
    data = body(request)
    client_id = data.pop("client_id", None)
    secret = data.pop("client_secret", None)
    if secret is not None and not isinstance(secret, str):
        raise ValidationError("expected a string", "client_secret")
    made = clients.create_client(request, actor, client_id, data, secret=secret)
    return answer(made, 201, etag=made["client"]["version"])


def get_client(request, actor):
    return _versioned(clients.get_client(request, request.matchdict["client_id"]))


def update_client(request, actor):
    version = expected_version(request)
    data = body(request)
    return _versioned(
        clients.update_client(request, actor, request.matchdict["client_id"], data, expected_version=version)
    )


def delete_client(request, actor):
    return answer(clients.delete_client(request, actor, request.matchdict["client_id"]))


def rotate_secret(request, actor):
    data = only(body(request), "keep_old")
    keep_old = member(data, "keep_old", bool, required=False) or False
    return answer(clients.rotate_secret(request, actor, request.matchdict["client_id"], keep_old=keep_old))


def list_resources(request, actor):
    found = resources.list_resources(
        request, search=text(request, "search"), kind=text(request, "kind"), **paging(request)
    )
    return answer(found)


def create_resource(request, actor):
    data = body(request)
    name = data.pop("name", None)
    made = resources.create_resource(request, actor, name, data)
    return _versioned(made, 201)


def get_resource(request, actor):
    return _versioned(resources.get_resource(request, request.matchdict["name"]))


def update_resource(request, actor):
    version = expected_version(request)
    data = body(request)
    name = request.matchdict["name"]
    return _versioned(resources.update_resource(request, actor, name, data, expected_version=version))


def delete_resource(request, actor):
    return answer(resources.delete_resource(request, actor, request.matchdict["name"]))


def list_users(request, actor):
    return answer(users.list_users(request, search=text(request, "search"), **paging(request)))


def create_user(request, actor):
    data = only(body(request), "username", "email", "password", "claims")
    made = users.create_user(
        request,
        actor,
        data.get("username"),
        email=data.get("email"),
        password=data.get("password"),
        claims=data.get("claims"),
    )
    return answer(made, 201)


def get_user(request, actor):
    return answer(users.get_user(request, request.matchdict["subject"]))


def remove_user(request, actor):
    return answer(users.remove_user(request, actor, request.matchdict["subject"]))


def disable_user(request, actor):
    return answer(users.set_active(request, actor, request.matchdict["subject"], False))


def enable_user(request, actor):
    return answer(users.set_active(request, actor, request.matchdict["subject"], True))


def unlock_user(request, actor):
    return answer(users.unlock(request, actor, request.matchdict["subject"]))


def set_password(request, actor):
    data = only(body(request), "password")
    return answer(users.set_password(request, actor, request.matchdict["subject"], data.get("password")))


def reset_factors(request, actor):
    return answer(users.reset_factors(request, actor, request.matchdict["subject"]))


def unblock_address(request, actor):
    return answer(users.unblock_address(request, actor, request.matchdict["address"]))


def end_user_sessions(request, actor):
    return answer(sessions.end_sessions_of(request, actor, request.matchdict["subject"]))


def list_sessions(request, actor):
    return answer(sessions.list_sessions(request, subject=text(request, "subject"), **paging(request)))


def list_deliveries(request, actor):
    return answer(
        deliveries.list_deliveries(
            request, client_id=text(request, "client_id"), state=text(request, "state"), **paging(request)
        )
    )


def get_session(request, actor):
    return answer(sessions.get_session(request, request.matchdict["sid"]))


def end_session(request, actor):
    return answer(sessions.end_session(request, actor, request.matchdict["sid"]))


def list_consents(request, actor):
    found = consents.list_consents(
        request, subject=text(request, "subject"), client_id=text(request, "client_id"), **paging(request)
    )
    return answer(found)


def revoke_consent(request, actor):
    match = request.matchdict
    return answer(consents.revoke_consent(request, actor, match["subject"], match["client_id"]))


def list_keys(request, actor):
    return answer(keys.list_keys(request))


def rotate_keys(request, actor):
    data = only(body(request), "announce")
    announce = data.get("announce")
    if announce is not None and (isinstance(announce, bool) or not isinstance(announce, int)):
        raise ValidationError("expected a whole number of seconds", "announce")
    return answer(keys.rotate_keys(request, actor, announce=announce), 201)


def list_providers(request, actor):
    return answer(providers.list_providers(request))


def get_provider(request, actor):
    return _versioned(providers.get_provider(request, request.matchdict["name"]))


def create_provider(request, actor):
    data = body(request)
    name = data.pop("name", None)
    return _versioned(providers.create_provider(request, actor, name, data), 201)


def update_provider(request, actor):
    version = expected_version(request)
    data = body(request)
    name = request.matchdict["name"]
    return _versioned(providers.update_provider(request, actor, name, data, expected_version=version))


def delete_provider(request, actor):
    return answer(providers.delete_provider(request, actor, request.matchdict["name"]))


def audit_trail(request, actor):
    found = records.audit_trail(
        request,
        subject=text(request, "subject"),
        client_id=text(request, "client_id"),
        types=request.GET.getall("type") or None,
        since=number(request, "since", None),
        until=number(request, "until", None),
        limit=number(request, "limit", 100),
    )
    return answer(found)


def get_error(request, actor):
    return answer(records.get_error(request, request.matchdict["error_id"]))


@dataclasses.dataclass(frozen=True)
class Operation:
    """One operation of the API: its route, scope, handler and documentation."""

    name: str
    method: str
    path: str  # below PREFIX, with {placeholders}
    handler: Callable
    summary: str
    tag: str
    response: str  # the name of the response schema in openapi.SCHEMAS
    status: int = 200
    request: str | None = None  # the name of the request body schema
    query: tuple = ()  # query parameter names
    etag: bool = False  # the response carries an ETag; PATCH: If-Match required

    @property
    def scopes(self) -> tuple:
        return READ if self.method == "GET" else WRITE


PAGED = ("search", "offset", "limit")

OPERATIONS = (
    Operation("clients_list", "GET", "/clients", list_clients, "List clients", "clients", "ClientPage", query=PAGED),
    Operation("clients_create", "POST", "/clients", create_client, "Register a client", "clients", "ClientWithSecret", 201, "NewClient", etag=True),
    Operation("client_get", "GET", "/clients/{client_id}", get_client, "Read a client", "clients", "Client", etag=True),
    Operation("client_update", "PATCH", "/clients/{client_id}", update_client, "Change fields of a client", "clients", "Client", request="ClientFields", etag=True),
    Operation("client_delete", "DELETE", "/clients/{client_id}", delete_client, "Remove a client", "clients", "ClientDeleted"),
    Operation("client_secret", "POST", "/clients/{client_id}/secret", rotate_secret, "Rotate a client's secret (shown once)", "clients", "ClientWithSecret", request="SecretRotation"),
    Operation("resources_list", "GET", "/resources", list_resources, "List identity resources and API scopes", "resources", "ResourcePage", query=(*PAGED, "kind")),
    Operation("resources_create", "POST", "/resources", create_resource, "Add a resource", "resources", "Resource", 201, "NewResource", etag=True),
    Operation("resource_get", "GET", "/resources/{name}", get_resource, "Read a resource", "resources", "Resource", etag=True),
    Operation("resource_update", "PATCH", "/resources/{name}", update_resource, "Change fields of a resource", "resources", "Resource", request="ResourceFields", etag=True),
    Operation("resource_delete", "DELETE", "/resources/{name}", delete_resource, "Remove a resource", "resources", "Named"),
    Operation("users_list", "GET", "/users", list_users, "List users", "users", "UserPage", query=PAGED),
    Operation("users_create", "POST", "/users", create_user, "Add a user", "users", "User", 201, "NewUser"),
    Operation("user_get", "GET", "/users/{subject}", get_user, "Read a user, with sessions and linked logins", "users", "UserDetail"),
    Operation("user_remove", "DELETE", "/users/{subject}", remove_user, "Remove a user for good", "users", "UserRemoved"),
    Operation("user_disable", "POST", "/users/{subject}/disable", disable_user, "Disable a user", "users", "User"),
    Operation("user_enable", "POST", "/users/{subject}/enable", enable_user, "Enable a user (ends a lockout)", "users", "User"),
    Operation("user_unlock", "POST", "/users/{subject}/unlock", unlock_user, "End a lockout after failed sign-ins", "users", "User"),
    Operation("user_password", "POST", "/users/{subject}/password", set_password, "Set a user's password", "users", "User", request="Password"),
    Operation("user_factors_reset", "DELETE", "/users/{subject}/factors", reset_factors, "Forget every second factor a user enrolled (a lost phone)", "users", "FactorsReset"),
    Operation("user_sessions_end", "DELETE", "/users/{subject}/sessions", end_user_sessions, "End every session of a user", "sessions", "Ended"),
    Operation("throttle_unblock", "DELETE", "/throttle/{address}", unblock_address, "Forget the failed sign-ins of a client address", "users", "Address"),
    Operation("sessions_list", "GET", "/sessions", list_sessions, "List sessions", "sessions", "SessionPage", query=("subject", "offset", "limit")),
    Operation("session_get", "GET", "/sessions/{sid}", get_session, "Read a session", "sessions", "Session"),
    Operation("session_end", "DELETE", "/sessions/{sid}", end_session, "End a session (back-channel logout to its clients)", "sessions", "Ended"),
    Operation("logout_deliveries_list", "GET", "/logout-deliveries", list_deliveries, "List back-channel logout deliveries and what became of them, and per client its front-channel frame receipts", "sessions", "DeliveryPage", query=("client_id", "state", "offset", "limit")),
    Operation("consents_list", "GET", "/consents", list_consents, "List remembered consents", "consents", "ConsentPage", query=("subject", "client_id", "offset", "limit")),
    Operation("consent_revoke", "DELETE", "/consents/{subject}/{client_id}", revoke_consent, "Revoke a consent", "consents", "ConsentRevoked"),
    Operation("keys_list", "GET", "/keys", list_keys, "List signing keys", "keys", "KeyList"),
    Operation("keys_rotate", "POST", "/keys/rotate", rotate_keys, "Announce new signing keys", "keys", "KeyPage", 201, "Rotation"),
    Operation("providers_list", "GET", "/providers", list_providers, "List external providers", "providers", "ProviderList"),
    Operation("providers_create", "POST", "/providers", create_provider, "Add an external provider to the database", "providers", "Provider", 201, "NewProvider", etag=True),
    Operation("provider_get", "GET", "/providers/{name}", get_provider, "Read an external provider", "providers", "Provider", etag=True),
    Operation("provider_update", "PATCH", "/providers/{name}", update_provider, "Change settings of a database provider", "providers", "Provider", request="ProviderSettings", etag=True),
    Operation("provider_delete", "DELETE", "/providers/{name}", delete_provider, "Remove a database provider (linked logins are kept)", "providers", "Named"),
    Operation("audit_list", "GET", "/audit", audit_trail, "Query the stored audit trail, newest first", "audit", "AuditPage", query=("subject", "client_id", "type", "since", "until", "audit_limit")),
    Operation("error_get", "GET", "/errors/{error_id}", get_error, "Read the detail behind an error id", "errors", "ErrorRecord"),
)  # fmt: skip


# -- dynamic client registration (dcr branch): initial access tokens -----------

#: The longest life and the most uses an initial access token may be given.
MAX_TOKEN_LIFETIME = 10 * 365 * 86400
MAX_TOKEN_USES = 1_000_000


def _bounded(data: dict, name: str, default: int, maximum: int) -> int | None:
    """A member that is a whole number from 1 to ``maximum``, or null
    (no limit); ``default`` when absent."""
    if name not in data:
        return default
    value = data[name]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ValidationError(f"expected a whole number from 1 to {maximum}, or null", name)
    return value


def list_initial_tokens(request, actor):
    return answer({"items": registration.list_initial_access_tokens(request)})


def create_initial_token(request, actor):
    data = only(body(request), "uses", "lifetime")
    uses = _bounded(data, "uses", 1, MAX_TOKEN_USES)
    lifetime = _bounded(data, "lifetime", 7 * 86400, MAX_TOKEN_LIFETIME)
    return answer(registration.create_initial_access_token(request, actor, uses=uses, lifetime=lifetime), 201)


def revoke_initial_token(request, actor):
    token_id = request.matchdict["token_id"]
    registration.revoke_initial_access_token(request, actor, token_id)
    return answer({"id": token_id})


OPERATIONS += (
    Operation("registration_tokens_list", "GET", "/registration/tokens", list_initial_tokens, "List the initial access tokens for client registration (never their values)", "registration", "InitialAccessTokenList"),
    Operation("registration_tokens_create", "POST", "/registration/tokens", create_initial_token, "Create an initial access token (its value is shown once)", "registration", "InitialAccessTokenWithValue", 201, "NewInitialAccessToken"),
    Operation("registration_token_revoke", "DELETE", "/registration/tokens/{token_id}", revoke_initial_token, "Revoke an initial access token", "registration", "InitialAccessTokenRevoked"),
)  # fmt: skip


# -- access ------------------------------------------------------------------


def actor_of(request, needed) -> str:
    """The actor the request's token speaks for, or a :class:`BearerRefusal`."""
    claims = check_bearer(request, scopes.audience(request), needed)
    subject, client_id = claims.get("sub"), claims.get("client_id")
    if subject and subject != client_id:
        user = request.plugins.user_by_subject(subject)
        if user is None or not is_admin(user):
            raise BearerRefusal(403, "insufficient_scope", "The signed-in person does not hold the admin role.")
        return person_actor(subject)
    return client_actor(client_id)


def challenge(refusal: BearerRefusal) -> str:
    value = 'Bearer realm="ostiary-admin"'
    if refusal.error:
        value += f', error="{refusal.error}", error_description="{refusal.description}"'
    if refusal.scope:
        value += f', scope="{refusal.scope}"'
    return value


def view_for(operation: Operation):
    def view(request):
        try:
            actor = actor_of(request, operation.scopes)
            return operation.handler(request, actor)
        except BearerRefusal as refusal:
            title = "Unauthorized" if refusal.status == 401 else "Forbidden"
            return problem(
                refusal.status, title, refusal.description, headers=[("WWW-Authenticate", challenge(refusal))]
            )
        except AdminError as exc:
            # Nothing of a refused change may be committed (pyramid_tm aborts a doomed transaction).
            request.tm.doom()
            return problem(exc.status, exc.title, exc.detail, field=exc.field)
        except Problem as exc:
            return problem(exc.status, exc.title, exc.detail, headers=exc.headers)

    view.__name__ = operation.name
    view.__doc__ = operation.summary
    return view


def unmatched(request):
    """A path under the prefix that no operation has: 404, or 405 (with
    ``Allow``) when the path exists for other methods."""
    mapper = request.registry.getUtility(IRoutesMapper)
    allowed = [
        op.method for op in OPERATIONS if mapper.get_route(f"admin_api_{op.name}").match(request.path_info) is not None
    ]
    if allowed:
        return problem(
            405,
            "Method not allowed",
            f"{request.method} is not defined here",
            headers=[("Allow", ", ".join(sorted(set(allowed))))],
        )
    return problem(404, "Not found", "no such operation in the admin API")


def openapi_view(request):
    from .openapi import document

    return answer(document(request))


def includeme(config):
    """The routes of the admin API, the OpenAPI document and the fallback."""
    config.add_route("admin_api_openapi", PREFIX + "/openapi.json", request_method=("GET", "HEAD"))
    config.add_view(openapi_view, route_name="admin_api_openapi", require_csrf=False)
    for op in OPERATIONS:
        name = f"admin_api_{op.name}"
        config.add_route(name, PREFIX + op.path, request_method=op.method)
        # Called by programs with a bearer token, not by our forms: no CSRF.
        config.add_view(view_for(op), route_name=name, require_csrf=False)
    config.add_route("admin_api_unmatched", PREFIX + "/*rest")
    config.add_view(unmatched, route_name="admin_api_unmatched", require_csrf=False)
