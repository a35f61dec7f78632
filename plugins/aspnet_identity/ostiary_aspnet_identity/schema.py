"""The tables of ASP.NET Core Identity (``IdentityDbContext<IdentityUser>``),
as Entity Framework Core creates them, described for SQLAlchemy Core.

The plugin never creates or migrates them: the .NET application owns the
schema. Column types are generic (String, Text, Boolean, Integer), so the
same description reads SQL Server, PostgreSQL and SQLite; the one column
whose storage differs is ``LockoutEnd`` (see :class:`DateTimeOffset`).
"""

from __future__ import annotations

import re
import types
from datetime import UTC, datetime

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, MetaData, String, Table, Text
from sqlalchemy.types import TypeDecorator

_EF_TEXT = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$")


def parse_datetimeoffset(text: str) -> datetime:
    """A ``DateTimeOffset`` as EF Core stores it in SQLite
    (``yyyy-MM-dd HH:mm:ss.FFFFFFFzzz``), as an aware UTC datetime."""
    match = _EF_TEXT.match(text.strip())
    if match is None:
        raise ValueError(f"not a DateTimeOffset: {text!r}")
    day, time, fraction, offset = match.groups()
    fraction = (fraction or "")[:6].ljust(6, "0")
    offset = "+00:00" if offset in (None, "Z") else offset
    value = datetime.fromisoformat(f"{day}T{time}.{fraction}{offset}")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # DateTimeOffset.MaxValue with an offset
        return datetime.max.replace(tzinfo=UTC)


def format_datetimeoffset(value: datetime) -> str:
    """The text EF Core writes for a UTC ``DateTimeOffset`` in SQLite."""
    text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f").rstrip("0").rstrip(".")
    return text + "+00:00"


class DateTimeOffset(TypeDecorator):
    """A .NET ``DateTimeOffset``: ``datetimeoffset`` on SQL Server,
    ``timestamp with time zone`` on PostgreSQL, and text on SQLite, which
    has no date type (EF Core writes ``2024-05-01 10:00:00+00:00``).
    Python sees an aware datetime in UTC either way."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return format_datetimeoffset(value)
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            return parse_datetimeoffset(value)
        if value.tzinfo is None:  # a driver that drops the offset: the value is UTC
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def build_tables(schema: str | None = None) -> types.SimpleNamespace:
    """The Identity tables, in database ``schema`` (``None``: the default one)."""
    metadata = MetaData(schema=schema)
    prefix = f"{schema}." if schema else ""
    key = String(450)
    users = Table(
        "AspNetUsers",
        metadata,
        Column("Id", key, primary_key=True),
        Column("UserName", String(256)),
        Column("NormalizedUserName", String(256)),
        Column("Email", String(256)),
        Column("NormalizedEmail", String(256)),
        Column("EmailConfirmed", Boolean, nullable=False),
        Column("PasswordHash", Text),
        Column("SecurityStamp", Text),
        Column("ConcurrencyStamp", Text),
        Column("PhoneNumber", Text),
        Column("PhoneNumberConfirmed", Boolean, nullable=False),
        Column("TwoFactorEnabled", Boolean, nullable=False),
        Column("LockoutEnd", DateTimeOffset),
        Column("LockoutEnabled", Boolean, nullable=False),
        Column("AccessFailedCount", Integer, nullable=False),
    )
    roles = Table(
        "AspNetRoles",
        metadata,
        Column("Id", key, primary_key=True),
        Column("Name", String(256)),
        Column("NormalizedName", String(256)),
        Column("ConcurrencyStamp", Text),
    )
    user_id = f"{prefix}AspNetUsers.Id"
    role_id = f"{prefix}AspNetRoles.Id"
    return types.SimpleNamespace(
        metadata=metadata,
        users=users,
        roles=roles,
        user_claims=Table(
            "AspNetUserClaims",
            metadata,
            Column("Id", Integer, primary_key=True, autoincrement=True),
            Column("UserId", key, ForeignKey(user_id, ondelete="CASCADE"), nullable=False),
            Column("ClaimType", Text),
            Column("ClaimValue", Text),
        ),
        role_claims=Table(
            "AspNetRoleClaims",
            metadata,
            Column("Id", Integer, primary_key=True, autoincrement=True),
            Column("RoleId", key, ForeignKey(role_id, ondelete="CASCADE"), nullable=False),
            Column("ClaimType", Text),
            Column("ClaimValue", Text),
        ),
        user_roles=Table(
            "AspNetUserRoles",
            metadata,
            Column("UserId", key, ForeignKey(user_id, ondelete="CASCADE"), primary_key=True),
            Column("RoleId", key, ForeignKey(role_id, ondelete="CASCADE"), primary_key=True),
        ),
        user_logins=Table(
            "AspNetUserLogins",
            metadata,
            Column("LoginProvider", key, primary_key=True),
            Column("ProviderKey", key, primary_key=True),
            Column("ProviderDisplayName", Text),
            Column("UserId", key, ForeignKey(user_id, ondelete="CASCADE"), nullable=False),
        ),
        user_tokens=Table(
            "AspNetUserTokens",
            metadata,
            Column("UserId", key, ForeignKey(user_id, ondelete="CASCADE"), primary_key=True),
            Column("LoginProvider", key, primary_key=True),
            Column("Name", key, primary_key=True),
            Column("Value", Text),
        ),
    )
