"""Fixtures: an ASP.NET Identity database on a real SQLite file and on a
real PostgreSQL server, and an Ostiary app with the built-in user store
swapped for this plugin by settings alone."""

from __future__ import annotations

import pytest

from .identity_db import IdentityDatabase
from .pg import aspnet_postgresql  # noqa: F401  (a fixture)


@pytest.fixture
def sqlite_identity(tmp_path):
    database = IdentityDatabase(f"sqlite:///{tmp_path}/app.db", "sqlite")
    yield database
    database.dispose()


@pytest.fixture
def postgresql_identity(aspnet_postgresql):
    database = IdentityDatabase(aspnet_postgresql.url_for(aspnet_postgresql.create_database()), "postgresql")
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def identity(request):
    """An Identity database, once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_identity")
