"""A backup taken while a real server signs people in restores to a
database that passes fstest and serves sign-ins again.

``pserve`` (waitress, FileStorage, as etc/development.ini serves) runs
under load: browsers sign in with login and consent and redeem their
codes, every flow writing sessions, codes and token families. Meanwhile
``ostiary backup`` runs twice (full, then incremental). The server is then
stopped, the backup restored into another directory, and a new server on
the restored file signs alice in, and refreshes a token issued before the
backup.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import pytest
import requests
from storage_servers import REPO, OstiaryProcess, ostiary_command
from test_shared_storage import Browser, redeem, token_request
from ZODB.scripts import fstest

pytestmark = [pytest.mark.servers, pytest.mark.slow]

DEMO_TOML = REPO / "etc" / "demo.toml"


def write_ini(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    ini = directory / "serve.ini"
    ini.write_text(
        "\n".join(
            [
                "[app:main]",
                "use = egg:ostiary",
                "ostiary.issuer = http://127.0.0.1:6543",
                "ostiary.argon2_time_cost = 1",
                "ostiary.argon2_memory_cost = 1024",
                f"zodbconn.uri = file://{directory}/Data.fs?blobstorage_dir={directory}/blobs",
                "",
                "[server:main]",
                "use = egg:waitress#main",
                "listen = 127.0.0.1:%(http_port)s",
                "threads = 4",
            ]
        )
        + "\n"
    )
    return ini


@contextlib.contextmanager
def sign_ins_running(server, browsers: int = 4):
    """Browsers signing in (login and consent every time) and redeeming
    their codes at ``server`` until the block ends; yields the outcomes
    (200 for each flow that reached the client and got its tokens)."""
    outcomes, stopping = [], threading.Event()

    def load():
        while not stopping.is_set():
            try:
                received, verifier = Browser(server, remember_consent=False).sign_in()
                outcomes.append(redeem(server, received["code"], verifier).status_code)
            except (AssertionError, requests.RequestException) as exc:  # a flow that did not reach the client
                outcomes.append(str(exc)[:300])

    threads = [threading.Thread(target=load) for _ in range(browsers)]
    for thread in threads:
        thread.start()
    try:
        yield outcomes
    finally:
        stopping.set()
        for thread in threads:
            thread.join(30)


def test_a_backup_taken_while_the_server_serves_restores_and_signs_in(tmp_path):
    live = write_ini(tmp_path / "live")
    ostiary_command(live, "init")
    ostiary_command(live, "load", str(DEMO_TOML))
    server = OstiaryProcess(live, "live")
    server.start()
    try:
        server.wait_until_serving()
        received, verifier = Browser(server).sign_in()
        before = redeem(server, received["code"], verifier)
        assert before.status_code == 200, before.text
        with sign_ins_running(server) as outcomes:
            time.sleep(1.5)
            full = ostiary_command(live, "backup", str(tmp_path / "backups"))
            time.sleep(1.5)
            incremental = ostiary_command(live, "backup", str(tmp_path / "backups"))
            time.sleep(0.5)
    finally:
        server.stop()
    assert full.startswith("full backup"), full
    assert incremental.startswith("incremental backup"), incremental
    assert len(outcomes) >= 4 and set(outcomes) == {200}, outcomes  # the backups cost the server nothing
    assert "Traceback" not in server.log_text(), server.log_text()

    restored = write_ini(tmp_path / "restored")
    assert "passes fstest" in ostiary_command(restored, "restore", str(tmp_path / "backups"))
    fstest.check(str(tmp_path / "restored" / "Data.fs"))
    again = OstiaryProcess(restored, "restored")
    again.start()
    try:
        again.wait_until_serving()
        received, verifier = Browser(again).sign_in()
        tokens = redeem(again, received["code"], verifier)
        assert tokens.status_code == 200, tokens.text
        # A refresh token issued before the backup is still known to the restored database.
        refreshed = token_request(again, grant_type="refresh_token", refresh_token=before.json()["refresh_token"])
        assert refreshed.status_code == 200, refreshed.text
    finally:
        again.stop()
