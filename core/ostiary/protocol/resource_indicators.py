"""Resource indicators (RFC 8707): access tokens for one API at a time.

An API scope may name the API it belongs to with a ``resource_uri``. A
client names the APIs it wants tokens for with ``resource`` at the
authorization endpoint (any number of them; they are remembered with the
code and the grant's refresh tokens), and one of them at the token endpoint.
A token issued for a resource is audience-restricted: its ``aud`` is that
URI alone and its scope keeps, of the API scopes, only those of that API, so
that a token leaked by one API is worth nothing at another.

Without ``resource`` nothing changes: a token's audiences are those of all
its API scopes, as before. An unknown resource, or one the client may not
ask for, is ``invalid_target`` (RFC 8707, section 2).
"""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error

from ..models.resources import resource_uri_problem
from . import claims as claimlib

PARAMETER = "resource"


class InvalidTargetError(OAuth2Error):
    """RFC 8707, section 2: the resource is invalid, unknown, or not for this client."""

    error = "invalid_target"


def requested(payload) -> list[str]:
    """The ``resource`` values of a request, in order, without repeats.

    A request object (RFC 9101) may carry them as a JSON array."""
    values = []
    for value in payload.datalist.get(PARAMETER, []):
        values.extend(value if isinstance(value, list) else [value])
    return list(dict.fromkeys(values))


def scopes_of(resources: dict, uri: str) -> set[str]:
    """The API scopes that belong to the resource ``uri``."""
    return {
        name
        for name, resource in resources.items()
        if resource.kind == "api" and getattr(resource, "resource_uri", None) == uri
    }


def check(request, client, scope: str | None, values: list[str]) -> tuple[str, ...]:
    """Refuse, with ``invalid_target``, a resource that is no absolute URI,
    that no API scope names, or none of whose scopes the request (or grant)
    ``scope`` contains and the client may use. Return the resources."""
    resources = request.plugins.resources()
    wanted = set(claimlib.split_scope(scope))
    for uri in values:
        if not isinstance(uri, str) or resource_uri_problem(uri):
            raise InvalidTargetError("A resource must be an absolute URI without a fragment.")
        own = scopes_of(resources, uri) & set(client.scopes)
        if not own:
            raise InvalidTargetError("The resource is unknown or not available to this client.")
        if not own & wanted:
            raise InvalidTargetError("No requested scope is for this resource.")
    return tuple(values)


def check_authorization_request(request, client, payload) -> tuple[str, ...]:
    """The resources of an authorization request, checked (see :func:`check`)."""
    return check(request, client, payload.data.get("scope"), requested(payload))


def select_target(grant, scope: str | None, granted: tuple | None) -> None:
    """Pick the one resource a token request names, if any, and keep it on
    the (per-request) server for the token issuer.

    ``granted`` is what the authorization request named (empty: no limit,
    for client_credentials, or a grant that named none).
    One resource per token request: a token has one audience here.
    """
    values = requested(grant.request.payload)
    if not values:
        return
    if len(values) > 1:
        raise InvalidTargetError("Name one resource per token request.")
    (uri,) = values
    if granted and uri not in granted:
        raise InvalidTargetError("The resource was not part of the authorization.")
    check(grant.server.request, grant.request.client, scope, values)
    grant.server.resource_target = uri


def token_audience(server, scope: str | None, client) -> tuple[str | None, list[str]]:
    """The scope and ``aud`` of an access token: restricted to the token
    request's resource when it named one, else all the scope's audiences."""
    target = getattr(server, "resource_target", None)
    if target is None:
        return scope, claimlib.audiences(server.request, scope) or [client.client_id]
    resources = server.request.plugins.resources()
    own = scopes_of(resources, target)
    kept = [
        name
        for name in claimlib.split_scope(scope)
        if name in own or name not in resources or resources[name].kind != "api"
    ]
    return " ".join(kept) or None, [target]
