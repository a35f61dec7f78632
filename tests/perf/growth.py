"""How much a FileStorage grows per sign-in, and what a pack leaves.

Runs whole sign-ins in-process (a new browser each: authorize, the login
page, consent the first time, the code to the client, the token exchange
with a refresh token) against a real FileStorage in a temporary directory,
reads the size of Data.fs, packs it and reads it again, then extrapolates
to a million sign-ins:

    .venv/bin/python tests/perf/growth.py [--sign-ins 2000]

"written" is what the file grows by without packing: every write appends
new versions of the objects it changed (the session, the code, the token
family and the BTree buckets holding them). "kept by a pack" is what a
pack with no history left (live sessions, tokens and consents, which
pruning removes as they expire). The README quotes these figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import webtest

from ostiary import main as make_app
from ostiary.models import packing
from ostiary.testing import DEMO, CodeFlow, base_settings, load_data

SCOPE = "openid profile email offline_access"


def sign_in(app) -> None:
    """One person signing in from a fresh browser, up to the tokens."""
    flow = CodeFlow(webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"}))
    response = flow.exchange(flow.code(scope=SCOPE)["code"])
    if response.status_int != 200 or "refresh_token" not in response.json:
        raise SystemExit(f"sign-in failed: {response.status} {response.text[:200]}")


def per_million(size: int, count: int) -> str:
    return f"{size / count * 1_000_000 / 2**30:6.2f} GiB"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sign-ins", type=int, default=2000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as data:
        app = make_app({}, **base_settings(data))
        load_data(app, DEMO)
        db = app.registry._zodb_databases[""]
        path = Path(data) / "Data.fs"
        sign_in(app)  # the first one asks for (and remembers) consent
        packing.pack(db, 0)
        start, began = path.stat().st_size, time.monotonic()
        for _ in range(args.sign_ins):
            sign_in(app)
        written = path.stat().st_size - start
        elapsed = time.monotonic() - began
        kept = packing.pack(db, 0).after - start
        db.close()
    count = args.sign_ins
    print(f"{count} sign-ins in {elapsed:.0f} s")
    print(f"written:        {written / count:8.0f} bytes per sign-in, {per_million(written, count)} per million")
    print(f"kept by a pack: {kept / count:8.0f} bytes per sign-in, {per_million(kept, count)} per million")
    return 0


if __name__ == "__main__":
    sys.exit(main())
