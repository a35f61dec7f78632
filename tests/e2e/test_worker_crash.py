"""kill -9 of one granian worker costs only its requests in flight.

Granian stops every worker and exits when one dies, unless it respawns
failed workers: the runner turns that on (``respawn_failed_workers``,
default true), so under load the other worker serves on, a replacement
starts, and ``pserve`` itself never stops.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
import requests
from storage_servers import BIN, REPO, free_port, ostiary_command, spawn, stop, wait_for, zeo_server  # noqa: F401

pytestmark = [pytest.mark.servers]

DEMO_TOML = REPO / "etc" / "demo.toml"


def children(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path(f"/proc/{entry}/status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.append(int(entry))
    return found


def workers_of(pid: int) -> list[int]:
    """granian's worker processes under ``pserve``: its Python children
    (not multiprocessing's resource tracker)."""
    result = []
    for child in children(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"resource_tracker" not in cmdline:
            result.append(child)
    return result


def write_ini(directory: Path, port: int, uri: str) -> Path:
    ini = directory / "crash.ini"
    ini.write_text(
        "\n".join(
            [
                "[app:main]",
                "use = egg:ostiary",
                "ostiary.issuer = http://127.0.0.1:6543",
                "ostiary.argon2_time_cost = 1",
                "ostiary.argon2_memory_cost = 1024",
                f"zodbconn.uri = {uri}",
                "",
                "[server:main]",
                "use = egg:ostiary#granian",
                f"listen = 127.0.0.1:{port}",
                "workers = 2",
                "threads = 2",
                "respawn_interval = 0.5",
            ]
        )
        + "\n"
    )
    return ini


def test_a_killed_worker_is_replaced_while_the_other_serves_on(zeo_server, tmp_path):  # noqa: F811
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ini = write_ini(tmp_path, port, f"zeo://127.0.0.1:{zeo_server.port}")
    ostiary_command(ini, "init")
    ostiary_command(ini, "load", str(DEMO_TOML))
    log = tmp_path / "pserve.log"
    process = spawn([BIN / "pserve", ini], log, cwd=REPO)
    try:
        wait_for(
            lambda: requests.get(url + "/.well-known/openid-configuration", timeout=2).ok, 60, "pserve", process, log
        )
        wait_for(lambda: len(workers_of(process.pid)) == 2, 30, "two workers", process, log)
        before = workers_of(process.pid)
        results, stopping = [], threading.Event()

        def load():
            session = requests.Session()
            while not stopping.is_set():
                try:
                    answer = session.post(
                        url + "/connect/token",
                        data={"grant_type": "client_credentials", "scope": "api"},
                        auth=("demo-rp", "demo-secret"),
                        timeout=5,
                    )
                    results.append((time.monotonic(), answer.status_code))
                except requests.RequestException:
                    results.append((time.monotonic(), None))  # in flight on the killed worker
                    session = requests.Session()

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        killed_at = time.monotonic()
        os.kill(before[0], signal.SIGKILL)
        time.sleep(4)
        stopping.set()
        for thread in threads:
            thread.join(10)
        assert process.poll() is None, log.read_text(errors="replace")  # pserve still runs
        after_kill = [status for when, status in results if when > killed_at]
        assert after_kill.count(200) >= 20, after_kill  # the other worker served on
        lost = [status for status in after_kill if status != 200]
        assert len(lost) <= 8, lost  # only what was in flight on the killed worker
        assert all(status in (200, None) for status in after_kill), after_kill  # never a 5xx
        wait_for(lambda: len(workers_of(process.pid)) == 2, 30, "a replacement worker", process, log)
        assert before[0] not in workers_of(process.pid)
        assert requests.get(url + "/.well-known/openid-configuration", timeout=5).ok
    finally:
        stop(process)
