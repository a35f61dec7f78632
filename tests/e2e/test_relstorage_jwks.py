"""The JWKS on RelStorage, in process against a real PostgreSQL.

RelStorage learns of other processes' commits only by polling when a
connection opens, so ``db.lastTransaction()`` cannot tell the JWKS shortcut
that nothing changed. Instead the key ring read last is served for
``POLLED_JWKS_RECHECK`` seconds (one), and read again after that. The tests
set that window to a minute and to nothing, instead of waiting.
"""

from __future__ import annotations

import pytest
import webtest
from storage_servers import REPO, postgresql  # noqa: F401

from ostiary import main
from ostiary.loader import read
from ostiary.protocol import signing
from ostiary.testing import base_settings, close_app, load_data, transaction_root

pytestmark = [pytest.mark.servers, pytest.mark.postgres]


@pytest.fixture
def relstorage_app(postgresql, tmp_path):  # noqa: F811
    c = postgresql
    settings = base_settings(tmp_path)
    settings["zodbconn.uri"] = (
        f"postgres://{c.user}:{c.password}@{c.host}:{c.port}/{c.create_database()}?keep_history=false"
    )
    app = main({}, **settings)
    load_data(app, read(REPO / "etc" / "demo.toml"))
    yield app
    close_app(app)


def kids(testapp) -> set:
    return {key["kid"] for key in testapp.get("/.well-known/jwks.json").json["keys"]}


def test_on_relstorage_the_jwks_is_served_from_memory_for_a_while_then_read_again(relstorage_app, monkeypatch):
    testapp = webtest.TestApp(relstorage_app)
    db = relstorage_app.registry._zodb_databases[""]
    assert type(db.storage).__name__ == "RelStorage"
    first = kids(testapp)  # reads the key ring
    opened = []
    real_open = db.open

    def counting_open(*args, **kwargs):
        opened.append(1)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(db, "open", counting_open)
    monkeypatch.setattr(signing, "POLLED_JWKS_RECHECK", 60.0)
    assert kids(testapp) == first
    assert opened == []  # within the window: no connection, no poll
    monkeypatch.setattr(db, "open", real_open)
    with transaction_root(relstorage_app) as root:  # another writer announces new keys
        fresh = {key.kid for key in root.keys.rotate(3600, announce=86400)}
    assert kids(testapp) == first  # not seen yet: the window has not passed
    monkeypatch.setattr(signing, "POLLED_JWKS_RECHECK", 0.0)
    assert kids(testapp) == first | fresh  # past the window: read again
