"""From granted scopes to claims: the resource store says which claim types
each scope carries, the profile service supplies the values."""

from __future__ import annotations

#: The standard claims of OpenID Connect Core 1.0, section 5.1, in its
#: order: discovery advertises them, external login copies them from an
#: upstream provider. Defined once so that the two lists cannot differ.
STANDARD_CLAIMS = (
    "sub",
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
)


def split_scope(scope: str | None) -> list[str]:
    return (scope or "").split()


def requested_claim_types(request, scope: str | None, kinds: tuple[str, ...]) -> set[str]:
    """The claim types carried by the resources of ``kinds`` named in ``scope``."""
    resources = request.plugins.resources()
    wanted: set[str] = set()
    for name in split_scope(scope):
        resource = resources.get(name)
        if resource is not None and resource.kind in kinds:
            wanted.update(resource.claims)
    wanted.discard("sub")
    return wanted


def audiences(request, scope: str | None) -> list[str]:
    """The ``aud`` values of the API scopes in ``scope``: each one's
    ``audience``, or else its resource URI (RFC 8707), which names the API too."""
    resources = request.plugins.resources()
    found = set()
    for name in split_scope(scope):
        resource = resources.get(name)
        if resource is not None and resource.kind == "api":
            value = resource.audience or getattr(resource, "resource_uri", None)
            if value:
                found.add(value)
    return sorted(found)
