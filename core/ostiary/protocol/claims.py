"""From granted scopes to claims: the resource store says which claim types
each scope carries, the profile service supplies the values."""

from __future__ import annotations

#: The standard claims of OpenID Connect Core 1.0, section 5.1, in its
#: order: discovery advertises them, external login copies them from an
#: upstream provider. Defined once so that the two lists cannot differ.
STANDARD_CLAIMS = (
    "sub", "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
    "profile", "picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo",
    "locale", "phone_number", "phone_number_verified", "address", "updated_at",
)


def resources_by_name(request) -> dict:
    """All resources from the resource-store hooks; later plugins win on a name."""
    return request.plugins.resources()


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
    return request.plugins.profile_claims(subject, client, requested, caller)


def is_active(request, subject: str, client, caller: str) -> bool:
    """Whether every plugin lets ``subject`` act now."""
    return request.plugins.is_active(subject, client, caller)
