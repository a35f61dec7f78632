"""``make run``'s etc/development.ini serves with granian; ``--server-name
debug`` serves the same app with waitress in one process, for a debugger.

Each test copies the ini into a temporary ``etc/`` (its ``%(here)s/../var``
database then lands beside it), moves its one port line, and talks real HTTP
to a real ``pserve``.
"""

from __future__ import annotations

import re
import signal
import subprocess

import pytest
import requests
from storage_servers import BIN, REPO, free_port, ostiary_command, spawn, stop, wait_for

pytestmark = [pytest.mark.servers]


@pytest.fixture
def development_ini(tmp_path):
    port = free_port()
    text = (REPO / "etc" / "development.ini").read_text()
    moved, count = re.subn(r"(?m)^http_port = 6543$", f"http_port = {port}", text)
    assert count == 1
    (tmp_path / "etc").mkdir()
    (tmp_path / "var").mkdir()  # make demo-data makes it for make run
    ini = tmp_path / "etc" / "development.ini"
    ini.write_text(moved)
    assert "database ready" in ostiary_command(ini, "init")
    assert "loaded" in ostiary_command(ini, "load", str(REPO / "etc" / "demo.toml"))
    return ini, f"http://127.0.0.1:{port}"


def serve(ini, url, log, *args):
    process = spawn([BIN / "pserve", ini, *args], log, cwd=REPO)
    wait_for(lambda: requests.get(url + "/.well-known/openid-configuration", timeout=2).ok, 30, "pserve", process, log)
    return process


def children(pid: int) -> list[int]:
    return [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]


def test_make_runs_ini_serves_with_granian_from_a_worker(development_ini, tmp_path):
    ini, url = development_ini
    log = tmp_path / "pserve.log"
    process = serve(ini, url, log)
    try:
        discovery = requests.get(url + "/.well-known/openid-configuration", timeout=10)
        assert discovery.json()["issuer"] == url
        assert "waitress" not in discovery.headers.get("Server", "")
        # granian's worker is a child process; waitress would serve from pserve itself.
        assert len(children(process.pid)) == 1
        # Development mode is on under granian: the gallery is served.
        assert requests.get(url + "/_gallery", timeout=10).status_code == 200
        token = requests.post(
            url + "/connect/token",
            data={"grant_type": "client_credentials", "scope": "api"},
            auth=("demo-rp", "demo-secret"),
            timeout=10,
        )
        assert token.status_code == 200, token.text
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        stop(process)
    assert "Traceback" not in log.read_text(errors="replace")


def test_the_debug_server_is_waitress_in_the_pserve_process(development_ini, tmp_path):
    ini, url = development_ini
    process = serve(ini, url, tmp_path / "pserve.log", "--server-name", "debug")
    try:
        discovery = requests.get(url + "/.well-known/openid-configuration", timeout=10)
        assert discovery.json()["issuer"] == url
        assert discovery.headers["Server"] == "waitress"
        assert children(process.pid) == []
    finally:
        stop(process)
    subprocess.run([BIN / "ostiary", ini, "user", "list"], check=True, capture_output=True)
