"""Two server processes on one ZEO server read each other's writes at once:
a code issued by one worker is there for the next, however soon."""

from __future__ import annotations

import pytest
from storage_servers import zeo_server  # noqa: F401

from ostiary import main
from ostiary.models.database import database
from ostiary.models.grants import AuthorizationCode
from ostiary.testing import base_settings, close_app, transaction_root

pytestmark = pytest.mark.servers


@pytest.fixture
def two_workers(zeo_server, tmp_path):  # noqa: F811
    apps = []
    for name in ("a", "b"):
        settings = dict(base_settings(tmp_path / name), **{"zodbconn.uri": f"zeo://127.0.0.1:{zeo_server.port}"})
        apps.append(main({}, **settings))
    yield apps
    for app in apps:
        close_app(app)


def test_each_transaction_waits_for_the_other_workers_commits(two_workers):
    for app in two_workers:
        storage = database(app.registry).storage
        assert storage.server_sync and storage.sync == storage.ping


def test_a_code_issued_by_one_worker_is_found_at_once_by_the_other(two_workers):
    a, b = two_workers
    for attempt in range(200):
        code = f"code-{attempt}"
        with transaction_root(a) as root:
            root.grants.add_code(code, AuthorizationCode("demo-rp", "alice", "http://127.0.0.1:9999/cb", "openid", 300))
        with transaction_root(b) as root:
            assert root.grants.find_code(code) is not None, f"attempt {attempt}"
