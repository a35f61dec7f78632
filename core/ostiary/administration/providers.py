"""External identity providers: list and read what the ini file and the
database configure (never a client secret); create, change and remove the
providers of the database.

A provider of the ini file wins over one of the same name in the database
and cannot be changed here (:class:`Conflict`): the ini file is the
operator's. A database provider is kept as the ini file would spell it
(``issuer``, ``claims.email``, ... as strings) and checked by the same
parser as the ini file, :func:`ostiary.settings.parse_provider`: one set
of rules, one wording for every caller.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..federation.providers import configured
from ..settings import PROVIDER_SETTINGS, SettingsError, check_provider_name, parse_provider
from . import audit
from .clients import version_of
from .errors import Conflict, NotFound, PreconditionFailed, ValidationError

#: What of a provider an administrator sees; the rest is its secret.
SHOWN = (
    "name",
    "kind",
    "source",
    "display_name",
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "end_session_endpoint",
    "client_id",
    "token_endpoint_auth_method",
    "scopes",
    "subject_claim",
    "provisioning",
    "link_by_verified_email",
    "end_upstream_session",
    "forward_prompt",
    "backchannel_logout",
    "trust_amr",
    "icon",
)

#: The settings an administrator may give, by their ini names.
SETTINGS = tuple(s.name for s in PROVIDER_SETTINGS)


def as_data(provider, stored_version: str | None = None) -> dict:
    """What an administrator sees of ``provider``. Its ``version`` is the
    one stored at its last write, else (an ini provider, or one stored
    before versions were kept) a digest of what is shown: never of the
    client secret, which a reader could otherwise test guesses against."""
    data = {name: getattr(provider, name, None) for name in SHOWN}
    data["scopes"] = list(data["scopes"] or ())
    data["claims"] = dict(provider.claims)
    data["has_client_secret"] = bool(getattr(provider, "client_secret", None))
    data["version"] = stored_version or version_of(data)
    return data


def _shown(request, provider) -> dict:
    stored = request.ostiary_root.federation.provider_version(provider.name) if provider.source == "database" else None
    return as_data(provider, stored)


def list_providers(request) -> dict:
    items = [_shown(request, p) for p in configured(request).values()]
    return {"items": items, "total": len(items)}


def get_provider(request, name: str) -> dict:
    provider = configured(request).get(name or "") if isinstance(name, str) else None
    if provider is None:
        raise NotFound(f"no provider {name!r}")
    return _shown(request, provider)


def _forget_cache(request) -> None:
    vars(request).pop("_ostiary_providers", None)


def _in_ini(request, name: str) -> bool:
    return any(p.name == name for p in request.registry.ostiary_settings.providers)


def check_settings(settings) -> dict:
    """``settings`` as the ini file spells them: a :class:`ValidationError`
    for an unknown setting or a value that is not a string, true/false or
    null (null: remove the setting on an update). ``claims`` is an object
    of local claim names to upstream ones."""
    if not isinstance(settings, Mapping):
        raise ValidationError("expected an object of provider settings")
    raw: dict = {}
    for key, value in settings.items():
        if key == "claims":
            if not isinstance(value, Mapping) or not all(
                isinstance(k, str) and k.strip() and isinstance(v, str) for k, v in value.items()
            ):
                raise ValidationError("expected an object of local claim names to upstream claim names", key)
            for local, upstream in value.items():
                raw[f"claims.{local.strip()}"] = upstream.strip()
            continue
        if key not in SETTINGS:
            raise ValidationError(f"unknown provider setting {key!r}", key)
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list) and key == "scopes" and all(isinstance(v, str) for v in value):
            value = " ".join(value)
        elif value is not None and not isinstance(value, str):
            raise ValidationError("expected a string, true or false", key)
        raw[key] = value
    return raw


def _parsed(name: str, raw: dict):
    try:
        return parse_provider(name, raw, source="database", prefix="")
    except SettingsError as exc:
        field, sep, detail = str(exc).partition(": ")
        # "issuer: required ..." or, for a bad value, "issuer = 'x': expected ..."
        field = field.partition(" = ")[0]
        if sep and (field in SETTINGS or field.startswith("claims.")):
            raise ValidationError(detail, "claims" if field.startswith("claims.") else field) from None
        raise ValidationError(str(exc)) from None


def create_provider(request, actor: str, name, settings: Mapping) -> dict:
    """Add a database provider named ``name``; the provider as :func:`as_data`."""
    if not isinstance(name, str):
        raise ValidationError("a provider name is required", "name")
    try:
        check_provider_name(name)
    except SettingsError as exc:
        raise ValidationError(str(exc), "name") from None
    if _in_ini(request, name):
        raise Conflict(f"provider {name!r} is set in the ini file; change it there", "name")
    if name in request.ostiary_root.federation.providers:
        raise Conflict(f"provider {name!r} exists already", "name")
    raw = {k: v for k, v in check_settings(settings).items() if v is not None}
    provider = _parsed(name, raw)
    version = request.ostiary_root.federation.put_provider(name, raw)
    _forget_cache(request)
    audit.record(request, actor, "provider", "created", name)
    return as_data(provider, version)


def _stored(request, name) -> dict:
    if isinstance(name, str) and _in_ini(request, name):
        raise Conflict(f"provider {name!r} is set in the ini file; change it there")
    store = request.ostiary_root.federation.providers
    if not isinstance(name, str) or name not in store:
        raise NotFound(f"no provider {name!r} in the database")
    return dict(store[name])


def update_provider(request, actor: str, name, settings: Mapping, *, expected_version: str | None = None) -> dict:
    """Change some settings of a database provider (null removes one; a
    given ``claims`` replaces the mapping); the provider as :func:`as_data`.
    With ``expected_version``, a provider changed since it was read is
    refused with :class:`PreconditionFailed`."""
    raw = _stored(request, name)
    federation = request.ostiary_root.federation
    current = federation.provider_version(name) or as_data(_parsed(name, raw))["version"]
    if expected_version is not None and expected_version != current:
        raise PreconditionFailed(f"provider {name!r} changed since it was read: read it again")
    changes = check_settings(settings)
    if "claims" in settings:
        raw = {k: v for k, v in raw.items() if not k.startswith("claims.")}
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    provider = _parsed(name, raw)
    version = federation.put_provider(name, raw)
    _forget_cache(request)
    audit.record(request, actor, "provider", "updated", name, fields=" ".join(sorted(settings)))
    return as_data(provider, version)


def delete_provider(request, actor: str, name) -> dict:
    """Remove a database provider (the logins linked through it are kept,
    to work again if it is added back); ``{"name": ...}``."""
    _stored(request, name)
    request.ostiary_root.federation.remove_provider(name)
    _forget_cache(request)
    audit.record(request, actor, "provider", "deleted", name)
    return {"name": name}
