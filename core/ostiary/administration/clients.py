"""Clients: list, search, read, create, update every field, rotate the
secret, delete.

Every function takes the ``request`` (for the database and the plugins)
and an explicit ``actor`` when it changes something, returns plain data
(dicts, lists, strings: JSON as it is) and refuses with the errors of
:mod:`.errors`. The rules of a client themselves (redirect URIs, grant
types, auth methods) stay in :meth:`ostiary.models.clients.Client.validate`,
which the TOML loader uses too: one set of rules, one wording.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping

from ..models.clients import Client, ClientError
from ..protocol.sites import frontchannel_warning
from . import audit
from .errors import Conflict, NotFound, PreconditionFailed, ValidationError
from .paging import page

#: Every field an administrator may set, with the JSON type it takes:
#: ``str``, ``str?`` (a string or null), ``bool``, ``seconds?`` (a whole
#: number of at least 1, or null: the server default), ``whole?`` (a whole
#: number of at least 0, or null), ``list`` (of strings), ``list?`` (or
#: null: derived) and ``jwks?`` (a JWK Set object, or null). What a value
#: means is :meth:`Client.validate`'s to check, once, for every caller.
FIELDS = {
    "name": "str",
    "enabled": "bool",
    "token_endpoint_auth_method": "str",
    "application_type": "str",
    "jwks": "jwks?",
    "redirect_uris": "list",
    "post_logout_redirect_uris": "list",
    "grant_types": "list",
    "scopes": "list",
    "require_pkce": "bool",
    "require_consent": "bool",
    "first_party": "bool",
    "allow_remember_consent": "bool",
    "consent_lifetime": "seconds?",
    "always_include_user_claims_in_id_token": "bool",
    "access_token_lifetime": "seconds?",
    "id_token_lifetime": "seconds?",
    "refresh_token_lifetime": "seconds?",
    "frontchannel_logout_uri": "str?",
    "frontchannel_logout_session_required": "bool",
    "backchannel_logout_uri": "str?",
    "backchannel_logout_session_required": "bool",
    "logout_revokes_refresh_tokens": "bool",
    "identity_providers": "list",
    # browser applications and the OAuth toolbox (issue 15)
    "allowed_cors_origins": "list?",
    "require_dpop": "bool",
    "refresh_token_idle_lifetime": "whole?",
    "refresh_token_reuse_grace": "whole?",
    "subject_type": "str",
    "sector_identifier_uri": "str?",
    "require_pushed_authorization_requests": "bool",
    # multi-factor sign-in (issue 13)
    "require_mfa": "bool",
}

#: Longest client id: ids appear in URLs, logs and tokens.
MAX_CLIENT_ID = 200


def check_fields(fields) -> dict:
    """``fields`` with JSON types checked: a :class:`ValidationError` for an
    unknown field or a value of the wrong type; lists become tuples."""
    if not isinstance(fields, Mapping):
        raise ValidationError("expected an object of client fields")
    checked = {}
    for name, value in fields.items():
        kind = FIELDS.get(name)
        if kind is None:
            raise ValidationError(f"unknown client field {name!r}", name)
        optional = kind.endswith("?")
        if value is None and optional:
            checked[name] = None
            continue
        base = kind.rstrip("?")
        if base == "str" and not isinstance(value, str):
            raise ValidationError("expected a string", name)
        if base == "bool" and not isinstance(value, bool):
            raise ValidationError("expected true or false", name)
        if base == "seconds" and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValidationError("expected a whole number of seconds, at least 1", name)
        if base == "whole" and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValidationError("expected a whole number, at least 0", name)
        if base == "list":
            if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
                raise ValidationError("expected a list of strings", name)
            value = tuple(value)
        if base == "jwks" and not (isinstance(value, Mapping) and isinstance(value.get("keys"), list)):
            raise ValidationError('expected a JWK Set: {"keys": [...]}', name)
        checked[name] = value
    return checked


def check_client_id(client_id) -> str:
    """A usable client id, or a :class:`ValidationError`."""
    if not isinstance(client_id, str) or not client_id.strip():
        raise ValidationError("a client id is required", "client_id")
    if client_id != client_id.strip() or any(c.isspace() or not c.isprintable() for c in client_id):
        raise ValidationError("a client id has no white space or control characters", "client_id")
    if len(client_id) > MAX_CLIENT_ID:
        raise ValidationError(f"a client id has at most {MAX_CLIENT_ID} characters", "client_id")
    return client_id


def _plain(value):
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def as_data(client: Client, issuer: str | None = None) -> dict:
    """A client as JSON: every field of :data:`FIELDS`, its id, when it was
    created, how many secrets it has (never the secrets) and ``version``,
    the value an update's ``expected_version`` (an HTTP ``ETag``) compares.
    With ``issuer``, ``warnings`` too: what is legal but will not work as
    meant (a front-channel logout URI on another site than the issuer)."""
    data = {"client_id": client.client_id, "created_at": getattr(client, "created_at", None)}
    data.update({name: _plain(getattr(client, name)) for name in FIELDS})
    data["public"] = client.is_public
    data["secrets"] = len(client.secret_digests)
    data["version"] = version_of(data)
    if issuer is not None:
        warning = frontchannel_warning(issuer, client)
        data["warnings"] = [warning] if warning else []
    return data


def _issuer(request) -> str:
    return request.registry.ostiary_settings.issuer


def version_of(data: Mapping) -> str:
    """A digest of an object's data: it changes with every change."""
    body = json.dumps({k: v for k, v in data.items() if k != "version"}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()[:32]


def _find(request, client_id) -> Client:
    client = request.ostiary_root.clients.get(client_id) if isinstance(client_id, str) else None
    if client is None:
        raise NotFound(f"no client {client_id!r}")
    return client


def _refusal(exc: ClientError) -> ValidationError:
    return ValidationError(exc.reason, exc.field)


def list_clients(request, *, search: str | None = None, offset: int = 0, limit: int | None = None) -> dict:
    """Clients whose id or name contains ``search`` (any case), by id: a
    page of :func:`as_data` with ``total``, ``offset`` and ``limit``."""
    clients = list(request.ostiary_root.clients)
    if search:
        needle = search.casefold()
        clients = [c for c in clients if needle in c.client_id.casefold() or needle in (c.name or "").casefold()]
    return page([as_data(c) for c in clients], offset, limit)


def get_client(request, client_id: str) -> dict:
    """One client as :func:`as_data`, or :class:`NotFound`."""
    return as_data(_find(request, client_id), _issuer(request))


def create_client(request, actor: str, client_id: str, fields: Mapping, *, secret: str | None = None) -> dict:
    """Register a client; ``{"client": ..., "client_secret": ...}``.

    A confidential client (any auth method but ``none`` and
    ``private_key_jwt``) gets ``secret``, or a generated one that is shown
    here only: only its digest is stored.
    """
    check_client_id(client_id)
    checked = check_fields(fields)
    clients = request.ostiary_root.clients
    if clients.get(client_id) is not None:
        raise Conflict(f"client {client_id!r} exists already", "client_id")
    try:
        client = Client(client_id, **checked)
    except ClientError as exc:
        raise _refusal(exc) from None
    if secret is not None and client.token_endpoint_auth_method not in ("client_secret_basic", "client_secret_post"):
        raise ValidationError("only a client with a shared secret takes one", "client_secret")
    shown = None
    if client.token_endpoint_auth_method in ("client_secret_basic", "client_secret_post"):
        shown = secret or secrets.token_urlsafe(32)
        client.add_secret(shown)
    clients.add(client)
    audit.record(request, actor, "client", "created", client_id)
    return {"client": as_data(client, _issuer(request)), "client_secret": None if secret is not None else shown}


def update_client(request, actor: str, client_id: str, fields: Mapping, *, expected_version: str | None = None) -> dict:
    """Change some fields of a client (the others stay); the client as
    :func:`as_data`. With ``expected_version``, a client changed since the
    caller read it is refused with :class:`PreconditionFailed`."""
    client = _find(request, client_id)
    if expected_version is not None and expected_version != as_data(client)["version"]:
        raise PreconditionFailed(f"client {client_id!r} changed since it was read: read it again")
    checked = check_fields(fields)
    before = {name: getattr(client, name) for name in checked}
    try:
        client.update(**checked)
    except ClientError as exc:
        # Client.update set the fields before validating them: put them back.
        for name, value in before.items():
            setattr(client, name, value)
        raise _refusal(exc) from None
    audit.record(request, actor, "client", "updated", client_id, fields=" ".join(sorted(checked)))
    return as_data(client, _issuer(request))


def rotate_secret(request, actor: str, client_id: str, *, keep_old: bool = False) -> dict:
    """A new generated secret for a confidential client, shown only in the
    answer ``{"client": ..., "client_secret": ...}``. The old secrets stop
    working at once unless ``keep_old`` (a roll-over: both work until the
    next rotation without it)."""
    client = _find(request, client_id)
    if client.token_endpoint_auth_method not in ("client_secret_basic", "client_secret_post"):
        raise Conflict(f"client {client_id!r} authenticates without a shared secret")
    secret = secrets.token_urlsafe(32)
    if not keep_old:
        client.clear_secrets()
    client.add_secret(secret)
    audit.record(request, actor, "client", "secret_rotated", client_id, kept_old=keep_old)
    return {"client": as_data(client), "client_secret": secret}


def delete_client(request, actor: str, client_id: str) -> dict:
    """Remove a client, revoke its refresh tokens and forget the consents
    given to it: a client registered later under the same id inherits
    nothing. ``{"client_id": ..., "revoked": <token families>}``."""
    _find(request, client_id)
    root = request.ostiary_root
    root.clients.remove(client_id)
    revoked = root.grants.revoke_where(client_id=client_id)
    for consent in [c for c in root.grants.consents.values() if c.client_id == client_id]:
        root.grants.forget_consent(consent.subject, consent.client_id)
    audit.record(request, actor, "client", "deleted", client_id, revoked=revoked)
    return {"client_id": client_id, "revoked": revoked}
