"""Large databases, and whether latency stays flat as they grow (run by hand).

    .venv/bin/python tests/perf/bigdb.py --sizes 1000 10000 100000 1000000
    .venv/bin/python tests/perf/bigdb.py --sizes 1000 --keep /tmp/big   # keep the database

For each size N, a fresh FileStorage gets etc/demo.toml plus N users, N
clients, N SSO sessions, N remembered consents and N refresh-token families
(each with a refresh token): the containers real traffic fills, written
straight through the models in transactions of 10,000 objects (every user
shares one argon2 hash, computed once; every client a secret digest of its
own). Then, in-process and on CPU time as tests/perf/inprocess.py measures:

* client_credentials: CPU per request (the demo client, among N others);
* sign-in: CPU per whole flow (authorize with prompt=consent, login page,
  sign-in, consent, code exchange, userinfo), argon2 at its minimum so the
  database's share is not hidden behind the hash;
* Data.fs growth per sign-in: the file's size before and after ``--flows``
  sign-ins (no pack in between).

"flat" is the issue's target: each size within ±10 % of the smallest.
``--storage relstorage`` fills and measures a RelStorage database instead,
on a durable PostgreSQL cluster of its own (the test suite's helper; the
Data.fs columns then say "-"). The figures are taken on the database
reopened, as a server started on it would see it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import transaction
from inprocess import ISSUER, call
from inprocess import sign_in as one_sign_in

from ostiary import main as make_app
from ostiary.loader import read
from ostiary.models.clients import Client
from ostiary.models.database import database, root_apart
from ostiary.models.grants import Consent
from ostiary.models.sessions import SSOSession
from ostiary.models.users import User
from ostiary.testing import base_settings, close_app, load_data

REPO = Path(__file__).resolve().parents[2]
BATCH = 10_000


def fill(app, size: int) -> float:
    """Add ``size`` of each kind of object; return the seconds it took."""
    started = time.monotonic()
    password_hash = app.registry.ostiary_passwords.hash("generated-password")
    db = database(app.registry)
    for start in range(0, size, BATCH):
        with root_apart(db) as root:
            for i in range(start, min(size, start + BATCH)):
                user = User(f"user{i}", email=f"user{i}@example.org", claims={"name": f"User {i}"})
                user.password_hash = password_hash
                root.users.add(user)
                client = Client(
                    f"client{i}",
                    redirect_uris=(f"https://rp{i}.example.org/cb",),
                    grant_types=("authorization_code", "refresh_token"),
                )
                client.add_secret(f"secret-{i}")
                root.clients.add(client)
                session = SSOSession(user.subject, 36000)
                root.sessions.start(session)
                root.grants.remember_consent(Consent(user.subject, client.client_id, ("openid", "profile")))
                family = root.grants.start_family(client.client_id, user.subject, None, int(time.time()) + 86400)
                root.grants.issue_refresh_token(family, "openid profile offline_access")
        transaction.commit()
        print(f"    {min(size, start + BATCH):>9,} of each", file=sys.stderr, flush=True)
    return time.monotonic() - started


def cpu_per(app, name: str, count: int, rounds: int = 5) -> float:
    """Best-of-rounds CPU seconds of one ``name`` request (or flow)."""
    for _ in range(max(3, count // 20)):
        call(app, name)
    best = float("inf")
    for _ in range(rounds):
        started = time.thread_time()
        for _ in range(count):
            call(app, name)
        best = min(best, (time.thread_time() - started) / count)
    return best


def relstorage_uri(cluster) -> str:
    database = cluster.create_database()
    return (
        f"postgres://{cluster.user}:{cluster.password}@{cluster.host}:{cluster.port}/{database}"
        "?keep_history=false&connection_cache_size=20000"
    )


def start_cluster():
    sys.path.insert(0, str(REPO / "tests" / "e2e"))
    from storage_servers import PostgresCluster, find_postgres_bindir

    bindir = find_postgres_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL not found (apt-get install postgresql-15)")
    cluster = PostgresCluster(bindir)
    # RelStorage takes an advisory lock per changed object at commit: the
    # filling's transactions change more than the default lock table holds.
    cluster.start(settings={"max_locks_per_transaction": "4096"})
    return cluster


def settings_for(directory: Path, uri: str) -> dict:
    settings = base_settings(directory)
    settings["ostiary.issuer"] = ISSUER
    settings.update({"ostiary.argon2_time_cost": "1", "ostiary.argon2_memory_cost": "8"})
    settings["zodbconn.uri"] = uri
    return settings


def measure(size: int, args) -> dict:
    with tempfile.TemporaryDirectory(dir=args.keep) as tmp:
        directory = Path(args.keep) / f"size-{size}" if args.keep else Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        if args.cluster is not None:
            uri = relstorage_uri(args.cluster)
        else:
            uri = f"file://{directory}/Data.fs?connection_cache_size=20000"
        app = make_app({}, **settings_for(directory, uri))
        try:
            load_data(app, read(REPO / "etc" / "demo.toml"))
            seconds = fill(app, size)
        finally:
            close(app)
        # Measure in a new process on the database, as a server started on it
        # would: the filling leaves a heap of millions of objects in this
        # process, and Python's full garbage collections over that heap, not
        # the database, were most of the "growth" once measured here.
        child = subprocess.run(
            [sys.executable, __file__, "--measure", str(directory), uri, str(args.requests), str(args.flows)],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            raise SystemExit(f"measuring size {size} failed:\n{child.stderr[-2000:]}")
        return {"size": size, "fill_s": round(seconds, 1), **json.loads(child.stdout.splitlines()[-1])}


def measure_opened(directory: Path, uri: str, requests: int, flows: int) -> dict:
    """The figures of one database, opened afresh in this process."""
    app = make_app({}, **settings_for(directory, uri))
    try:
        data_fs = directory / "Data.fs"
        token = cpu_per(app, "client_credentials", requests)
        flow = cpu_per(app, "sign_in", flows // 5 or 1)
        before = data_fs.stat().st_size if data_fs.exists() else None
        for _ in range(flows):
            one_sign_in(app)
        growth = None if before is None else (data_fs.stat().st_size - before) / flows
        return {
            "data_fs_mb": "-" if before is None else round(before / 2**20, 1),
            "token_us": round(token * 1e6),
            "sign_in_ms": round(flow * 1e3, 2),
            "growth_kb_per_sign_in": "-" if growth is None else round(growth / 1024, 1),
        }
    finally:
        close(app)


def close(app) -> None:
    close_app(app)  # its background workers first, then its databases


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--measure"]:  # the child process of measure()
        directory, uri, requests, flows = argv[1:]
        print(json.dumps(measure_opened(Path(directory), uri, int(requests), int(flows))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000])
    parser.add_argument("--requests", type=int, default=300, help="client_credentials requests per round")
    parser.add_argument("--flows", type=int, default=50, help="sign-ins for the growth figure")
    parser.add_argument("--keep", help="keep each database under this directory")
    parser.add_argument("--storage", choices=("file", "relstorage"), default="file")
    args = parser.parse_args(argv)
    args.cluster = start_cluster() if args.storage == "relstorage" else None
    try:
        return report(args)
    finally:
        if args.cluster is not None:
            args.cluster.stop()


def report(args) -> int:
    rows = []
    print(
        "| users, clients, sessions, consents, families | Data.fs | fill | client_credentials CPU | "
        "sign-in CPU (argon2 minimum) | Data.fs growth per sign-in |"
    )
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        row = measure(size, args)
        rows.append(row)
        base = rows[0]
        drift = (
            f" ({100 * (row['token_us'] / base['token_us'] - 1):+.0f} %, "
            f"{100 * (row['sign_in_ms'] / base['sign_in_ms'] - 1):+.0f} %)"
            if len(rows) > 1
            else ""
        )
        print(
            f"| {size:,} each | {row['data_fs_mb']} MB | {row['fill_s']} s | {row['token_us']} µs | "
            f"{row['sign_in_ms']} ms | {row['growth_kb_per_sign_in']} KiB |{drift}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
