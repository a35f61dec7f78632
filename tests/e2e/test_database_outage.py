"""A database outage answers 503 with Retry-After, fails the readiness
probe, and heals by itself when the database is back.

A real ZEO server is stopped under a real Ostiary (waitress in a thread)
and started again on the same port.
"""

from __future__ import annotations

import socket

import pytest
import requests
from live_server import LiveServer
from storage_servers import BIN, ZEOServer, free_port, spawn, stop, unavailable, wait_for
from transaction.interfaces import NoTransaction

from ostiary.testing import DEMO, load_data

pytestmark = [pytest.mark.servers]


class FixedPortZEO(ZEOServer):
    """A ZEO server that comes back on the port it had."""

    def __init__(self, directory, port):
        super().__init__(directory)
        self.port = port

    def start(self) -> None:
        self.process = spawn(
            [BIN / "runzeo", "-a", f"127.0.0.1:{self.port}", "-f", self.directory / "Data.fs"], self.log
        )

        def accepting():
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True

        wait_for(accepting, 30, "the ZEO server", self.process, self.log)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


def test_an_unreachable_database_is_a_503_and_the_server_recovers(tmp_path):
    if not (BIN / "runzeo").exists():
        unavailable(f"ZEO is not installed in {BIN} (pip install 'ostiary[zeo]')")
    zeo = FixedPortZEO(tmp_path, free_port())
    zeo.start()
    # wait_timeout: how long a ZEO client waits for its server before
    # giving up on an operation (30 s by default); production.ini says so.
    uri = f"zeo://127.0.0.1:{zeo.port}?wait_timeout=1"
    server = LiveServer(tmp_path / "app", **{"zodbconn.uri": uri, "retry.attempts": "2"})
    (tmp_path / "app").mkdir()
    try:
        server.start()
        load_data(server.app, DEMO)
        assert requests.get(server.url + "/health/ready", timeout=10).status_code == 200
        assert requests.get(server.url + "/account/login", timeout=10).status_code == 200

        zeo.stop()
        ready = requests.get(server.url + "/health/ready", timeout=30)
        assert ready.status_code == 503 and ready.json()["checks"]["database"] is False
        assert requests.get(server.url + "/health/live", timeout=10).status_code == 200
        page = requests.get(server.url + "/account/login", timeout=30)
        assert page.status_code == 503, page.text[:300]
        assert page.headers["Retry-After"] == "5" and "Traceback" not in page.text
        token = requests.post(
            server.url + "/connect/token",
            data={"grant_type": "client_credentials", "scope": "api"},
            auth=("demo-rp", "demo-secret"),
            timeout=30,
        )
        assert token.status_code == 503 and token.json()["error"] == "temporarily_unavailable"
        assert token.headers["Retry-After"] == "5"

        zeo.start()  # back on the same port: the client reconnects by itself
        wait_for(
            lambda: requests.get(server.url + "/health/ready", timeout=10).status_code == 200, 30, "readiness again"
        )
        assert requests.get(server.url + "/account/login", timeout=10).status_code == 200
        again = requests.post(
            server.url + "/connect/token",
            data={"grant_type": "client_credentials", "scope": "api"},
            auth=("demo-rp", "demo-secret"),
            timeout=10,
        )
        assert again.status_code == 200, again.text
    finally:
        try:
            server.stop()
        except NoTransaction:
            # A request whose ZEO connection dropped leaves its connection to
            # pyramid_tm's explicit transaction manager, which ZODB's close
            # then cannot abort; the server served on, only closing notices.
            for db in server.app.registry._zodb_databases.values():
                db.close()
        zeo.stop()
