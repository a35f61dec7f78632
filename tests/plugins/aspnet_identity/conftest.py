"""Fixtures: an ASP.NET Identity database on a real SQLite file and on a
real PostgreSQL server, created with the DDL EF Core writes.

The PostgreSQL server is the throwaway cluster of ``tests/e2e/storage_servers.py``
(``initdb`` and ``pg_ctl`` on a free loopback port, as the ``postgres`` user
under root): one per test run, a fresh database per test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .identity_db import IdentityDatabase

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "e2e"))
from storage_servers import postgresql  # noqa: E402,F401  (a fixture)


@pytest.fixture
def sqlite_identity(tmp_path):
    database = IdentityDatabase(f"sqlite:///{tmp_path}/app.db", "sqlite")
    yield database
    database.dispose()


@pytest.fixture
def postgresql_identity(postgresql):  # noqa: F811  (the fixture imported above)
    cluster = postgresql
    name = cluster.create_database()
    url = f"postgresql+psycopg2://{cluster.user}:{cluster.password}@{cluster.host}:{cluster.port}/{name}"
    database = IdentityDatabase(url, "postgresql")
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def identity(request):
    """An Identity database, once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_identity")
