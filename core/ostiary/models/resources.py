"""Identity resources and API scopes: what a client may ask for.

An identity resource (``openid``, ``profile``, ...) names a set of user
claims; an API scope names access to an API and may carry user claims into
the access token and an audience (``aud``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from BTrees.OOBTree import OOBTree
from persistent import Persistent

KINDS = ("identity", "api", "offline")


def N_(text: str) -> str:
    """Marks text for the translation catalog (the ``ostiary`` domain); the
    pages translate these display names when they show them."""
    return text


#: OpenID Connect Core 1.0, section 5.4: the standard scopes and their claims.
STANDARD_IDENTITY_RESOURCES = {
    "openid": (N_("Your user identifier"), ("sub",), True),
    "profile": (
        N_("Your profile (name, nickname, picture, ...)"),
        (
            "name",
            "family_name",
            "given_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
        ),
        False,
    ),
    "email": (N_("Your email address"), ("email", "email_verified"), False),
    "address": (N_("Your postal address"), ("address",), False),
    "phone": (N_("Your phone number"), ("phone_number", "phone_number_verified"), False),
}


class Resource(Persistent):
    """One scope value a client may request.

    ``resource_uri`` (API scopes only) names the API the scope belongs to as
    an absolute URI: a client asks for a token for that API with the
    ``resource`` parameter (RFC 8707), and such a token's ``aud`` is that
    URI alone. Several scopes of one API share it.
    """

    resource_uri = None  # class default: resources stored before RFC 8707 support

    def __init__(
        self,
        name,
        kind="api",
        display_name=None,
        description="",
        claims=(),
        required=False,
        emphasize=False,
        audience=None,
        resource_uri=None,
    ):
        if kind not in KINDS:
            raise ValueError(f"resource kind must be one of {', '.join(KINDS)}")
        if not name or " " in name:
            raise ValueError("a scope name is one word")
        self.name = name
        self.kind = kind
        self.display_name = display_name or name
        self.description = description
        self.claims = tuple(claims)
        self.required = required
        self.emphasize = emphasize
        self.audience = audience
        if resource_uri is not None:
            if kind != "api":
                raise ValueError("only an API scope has a resource_uri")
            problem = resource_uri_problem(resource_uri)
            if problem:
                raise ValueError(f"resource_uri: {problem}")
        self.resource_uri = resource_uri


def resource_uri_problem(uri) -> str | None:
    """What keeps ``uri`` from being a resource indicator, or None: RFC 8707,
    section 2, wants an absolute URI without a fragment."""
    if not isinstance(uri, str) or not uri:
        return "expected an absolute URI"
    parts = urlsplit(uri)
    if not parts.scheme or (parts.scheme in ("http", "https") and not parts.netloc):
        return f"{uri!r} is not an absolute URI"
    if "#" in uri or any(c.isspace() for c in uri):
        return f"{uri!r} has a fragment or white space"
    return None


def standard_resources() -> list[Resource]:
    """The identity resources of OpenID Connect Core plus ``offline_access``."""
    made = [
        Resource(name, "identity", display, claims=claims, required=required)
        for name, (display, claims, required) in STANDARD_IDENTITY_RESOURCES.items()
    ]
    made.append(
        Resource(
            "offline_access",
            "offline",
            N_("Offline access"),
            N_("Stay signed in to the application when you are away"),
            emphasize=True,
        )
    )
    return made


class ResourceRegistry(Persistent):
    """All resources, keyed by scope name."""

    def __init__(self):
        self.items = OOBTree()

    def put(self, resource: Resource) -> Resource:
        self.items[resource.name] = resource
        return resource

    def get(self, name):
        return self.items.get(name)

    def remove(self, name) -> None:
        del self.items[name]

    def __iter__(self):
        return iter(self.items.values())
