"""A user's claims, as Duende IdentityServer's ASP.NET Identity integration
builds them: the ``AspNetUsers`` row, the user's ``AspNetUserClaims``, the
names of the user's roles as ``role`` claims and the ``AspNetRoleClaims``
of those roles.

From the row: ``preferred_username`` (UserName), ``name`` (UserName unless
a ``name`` claim is stored), ``email`` and ``email_verified``,
``phone_number`` and ``phone_number_verified``. Stored claim types written
with .NET's ``ClaimTypes`` URIs are mapped to their OpenID Connect names
(:data:`CLAIM_TYPES`). A claim type with one value gives a string; one
with several values (two roles, say) gives a list.
"""

from __future__ import annotations

import json

from sqlalchemy import select

_XML = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
_MS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/"

#: ``System.Security.Claims.ClaimTypes`` URIs and the names used here.
CLAIM_TYPES = {
    _MS + "role": "role",
    _XML + "name": "name",
    _XML + "givenname": "given_name",
    _XML + "surname": "family_name",
    _XML + "emailaddress": "email",
    _XML + "dateofbirth": "birthdate",
    _XML + "gender": "gender",
    _XML + "webpage": "website",
    _XML + "nameidentifier": "sub",
    _XML + "mobilephone": "phone_number",
    _XML + "locality": "locality",
}

#: Claims kept in columns of ``AspNetUsers``, never as claim rows.
ROW_CLAIMS = frozenset(
    {"sub", "preferred_username", "email", "email_verified", "phone_number", "phone_number_verified"}
)

_BOOLEAN = frozenset({"email_verified", "phone_number_verified"})
_JSON = frozenset({"address"})


def claim_name(claim_type: str | None) -> str:
    """The OpenID Connect name of a stored ``ClaimType``."""
    return CLAIM_TYPES.get(claim_type or "", claim_type or "")


def from_text(name: str, value: str | None):
    """A stored ``ClaimValue`` as the JSON value of claim ``name``."""
    if value is None:
        return None
    if name in _BOOLEAN:
        return value.strip().lower() == "true"
    if name in _JSON and value.lstrip().startswith("{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def to_text(value) -> str:
    """A claim value as .NET would store it: booleans as ``true``/``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _collect(pairs) -> dict:
    values: dict[str, list] = {}
    for name, value in pairs:
        if not name or value is None:
            continue
        bucket = values.setdefault(name, [])
        if value not in bucket:
            bucket.append(value)
    return {name: found[0] if len(found) == 1 else found for name, found in values.items()}


def stored_claims(db, tables, subject: str) -> list[tuple[str, object]]:
    """The user's ``AspNetUserClaims`` as ``(name, value)`` pairs, in insertion order."""
    table = tables.user_claims
    rows = db.execute(
        select(table.c.ClaimType, table.c.ClaimValue).where(table.c.UserId == subject).order_by(table.c.Id)
    )
    return [(name, from_text(name, value)) for name, value in ((claim_name(t), v) for t, v in rows)]


def role_names(db, tables, subject: str) -> list[str]:
    """The names of the user's roles, sorted."""
    query = (
        select(tables.roles.c.Name)
        .join(tables.user_roles, tables.user_roles.c.RoleId == tables.roles.c.Id)
        .where(tables.user_roles.c.UserId == subject)
        .order_by(tables.roles.c.Name)
    )
    return [name for (name,) in db.execute(query) if name]


def role_claims(db, tables, subject: str) -> list[tuple[str, object]]:
    """The ``AspNetRoleClaims`` of the user's roles as ``(name, value)`` pairs."""
    table = tables.role_claims
    query = (
        select(table.c.ClaimType, table.c.ClaimValue)
        .join(tables.user_roles, tables.user_roles.c.RoleId == table.c.RoleId)
        .where(tables.user_roles.c.UserId == subject)
        .order_by(table.c.Id)
    )
    return [(name, from_text(name, value)) for name, value in ((claim_name(t), v) for t, v in db.execute(query))]


def user_claims(db, tables, user) -> dict:
    """Every claim of ``user`` (an :class:`~.users.AspNetUser`)."""
    roles = [("role", name) for name in role_names(db, tables, user.subject)]
    claims = _collect(stored_claims(db, tables, user.subject) + role_claims(db, tables, user.subject) + roles)
    for name in ROW_CLAIMS:
        claims.pop(name, None)
    if user.username:
        claims["preferred_username"] = user.username
        claims.setdefault("name", user.username)
    if user.email:
        claims["email"] = user.email
        claims["email_verified"] = bool(user.email_confirmed)
    if user.phone_number:
        claims["phone_number"] = user.phone_number
        claims["phone_number_verified"] = bool(user.phone_number_confirmed)
    return claims
