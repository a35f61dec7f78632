"""The OpenAPI 3.1 document of the admin API, built from the operation
table of :mod:`.api` and the field tables of the service, so that what is
documented is what is routed and what is validated."""

from __future__ import annotations

from ..models.resources import KINDS
from . import clients, providers, resources
from .paging import MAX_LIMIT

STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
INTEGER = {"type": "integer"}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
BOOLEAN = {"type": "boolean"}
STRINGS = {"type": "array", "items": STRING}

#: The JSON Schema of each kind of field in the service's field tables.
FIELD_KINDS = {
    "str": STRING,
    "str?": NULLABLE_STRING,
    "bool": BOOLEAN,
    "seconds?": {"type": ["integer", "null"], "minimum": 1},
    "whole?": {"type": ["integer", "null"], "minimum": 0},
    "list": STRINGS,
    "list?": {"type": ["array", "null"], "items": STRING},
    "jwks?": {
        "type": ["object", "null"],
        "required": ["keys"],
        "properties": {"keys": {"type": "array", "items": {"type": "object"}}},
    },
}


def _fields(table: dict) -> dict:
    return {name: FIELD_KINDS[kind] for name, kind in table.items()}


def _object(properties: dict, required=(), extra: bool = True) -> dict:
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if not extra:
        schema["additionalProperties"] = False
    return schema


def _page(item: str) -> dict:
    return _object(
        {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            "total": INTEGER,
            "offset": INTEGER,
            "limit": INTEGER,
        },
        ("items", "total", "offset", "limit"),
    )


CLIENT = _object(
    {
        "client_id": STRING,
        "created_at": NULLABLE_INTEGER,
        **_fields(clients.FIELDS),
        "public": BOOLEAN,
        "secrets": INTEGER,
        "version": STRING,
        "warnings": STRINGS,
    },
    ("client_id", "version", "redirect_uris", "grant_types", "scopes"),
)
RESOURCE = _object({"name": STRING, **_fields(resources.FIELDS), "version": STRING}, ("name", "kind", "version"))
USER = _object(
    {
        "subject": STRING,
        "username": STRING,
        "email": NULLABLE_STRING,
        "active": BOOLEAN,
        "locked_until": NULLABLE_INTEGER,
        "claims": {"type": "object"},
    },
    ("subject", "username", "active"),
)
SESSION = _object(
    {
        "sid": STRING,
        "subject": STRING,
        "auth_time": INTEGER,
        "expires_at": INTEGER,
        "amr": STRINGS,
        "idp": NULLABLE_STRING,
        "clients": STRINGS,
    },
    ("sid", "subject"),
)
KEY = _object(
    {
        "kid": STRING,
        "alg": STRING,
        "created_at": INTEGER,
        "activates_at": INTEGER,
        "retired_at": NULLABLE_INTEGER,
        "publish_until": NULLABLE_INTEGER,
        "state": STRING,
    },
    ("kid", "alg", "state"),
)

#: A provider's settings as the ini file spells them (strings; true/false
#: for the flags; null removes a setting on an update).
PROVIDER_SETTINGS = _object(
    {
        **{name: {"type": ["string", "boolean", "null"]} for name in providers.SETTINGS},
        "claims": {"type": "object", "additionalProperties": STRING},
    },
    extra=False,
)

SCHEMAS = {
    "Problem": _object(
        {"type": STRING, "title": STRING, "status": INTEGER, "detail": STRING, "field": STRING},
        ("title", "status", "detail"),
    ),
    "Client": CLIENT,
    "ClientPage": _page("Client"),
    "ClientFields": _object(_fields(clients.FIELDS), extra=False),
    "NewClient": _object(
        {"client_id": STRING, "client_secret": NULLABLE_STRING, **_fields(clients.FIELDS)}, ("client_id",), extra=False
    ),
    "ClientWithSecret": _object(
        {"client": {"$ref": "#/components/schemas/Client"}, "client_secret": NULLABLE_STRING}, ("client",)
    ),
    "ClientDeleted": _object({"client_id": STRING, "revoked": INTEGER}, ("client_id", "revoked")),
    "SecretRotation": _object({"keep_old": {"type": ["boolean", "null"]}}, extra=False),
    "Resource": RESOURCE,
    "ResourcePage": _page("Resource"),
    "ResourceFields": _object(_fields(resources.FIELDS), extra=False),
    "NewResource": _object({"name": STRING, **_fields(resources.FIELDS)}, ("name",), extra=False),
    "Named": _object({"name": STRING}, ("name",)),
    "User": USER,
    "UserPage": _page("User"),
    "UserDetail": {
        "allOf": [
            {"$ref": "#/components/schemas/User"},
            _object(
                {
                    "factors": {"type": "array", "items": STRING},
                    "sessions": {"type": "array", "items": {"$ref": "#/components/schemas/Session"}},
                    "links": {"type": "array", "items": {"type": "object"}},
                },
                ("factors", "sessions", "links"),
            ),
        ]
    },
    "NewUser": _object(
        {
            "username": STRING,
            "email": NULLABLE_STRING,
            "password": NULLABLE_STRING,
            "claims": {"type": ["object", "null"]},
        },
        ("username",),
        extra=False,
    ),
    "UserRemoved": _object({"subject": STRING, "username": STRING, "ended": INTEGER}, ("subject",)),
    "FactorsReset": _object(
        {
            "subject": STRING,
            "username": STRING,
            "reset": {"type": "array", "items": STRING},
            "kept": {"type": "array", "items": STRING},
        },
        ("subject", "reset", "kept"),
    ),
    "Address": _object({"address": STRING}, ("address",)),
    "Password": _object({"password": STRING}, ("password",), extra=False),
    "Session": SESSION,
    "SessionPage": _page("Session"),
    "Ended": _object({"ended": INTEGER}, ("ended",)),
    "Delivery": _object(
        {
            "id": STRING,
            "client_id": STRING,
            "state": {"type": "string", "enum": ["pending", "delivered", "refused", "expired"]},
            "attempts": INTEGER,
            "last_result": NULLABLE_STRING,
            "created_at": INTEGER,
            "next_attempt_at": NULLABLE_INTEGER,
            "finished_at": NULLABLE_INTEGER,
        },
        ("id", "client_id", "state", "attempts"),
    ),
    "DeliveryPage": _object(
        {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Delivery"}},
            "total": INTEGER,
            "offset": INTEGER,
            "limit": INTEGER,
            "counts": {"type": "object", "additionalProperties": INTEGER},
            "frames": {"type": "array", "items": {"$ref": "#/components/schemas/FrameReceipts"}},
        },
        ("items", "total", "counts", "frames"),
    ),
    # per client: what the signed-out pages reported of its front-channel frames
    "FrameReceipts": _object(
        {
            "client_id": STRING,
            "loaded": INTEGER,
            "blocked": INTEGER,
            "unconfirmed": INTEGER,
            "not_reported": INTEGER,
            "last_ended_at": INTEGER,
        },
        ("client_id", "loaded", "blocked", "unconfirmed", "not_reported", "last_ended_at"),
    ),
    "ConsentPage": _page("Consent"),
    "Consent": _object(
        {
            "subject": STRING,
            "client_id": STRING,
            "scopes": STRINGS,
            "created_at": NULLABLE_INTEGER,
            "expires_at": NULLABLE_INTEGER,
        },
        ("subject", "client_id", "scopes"),
    ),
    "ConsentRevoked": _object({"subject": STRING, "client_id": STRING, "revoked": INTEGER}, ("revoked",)),
    "Key": KEY,
    "KeyList": _object(
        {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Key"}},
            "key_lifetime": INTEGER,
            "next_rotation_due": NULLABLE_INTEGER,
        },
        ("items",),
    ),
    "KeyPage": _object({"items": {"type": "array", "items": {"$ref": "#/components/schemas/Key"}}}, ("items",)),
    "Rotation": _object({"announce": {"type": ["integer", "null"], "minimum": 0}}, extra=False),
    "Provider": _object(
        {"name": STRING, "kind": STRING, "source": STRING, "has_client_secret": BOOLEAN, "version": STRING},
        ("name", "kind", "version"),
    ),
    "ProviderSettings": PROVIDER_SETTINGS,
    "NewProvider": _object({"name": STRING, **PROVIDER_SETTINGS["properties"]}, ("name",), extra=False),
    "ProviderList": _object(
        {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Provider"}}, "total": INTEGER}, ("items",)
    ),
    "AuditPage": _object(
        {"items": {"type": "array", "items": {"$ref": "#/components/schemas/AuditRecord"}}}, ("items",)
    ),
    "AuditRecord": _object(
        {
            "time": {"type": "number"},
            "type": STRING,
            "subject": NULLABLE_STRING,
            "client_id": NULLABLE_STRING,
            "address": NULLABLE_STRING,
            "user_agent": NULLABLE_STRING,
            "result": NULLABLE_STRING,
            "reason": NULLABLE_STRING,
            "details": {"type": "object"},
        },
        ("time", "type"),
    ),
    "ErrorRecord": _object(
        {
            "error_id": STRING,
            "error": STRING,
            "description": NULLABLE_STRING,
            "client_id": NULLABLE_STRING,
            "redirect_uri": NULLABLE_STRING,
            "request_id": NULLABLE_STRING,
            "created_at": INTEGER,
            "expires_at": INTEGER,
        },
        ("error_id", "error"),
    ),
}

# -- dynamic client registration (dcr branch): initial access tokens -----------
_TOKEN_NUMBER = {"type": ["integer", "null"], "minimum": 1}
SCHEMAS.update(
    {
        "InitialAccessToken": _object(
            {
                "id": STRING,
                "uses": INTEGER,
                "uses_left": NULLABLE_INTEGER,
                "expires_at": NULLABLE_INTEGER,
                "created_at": INTEGER,
                "created_by": STRING,
                "last_used_at": NULLABLE_INTEGER,
            },
            ("id", "uses", "uses_left", "expires_at", "created_at", "created_by"),
        ),
        "InitialAccessTokenList": _object(
            {"items": {"type": "array", "items": {"$ref": "#/components/schemas/InitialAccessToken"}}}, ("items",)
        ),
        "NewInitialAccessToken": _object(
            {
                "uses": {**_TOKEN_NUMBER, "maximum": 1_000_000},
                "lifetime": {**_TOKEN_NUMBER, "maximum": 10 * 365 * 86400},
            },
            extra=False,
        ),
        "InitialAccessTokenWithValue": _object(
            {"token": {"$ref": "#/components/schemas/InitialAccessToken"}, "value": STRING}, ("token", "value")
        ),
        "InitialAccessTokenRevoked": _object({"id": STRING}, ("id",)),
    }
)

QUERY = {
    "search": {"type": "string", "description": "keep the items whose id, name or email contains this, any case"},
    "offset": {"type": "integer", "minimum": 0, "maximum": 999999999, "description": "items to skip"},
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "description": "items per page"},
    "kind": {"type": "string", "enum": list(KINDS)},
    "subject": {"type": "string"},
    "type": {"type": "array", "items": {"type": "string"}, "description": "event types (repeatable)"},
    "since": {"type": "integer", "minimum": 0, "maximum": 999999999, "description": "epoch seconds, inclusive"},
    "until": {"type": "integer", "minimum": 0, "maximum": 999999999, "description": "epoch seconds, inclusive"},
    "audit_limit": {"type": "integer", "minimum": 1, "maximum": 1000, "description": "records at most"},
    "client_id": {"type": "string"},
    "state": {"type": "string", "enum": ["pending", "delivered", "refused", "expired"]},
}


def _problem(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _operation(op) -> dict:
    from .api import WRITE

    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in _placeholders(op.path)
    ]
    parameters += [
        {"name": name.removeprefix("audit_"), "in": "query", "required": False, "schema": QUERY[name]}
        for name in op.query
    ]
    responses = {
        str(op.status): {
            "description": op.summary,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{op.response}"}}},
        },
        "400": _problem("Bad request: the body is not JSON"),
        "401": _problem("No valid access token (WWW-Authenticate says why)"),
        "403": _problem("The token lacks the scope, or the person the admin role"),
        "404": _problem("No such object"),
        "405": _problem("Method not allowed"),
        "409": _problem("The object exists already, or the user store cannot do this"),
        "415": _problem("The body is not application/json"),
        "422": _problem("Invalid input (field names the member)"),
    }
    if op.etag:
        responses[str(op.status)]["headers"] = {"ETag": {"schema": {"type": "string"}}}
    operation = {
        "operationId": op.name,
        "summary": op.summary,
        "tags": [op.tag],
        "security": [{"bearer": []}],
        "x-required-scopes": list(op.scopes),
        "responses": responses,
    }
    if op.method == "PATCH":
        parameters.append({"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"}})
        responses["412"] = _problem("The object changed since the ETag was read")
        responses["428"] = _problem("If-Match is required")
    if op.request:
        operation["requestBody"] = {
            "required": op.method == "PATCH" or op.status == 201 and op.request.startswith("New"),
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{op.request}"}}},
        }
    if parameters:
        operation["parameters"] = parameters
    operation["description"] = (
        "Needs " + (" or ".join(f"`{s}`" for s in op.scopes)) + (" (changes data)." if op.scopes == WRITE else ".")
    )
    return operation


def _placeholders(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def document(request) -> dict:
    """The OpenAPI 3.1 document, with the server URL of this issuer."""
    from .api import OPERATIONS
    from .scopes import audience

    paths: dict = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    issuer = request.registry.ostiary_settings.issuer.rstrip("/")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ostiary admin API",
            "version": "1",
            "description": "Manage clients, resources, users, sessions, consents, keys and providers. "
            "See docs/administration.md.",
        },
        "servers": [{"url": audience(request)}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {
                    "type": "oauth2",
                    "description": "An access token of this server with ostiary:admin or ostiary:admin.read",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": issuer + "/connect/token",
                            "scopes": {"ostiary:admin": "read and change", "ostiary:admin.read": "read only"},
                        }
                    },
                }
            },
        },
    }
