"""Real servers for the multi-process tests: a throwaway PostgreSQL cluster,
a ZEO server and Ostiary server processes, all on loopback and free ports.

Fixtures (import them into a test module):

``postgresql``
    session-wide: a PostgreSQL cluster made with ``initdb`` in a temporary
    directory and served by ``postgres`` on a free loopback port; stopped
    and deleted at the end of the run. ``postgresql.create_database()``
    gives each test a fresh database; ``postgresql.dsn`` names the
    session's ``ostiary`` database.
``zeo_server``
    module-wide: a ``runzeo`` process serving a FileStorage in a temporary
    directory, on a free loopback port.

PostgreSQL refuses to run as root, so under root (as in CI) the cluster
runs as the unprivileged ``postgres`` user. Where PostgreSQL cannot be
found the tests are skipped with the reason, unless
``OSTIARY_TEST_REQUIRE_SERVERS=1`` (set by ``.ci/run``) turns that into a
failure.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
PG_USER = "postgres"  # the unprivileged account used when the tests run as root


def free_port() -> int:
    """A TCP port nobody listens on at the moment, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout: float, what: str, process: subprocess.Popen | None = None, log: Path | None = None):
    """Poll ``check()`` until it returns a true value; fail with the log if
    ``process`` exits or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        with contextlib.suppress(OSError, requests.RequestException):
            result = check()
            if result:
                return result
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-3000:] if log is not None and log.exists() else ""
    raise AssertionError(f"{what} did not come up within {timeout}s\n{tail}")


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate a process we started, and wait for it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _die_with_parent():  # runs in the child between fork and exec
    """Linux: have the kernel stop the child if the test run is killed, so
    no server outlives an interrupted run.

    ctypes and signal are imported at the top of this module: this runs
    after the switch to the postgres user, who may not be able to read
    Python's own library directory (e.g. under /root)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(args, log: Path, **kwargs) -> subprocess.Popen:
    """Start a server process that writes to ``log`` and dies with the test run."""
    preexec = _die_with_parent if sys.platform.startswith("linux") else None
    with open(log, "ab") as stream:
        return subprocess.Popen(
            [str(a) for a in args],
            stdout=stream,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=preexec,
            **kwargs,
        )


def unavailable(reason: str):
    """Skip, or fail where the servers are required (CI)."""
    if os.environ.get("OSTIARY_TEST_REQUIRE_SERVERS") == "1":
        pytest.fail(f"{reason} (OSTIARY_TEST_REQUIRE_SERVERS=1)", pytrace=False)
    pytest.skip(reason)


# -- PostgreSQL ----------------------------------------------------------------


def find_postgres_bindir() -> Path | None:
    """The directory holding ``initdb`` and ``postgres``."""
    candidates = []
    if os.environ.get("OSTIARY_PG_BINDIR"):
        candidates.append(os.environ["OSTIARY_PG_BINDIR"])
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        candidates.append(
            subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
        )
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb")).resolve().parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    for directory in candidates:
        if all(os.access(Path(directory, name), os.X_OK) for name in ("initdb", "postgres")):
            return Path(directory)
    return None


class PostgresCluster:
    """A PostgreSQL cluster of our own in a temporary directory.

    ``postgres`` runs as a child of the test run rather than a daemon started
    by ``pg_ctl``, so that it cannot outlive an interrupted run.
    """

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.user = "ostiary"
        self.password = secrets.token_hex(16)  # letters and digits: safe in a zodburi URI
        self.host = "127.0.0.1"
        self.port = None
        self.process = None
        self.account = None if os.geteuid() != 0 else pwd.getpwnam(PG_USER)
        self.base = Path(tempfile.mkdtemp(prefix="ostiary-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        if self.account is not None:
            os.chown(self.base, self.account.pw_uid, self.account.pw_gid)

    def _as_owner(self) -> dict:
        """subprocess arguments that run a PostgreSQL program as the cluster's owner."""
        kwargs = {"cwd": self.base, "env": dict(os.environ, LC_ALL="C", HOME=str(self.base))}
        if self.account is not None:
            kwargs.update(user=self.account.pw_uid, group=self.account.pw_gid, extra_groups=[])
        return kwargs

    def initdb(self) -> None:
        pwfile = self.base / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self.account is not None:
            os.chown(pwfile, self.account.pw_uid, self.account.pw_gid)
        result = subprocess.run(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                self.user,
                f"--pwfile={pwfile}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            **self._as_owner(),
        )
        pwfile.unlink()
        if result.returncode:
            raise RuntimeError(f"initdb failed:\n{result.stdout}{result.stderr}")

    #: Server settings for tests: durability traded for speed (the data is
    #: thrown away). tests/perf/bench.py starts a durable one instead.
    TEST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}

    def start(self, settings: dict | None = None) -> None:
        self.initdb()
        settings = self.TEST_SETTINGS if settings is None else settings
        options = []
        for name, value in {
            **settings,
            "listen_addresses": self.host,
            "unix_socket_directories": self.base,
            "max_connections": 50,
        }.items():
            options += ["-c", f"{name}={value}"]
        for attempt in range(3):  # a free port may be taken before the server binds it
            self.port = free_port()
            self.process = spawn(
                [self.bindir / "postgres", "-D", self.data, "-p", self.port, *options], self.log, **self._as_owner()
            )
            try:
                wait_for(self.accepting, 30, "PostgreSQL", self.process, self.log)
                return
            except AssertionError:
                if attempt == 2:
                    raise

    def accepting(self) -> bool:
        import psycopg2

        try:
            psycopg2.connect(self.dsn_for("postgres"), connect_timeout=2).close()
        except psycopg2.OperationalError:
            return False
        return True

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # PostgreSQL's "fast" shutdown
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.base, ignore_errors=True)

    def dsn_for(self, dbname: str) -> str:
        return f"host={self.host} port={self.port} dbname={dbname} user={self.user} password={self.password}"

    @property
    def dsn(self) -> str:
        return self.dsn_for("ostiary")

    def create_database(self, name: str | None = None) -> str:
        """Create a fresh database; return its name."""
        import psycopg2

        name = name or "ostiary_" + secrets.token_hex(4)
        conn = psycopg2.connect(self.dsn_for("postgres"))
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            conn.close()
        return name


def remove_stale_clusters(older_than: float = 600) -> None:
    """Delete the directories of clusters whose test run was killed: their
    server is gone (it dies with the run) but the files stay."""
    for path in Path(tempfile.gettempdir()).glob("ostiary-pg-*"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if time.time() - path.stat().st_mtime < older_than:
                continue
            pidfile = path / "data" / "postmaster.pid"
            if pidfile.exists():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pidfile.read_text().split()[0]), 0)
                    continue  # still serving someone
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postgresql():
    """A throwaway PostgreSQL cluster for the whole run (see the module doc)."""
    bindir = find_postgres_bindir()
    if bindir is None:
        unavailable(
            "PostgreSQL not found: no initdb/postgres in OSTIARY_PG_BINDIR, `pg_config --bindir`,"
            " PATH or /usr/lib/postgresql/*/bin (apt-get install postgresql-15)"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(PG_USER)
        except KeyError:
            unavailable(
                f"running as root and there is no {PG_USER!r} user to run PostgreSQL as (useradd --system {PG_USER})"
            )
    remove_stale_clusters()
    cluster = PostgresCluster(bindir)
    try:
        cluster.start()
        cluster.create_database("ostiary")
        yield cluster
    finally:
        cluster.stop()


# -- ZEO -------------------------------------------------------------------------


class ZEOServer:
    """``runzeo`` serving a FileStorage on a loopback port."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.log = directory / "zeo.log"
        self.port = None
        self.process = None

    def start(self) -> None:
        self.port = free_port()
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


@pytest.fixture(scope="module")
def zeo_server(tmp_path_factory):
    """A ZEO server for one test module, stopped at its end."""
    if not (BIN / "runzeo").exists():
        unavailable(f"ZEO is not installed in {BIN} (pip install 'ostiary[zeo]')")
    server = ZEOServer(tmp_path_factory.mktemp("zeo"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


# -- Ostiary processes -----------------------------------------------------------


class OstiaryProcess:
    """``pserve INI http_port=PORT``: one Ostiary server process."""

    def __init__(self, ini: Path, name: str):
        self.ini = ini
        self.name = name
        self.log = ini.parent / f"{name}.log"
        self.port = None
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = free_port()
        self.process = spawn([BIN / "pserve", self.ini, f"http_port={self.port}"], self.log, cwd=REPO)

    def wait_until_serving(self, timeout: float = 30) -> None:
        def serving():
            return requests.get(self.url + "/.well-known/openid-configuration", timeout=2).status_code == 200

        wait_for(serving, timeout, f"Ostiary process {self.name}", self.process, self.log)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextlib.contextmanager
def ostiary_processes(ini: Path, *names: str):
    """Start one Ostiary process per name, all at once, on the same ini file."""
    processes = [OstiaryProcess(ini, name) for name in names]
    try:
        for process in processes:
            process.start()
        for process in processes:
            process.wait_until_serving()
        yield processes
    finally:
        for process in processes:
            process.stop()


def ostiary_command(ini: Path, *args: str) -> str:
    """Run the ``ostiary`` command line on ``ini``; return its output."""
    result = subprocess.run(
        [str(BIN / "ostiary"), str(ini), *args], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 0, f"ostiary {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
    return result.stdout
