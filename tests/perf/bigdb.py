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
RelStorage is not covered here (run bench.py's rel1 set-up against a database
this script filled, with --keep, for that).
"""

from __future__ import annotations

import argparse
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
from ostiary.testing import base_settings, load_data

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


def measure(size: int, args) -> dict:
    with tempfile.TemporaryDirectory(dir=args.keep) as tmp:
        directory = Path(args.keep) / f"size-{size}" if args.keep else Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        settings = base_settings(directory)
        settings["ostiary.issuer"] = ISSUER
        settings.update({"ostiary.argon2_time_cost": "1", "ostiary.argon2_memory_cost": "8"})
        settings["zodbconn.uri"] = f"file://{directory}/Data.fs?connection_cache_size=20000"
        app = make_app({}, **settings)
        try:
            load_data(app, read(REPO / "etc" / "demo.toml"))
            seconds = fill(app, size)
            data_fs = directory / "Data.fs"
            token = cpu_per(app, "client_credentials", args.requests)
            flow = cpu_per(app, "sign_in", args.flows // 5 or 1)
            before = data_fs.stat().st_size
            for _ in range(args.flows):
                one_sign_in(app)
            growth = (data_fs.stat().st_size - before) / args.flows
            return {
                "size": size,
                "fill_s": round(seconds, 1),
                "data_fs_mb": round(before / 2**20, 1),
                "token_us": round(token * 1e6),
                "sign_in_ms": round(flow * 1e3, 2),
                "growth_kb_per_sign_in": round(growth / 1024, 1),
            }
        finally:
            for db in app.registry._zodb_databases.values():
                db.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000])
    parser.add_argument("--requests", type=int, default=300, help="client_credentials requests per round")
    parser.add_argument("--flows", type=int, default=50, help="sign-ins for the growth figure")
    parser.add_argument("--keep", help="keep each database under this directory")
    args = parser.parse_args(argv)
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
