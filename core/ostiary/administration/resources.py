"""Identity resources and API scopes: list, read, create, update, delete.

A resource's rules (its kind, a one-word name) stay in
:class:`ostiary.models.resources.Resource`, as for the TOML loader.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..models.resources import KINDS, Resource
from . import audit
from .clients import version_of
from .errors import Conflict, NotFound, PreconditionFailed, ValidationError
from .paging import page

#: The fields of a resource and their JSON types (as in :data:`.clients.FIELDS`).
FIELDS = {
    "kind": "str",
    "display_name": "str",
    "description": "str",
    "claims": "list",
    "required": "bool",
    "emphasize": "bool",
    "audience": "str?",
}


def as_data(resource) -> dict:
    data = {"name": resource.name}
    data.update({name: getattr(resource, name) for name in FIELDS})
    data["claims"] = list(data["claims"])
    data["version"] = version_of(data)
    return data


def check_fields(fields) -> dict:
    if not isinstance(fields, Mapping):
        raise ValidationError("expected an object of resource fields")
    checked = {}
    for name, value in fields.items():
        kind = FIELDS.get(name)
        if kind is None:
            raise ValidationError(f"unknown resource field {name!r}", name)
        if value is None and kind.endswith("?"):
            checked[name] = None
        elif kind.startswith("str") and not isinstance(value, str):
            raise ValidationError("expected a string", name)
        elif kind == "bool" and not isinstance(value, bool):
            raise ValidationError("expected true or false", name)
        elif kind == "list" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ValidationError("expected a list of strings", name)
        else:
            checked[name] = tuple(value) if kind == "list" else value
    return checked


def _find(request, name):
    resource = request.ostiary_root.resources.get(name) if isinstance(name, str) else None
    if resource is None:
        raise NotFound(f"no resource {name!r}")
    return resource


def list_resources(request, *, search=None, kind=None, offset: int = 0, limit: int | None = None) -> dict:
    if kind is not None and kind not in KINDS:
        raise ValidationError(f"expected one of {', '.join(KINDS)}", "kind")
    items = sorted(request.ostiary_root.resources, key=lambda r: r.name)
    if kind:
        items = [r for r in items if r.kind == kind]
    if search:
        needle = search.casefold()
        items = [r for r in items if needle in r.name.casefold() or needle in (r.display_name or "").casefold()]
    return page([as_data(r) for r in items], offset, limit)


def get_resource(request, name: str) -> dict:
    return as_data(_find(request, name))


def _build(name, fields) -> Resource:
    try:
        return Resource(name, **fields)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def create_resource(request, actor: str, name, fields: Mapping) -> dict:
    if not isinstance(name, str) or not name:
        raise ValidationError("a scope name is required", "name")
    checked = check_fields(fields)
    registry = request.ostiary_root.resources
    if registry.get(name) is not None:
        raise Conflict(f"resource {name!r} exists already", "name")
    resource = registry.put(_build(name, checked))
    audit.record(request, actor, "resource", "created", name)
    return as_data(resource)


def update_resource(request, actor: str, name: str, fields: Mapping, *, expected_version=None) -> dict:
    current = as_data(_find(request, name))
    if expected_version is not None and expected_version != current["version"]:
        raise PreconditionFailed(f"resource {name!r} changed since it was read: read it again")
    merged = {k: v for k, v in current.items() if k in FIELDS}
    merged.update(check_fields(fields))
    resource = request.ostiary_root.resources.put(_build(name, merged))
    audit.record(request, actor, "resource", "updated", name, fields=" ".join(sorted(fields)))
    return as_data(resource)


def delete_resource(request, actor: str, name: str) -> dict:
    _find(request, name)
    request.ostiary_root.resources.remove(name)
    audit.record(request, actor, "resource", "deleted", name)
    return {"name": name}
