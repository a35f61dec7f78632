"""From granted scopes to claims: the resource store says which claim types
each scope carries, the profile service supplies the values."""

from __future__ import annotations

from ..hookspecs import Caller

#: Claims that belong to the protocol, never to a profile service.
PROTOCOL_CLAIMS = frozenset({
    "at_hash", "aud", "acr", "amr", "auth_time", "azp", "c_hash", "client_id", "cnf", "exp",
    "iat", "idp", "iss", "jti", "nbf", "nonce", "scope", "sid", "sub", "typ", "events",
})


def resources_by_name(request) -> dict:
    """All resources from the resource-store hooks; later plugins win on a name.

    Cached on the request (not in the environ, which a retried attempt shares)."""
    cached = getattr(request, "_ostiary_resources", None)
    if cached is None:
        cached = {}
        for batch in reversed(request.hooks.ostiary_resources(request=request)):
            for resource in batch or ():
                cached[resource.name] = resource
        request._ostiary_resources = cached
    return cached


def split_scope(scope: str | None) -> list[str]:
    return (scope or "").split()


def requested_claim_types(request, scope: str | None, kinds: tuple[str, ...]) -> set[str]:
    """The claim types carried by the resources of ``kinds`` named in ``scope``."""
    resources = resources_by_name(request)
    wanted: set[str] = set()
    for name in split_scope(scope):
        resource = resources.get(name)
        if resource is not None and resource.kind in kinds:
            wanted.update(resource.claims)
    wanted.discard("sub")
    return wanted


def audiences(request, scope: str | None) -> list[str]:
    """The ``aud`` values of the API scopes in ``scope``."""
    resources = resources_by_name(request)
    found = {
        resources[name].audience
        for name in split_scope(scope)
        if name in resources and resources[name].kind == "api" and resources[name].audience
    }
    return sorted(found)


def profile_claims(request, subject: str, client, requested: set[str], caller: str) -> dict:
    """Ask every profile-service plugin; merge with later plugins winning."""
    if not requested and caller != Caller.ID_TOKEN:
        return {}
    merged: dict = {}
    results = request.hooks.ostiary_profile_claims(
        request=request, subject=subject, client=client, requested_claims=frozenset(requested), caller=caller
    )
    # pluggy returns the last registered plugin's result first.
    for result in reversed(results):
        merged.update(result or {})
    return {k: v for k, v in merged.items() if k not in PROTOCOL_CLAIMS}


def is_active(request, subject: str, client, caller: str) -> bool:
    """Whether every plugin lets ``subject`` act now."""
    answers = request.hooks.ostiary_is_active(request=request, subject=subject, client=client, caller=caller)
    return all(answer is not False for answer in answers)
