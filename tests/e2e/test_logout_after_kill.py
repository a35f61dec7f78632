"""A back-channel logout committed before ``kill -9`` is delivered after
the restart: the outbox is in the database, not in the process.

A real ``pserve`` (waitress, FileStorage) signs a person in and out while
the client's back-channel receiver answers 503; the server is killed with
SIGKILL; the receiver recovers; a new server process delivers the logout.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from storage_servers import OstiaryProcess, ostiary_command
from test_shared_storage import Browser, redeem

from ostiary.testing import LogoutReceiver

pytestmark = [pytest.mark.servers]

CLIENT_TOML = """
[[clients]]
client_id = "demo-rp"
name = "Demo application"
secret = "demo-secret"
token_endpoint_auth_method = "client_secret_basic"
redirect_uris = ["http://127.0.0.1:9999/cb"]
post_logout_redirect_uris = ["http://127.0.0.1:9999/logged-out"]
grant_types = ["authorization_code", "refresh_token", "client_credentials"]
scopes = ["openid", "profile", "email", "offline_access"]
backchannel_logout_uri = "{uri}"

[[users]]
username = "alice"
password = "alice-password"
email = "alice@example.org"
"""


def write_ini(directory: Path) -> Path:
    ini = directory / "kill.ini"
    ini.write_text(
        "\n".join(
            [
                "[app:main]",
                "use = egg:ostiary",
                "ostiary.issuer = http://127.0.0.1:6543",
                "ostiary.argon2_time_cost = 1",
                "ostiary.argon2_memory_cost = 1024",
                "ostiary.logout_delivery_interval = 1",
                f"zodbconn.uri = file://{directory}/Data.fs",
                "",
                "[server:main]",
                "use = egg:waitress#main",
                "listen = 127.0.0.1:%(http_port)s",
            ]
        )
        + "\n"
    )
    return ini


def test_a_logout_committed_before_kill_9_is_delivered_after_the_restart(tmp_path):
    receiver = LogoutReceiver(status=503)  # the client is down
    try:
        ini = write_ini(tmp_path)
        (tmp_path / "data.toml").write_text(CLIENT_TOML.format(uri=receiver.url))
        ostiary_command(ini, "init")
        ostiary_command(ini, "load", str(tmp_path / "data.toml"))
        first = OstiaryProcess(ini, "first")
        first.start()
        first.wait_until_serving()
        browser = Browser(first)
        received, verifier = browser.sign_in(scope="openid")
        tokens = redeem(first, received["code"], verifier)
        assert tokens.status_code == 200, tokens.text
        ended = browser.request("GET", "/connect/endsession", params={"id_token_hint": tokens.json()["id_token"]})
        assert ended.status_code in (302, 303)
        location = urlsplit(ended.headers["Location"])  # absolute, on the issuer
        signed_out = browser.request("GET", location.path + "?" + location.query)
        assert signed_out.status_code in (200, 303)
        assert len(receiver.wait(count=1)) >= 1  # tried, refused with 503: still pending
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(10)
        attempts_before = len(receiver.received)
        receiver.status = 200  # the client is back

        second = OstiaryProcess(ini, "second")
        second.start()
        try:
            second.wait_until_serving()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(receiver.received) <= attempts_before:
                time.sleep(0.2)
            assert len(receiver.received) > attempts_before, second.log_text()
        finally:
            second.stop()
        listed = ostiary_command(ini, "logout-deliveries")
        assert "1 delivered" in listed and "0 pending" in listed, listed
        assert requests  # real HTTP all along
    finally:
        receiver.close()
