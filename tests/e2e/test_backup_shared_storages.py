"""Backups of the shared storages, as the README's "Operating Ostiary"
describes them, taken while etc/production.ini's granian server signs
people in, restored, and signed in against.

RelStorage: ``pg_dump -Fc`` of the live database, ``pg_restore`` into a
new one. ZEO: ``repozo`` on the ZEO server's own file, restored to a file
that a FileStorage server then serves.
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from storage_servers import BIN, OstiaryProcess, ostiary_command, postgresql, zeo_server  # noqa: F401
from test_backup_while_serving import sign_ins_running
from test_backup_while_serving import write_ini as file_ini
from test_shared_storage import DEMO_TOML, Browser, production_uri, redeem, retarget, token_request, write_ini
from ZODB.scripts import fstest

pytestmark = [pytest.mark.servers, pytest.mark.slow]


def signed_in_before(server):
    """A refresh token issued before the backup: the restored database must know it."""
    received, verifier = Browser(server).sign_in()
    tokens = redeem(server, received["code"], verifier)
    assert tokens.status_code == 200, tokens.text
    return tokens.json()["refresh_token"]


def serves_sign_ins(ini, name: str, refresh_token: str) -> None:
    server = OstiaryProcess(ini, name)
    server.start()
    try:
        server.wait_until_serving(60)
        received, verifier = Browser(server).sign_in()
        assert redeem(server, received["code"], verifier).status_code == 200
        refreshed = token_request(server, grant_type="refresh_token", refresh_token=refresh_token)
        assert refreshed.status_code == 200, refreshed.text
    finally:
        server.stop()


def backed_up_under_load(ini, name: str, backup) -> str:
    """Serve ``ini``, sign in once, run ``backup()`` while browsers sign in;
    return the refresh token of the first sign-in."""
    ostiary_command(ini, "init")
    ostiary_command(ini, "load", str(DEMO_TOML))
    server = OstiaryProcess(ini, name)
    server.start()
    try:
        server.wait_until_serving(60)
        refresh_token = signed_in_before(server)
        with sign_ins_running(server) as outcomes:
            time.sleep(1.5)
            backup()
            time.sleep(0.5)
    finally:
        server.stop()
    assert len(outcomes) >= 2 and set(outcomes) == {200}, outcomes
    return refresh_token


@pytest.mark.postgres
def test_relstorage_pg_dump_while_serving_and_pg_restore(postgresql, tmp_path):  # noqa: F811
    netloc = f"{postgresql.user}:{postgresql.password}@{postgresql.host}:{postgresql.port}"
    live_db = postgresql.create_database()
    ini = write_ini(tmp_path, retarget(production_uri("postgres"), netloc, "/" + live_db))
    env = dict(os.environ, PGPASSWORD=postgresql.password)
    connection = ["-h", postgresql.host, "-p", str(postgresql.port), "-U", postgresql.user]
    dump = tmp_path / "ostiary.dump"

    def pg_dump():
        subprocess.run(
            [str(postgresql.bindir / "pg_dump"), *connection, "-Fc", "-f", str(dump), live_db],
            env=env,
            check=True,
            capture_output=True,
        )

    refresh_token = backed_up_under_load(ini, "live", pg_dump)
    restored_db = postgresql.create_database()
    subprocess.run(
        [str(postgresql.bindir / "pg_restore"), *connection, "--no-owner", "-d", restored_db, str(dump)],
        env=env,
        check=True,
        capture_output=True,
    )
    (tmp_path / "restored").mkdir()
    restored = write_ini(tmp_path / "restored", retarget(production_uri("postgres"), netloc, "/" + restored_db))
    serves_sign_ins(restored, "restored", refresh_token)


def test_zeo_repozo_on_the_servers_file_while_serving(zeo_server, tmp_path):  # noqa: F811
    ini = write_ini(tmp_path, retarget(production_uri("zeo"), f"127.0.0.1:{zeo_server.port}"))
    backups = tmp_path / "backups"
    backups.mkdir()

    def repozo():
        data_fs = str(zeo_server.directory / "Data.fs")
        subprocess.run([str(BIN / "repozo"), "-B", "-r", str(backups), "-f", data_fs], check=True)

    refresh_token = backed_up_under_load(ini, "live", repozo)
    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    subprocess.run([str(BIN / "repozo"), "-R", "-r", str(backups), "-o", str(restored_dir / "Data.fs")], check=True)
    fstest.check(str(restored_dir / "Data.fs"))
    serves_sign_ins(file_ini(restored_dir), "restored", refresh_token)
