"""A throwaway PostgreSQL cluster for these tests: ``initdb`` in a temporary
directory, ``pg_ctl`` on a free loopback port, stopped and deleted at the
end of the run. PostgreSQL refuses to run as root, so under root (as in
CI) the cluster runs as the ``postgres`` user. Without PostgreSQL the
tests are skipped, unless ``CI`` or ``OSTIARY_TEST_REQUIRE_SERVERS=1`` is
set, where that is a failure."""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

PROGRAMS = ("initdb", "pg_ctl", "postgres")


def find_bindir() -> Path | None:
    candidates = [os.environ.get("OSTIARY_PG_BINDIR", ""), "/usr/local/bin"]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for directory in filter(None, candidates):
        if all(os.access(Path(directory, name), os.X_OK) for name in PROGRAMS):
            return Path(directory)
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """One PostgreSQL server of our own; ``create_database()`` per test."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.user = "ostiary"
        self.password = secrets.token_hex(16)
        self.host = "127.0.0.1"
        self.port = None
        self.account = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        self.base = Path(tempfile.mkdtemp(prefix="ostiary-aspnet-pg-"))
        if self.account is not None:
            os.chown(self.base, self.account.pw_uid, self.account.pw_gid)

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess:
        extra = {}
        if self.account is not None:
            extra = {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}
        env = dict(os.environ, LC_ALL="C", HOME=str(self.base))
        return subprocess.run([str(self.bindir / program), *args], cwd=self.base, env=env,
                              capture_output=True, text=True, **extra)

    def start(self) -> None:
        pwfile = self.base / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self.account is not None:
            os.chown(pwfile, self.account.pw_uid, self.account.pw_gid)
        result = self._run("initdb", "-D", str(self.base / "data"), "-U", self.user, f"--pwfile={pwfile}",
                           "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-locale",
                           "--no-sync")
        pwfile.unlink()
        if result.returncode:
            raise RuntimeError(f"initdb failed:\n{result.stdout}{result.stderr}")
        for _ in range(3):  # the free port may be taken before the server binds it
            self.port = free_port()
            options = (f"-p {self.port} -c listen_addresses={self.host} -c unix_socket_directories={self.base}"
                       " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            result = self._run("pg_ctl", "-D", str(self.base / "data"), "-l", str(self.base / "log"),
                               "-o", options, "-w", "-t", "30", "start")
            if result.returncode == 0:
                return
        raise RuntimeError(f"pg_ctl start failed:\n{result.stdout}{result.stderr}")

    def stop(self) -> None:
        if (self.base / "data").exists():
            self._run("pg_ctl", "-D", str(self.base / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def dsn_for(self, dbname: str) -> str:
        return f"host={self.host} port={self.port} dbname={dbname} user={self.user} password={self.password}"

    def url_for(self, dbname: str) -> str:
        """The SQLAlchemy URL of database ``dbname``."""
        return f"postgresql+psycopg2://{self.user}:{self.password}@{self.host}:{self.port}/{dbname}"

    def create_database(self, name: str | None = None) -> str:
        import psycopg2

        name = name or "aspnet_" + secrets.token_hex(4)
        conn = psycopg2.connect(self.dsn_for("postgres"))
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            conn.close()
        return name


def unavailable(reason: str):
    if os.environ.get("CI") or os.environ.get("OSTIARY_TEST_REQUIRE_SERVERS") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def aspnet_postgresql():
    """The session's PostgreSQL cluster (see the module doc)."""
    bindir = find_bindir()
    if bindir is None:
        unavailable("PostgreSQL not found (initdb, pg_ctl, postgres in /usr/local/bin or /usr/lib/postgresql/*/bin)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root and there is no 'postgres' user to run PostgreSQL as")
    cluster = Cluster(bindir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
