"""CPU cost per request of the hot endpoints, in-process (no HTTP, no threads).

Calls the WSGI application directly, one request after another, and reports
the CPU time per request (``time.process_time``: every thread, the audit
writer's too), the best of several rounds: a figure that stays fairly steady on a busy machine, unlike requests
per second, so it is what to compare before and after a change.
``--profile`` shows where the time goes.

    .venv/bin/python tests/perf/inprocess.py [--requests 3000] [--profile client_credentials]

On a shared or virtual machine even CPU time wanders; instruction counts do
not. Count them with callgrind, twice with the same database (so the same
keys: generating an RSA key costs a random amount), and subtract:

    for n in 50 250; do valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$n \\
        .venv/bin/python tests/perf/inprocess.py --data /tmp/cgdata --scenarios jwks \\
        --rounds 1 --requests $n; done   # (Ir(250) - Ir(50)) / 200 per request

For the sign-in flow (``--scenarios sign_in --argon2 min``, requests in
hundreds: 500 and 2500 are 5 and 25 flows) add ``--audit-interval-ms
600000``: at callgrind's pace the default interval would write the audit
records after every flow, where at full speed it gathers dozens.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

from ostiary import main as make_app
from ostiary.loader import read
from ostiary.testing import base_settings, load_data

ISSUER = "http://127.0.0.1:6543"
BASIC = "Basic " + base64.b64encode(b"demo-rp:demo-secret").decode()
TOKEN_BODY = b"grant_type=client_credentials&scope=api"
SCENARIOS = ("discovery", "jwks", "client_credentials", "sign_in")


def environ(name: str) -> dict:
    env = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "6543",
        "HTTP_HOST": "127.0.0.1:6543",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "QUERY_STRING": "",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if name == "discovery":
        env["PATH_INFO"] = "/.well-known/openid-configuration"
    elif name == "jwks":
        env["PATH_INFO"] = "/.well-known/jwks.json"
    else:
        env.update(
            {
                "REQUEST_METHOD": "POST",
                "PATH_INFO": "/connect/token",
                "HTTP_AUTHORIZATION": BASIC,
                "CONTENT_TYPE": "application/x-www-form-urlencoded",
                "CONTENT_LENGTH": str(len(TOKEN_BODY)),
            }
        )
    return env


class Meter:
    """Wraps the app and adds up the CPU time of this thread spent inside it,
    so a sign-in flow's figure can be split into the server's share and
    WebTest's (its cookie jar and form parsing cost a few ms a flow)."""

    def __init__(self, app):
        self.app = app
        self.registry = app.registry
        self.inside = 0.0

    def __call__(self, environ, start_response):
        started = time.thread_time()
        try:
            return list(self.app(environ, start_response))
        finally:
            self.inside += time.thread_time() - started


def sign_in(app) -> None:
    """One whole flow from a new browser, as tests/perf/versus_node.py drives
    it over HTTP: authorize with prompt=consent, the login page, the sign-in,
    the consent page and its answer, the code exchange, userinfo. WebTest's own
    cost is in the figure too; the server's share is printed apart."""
    import webtest

    from ostiary.testing import CodeFlow

    flow = CodeFlow(webtest.TestApp(app, extra_environ={"HTTP_HOST": "127.0.0.1:6543"}))
    code = flow.code(prompt="consent")["code"]
    token = flow.exchange(code)
    if token.status_int != 200:
        raise SystemExit(f"sign_in: {token.status} {token.text[:200]}")
    flow.app.authorization = ("Bearer", token.json["access_token"])
    flow.app.get("/connect/userinfo", status=200)


def flush_audit(registry) -> None:
    """Write out the audit records still queued (none before batching)."""
    try:
        from ostiary.defaults.audit_store import flush
    except ImportError:
        return
    flush(registry)


def call(app, name: str) -> None:
    if name == "sign_in":
        return sign_in(app)
    env = environ(name)
    if name == "client_credentials":
        env["wsgi.input"] = io.BytesIO(TOKEN_BODY)
    status = []
    body = b"".join(app(env, lambda s, h, e=None: status.append(s)))
    if not status[0].startswith("200"):
        raise SystemExit(f"{name}: {status[0]} {body[:200]!r}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per scenario")
    parser.add_argument("--rounds", type=int, default=6, help="rounds per scenario; the best one counts")
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument(
        "--argon2",
        choices=("owasp", "min"),
        default="owasp",
        help="min: time cost 1, 8 KiB (the flow without the hash)",
    )
    parser.add_argument(
        "--audit-interval-ms",
        help="ostiary.audit.write_interval_ms (default: the server's); under callgrind, which runs the flows "
        "fifty times slower, a long one batches as many flows as the default does at full speed",
    )
    parser.add_argument("--data", help="keep the database in this directory (reused: the same keys every run)")
    parser.add_argument("--profile", choices=SCENARIOS, help="print a cProfile of this scenario")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime, ...)")
    parser.add_argument("--lines", type=int, default=45, help="how many profile lines to print")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or tmp
        settings = base_settings(data)
        settings["ostiary.issuer"] = ISSUER
        settings.pop("ostiary.audit.write_interval_ms", None)  # the server's default: batched
        if args.audit_interval_ms is not None:
            settings["ostiary.audit.write_interval_ms"] = args.audit_interval_ms
        if args.argon2 == "owasp":  # OWASP's minimum, as etc/development.ini
            settings.update({"ostiary.argon2_time_cost": "2", "ostiary.argon2_memory_cost": "19456"})
        else:
            settings.update({"ostiary.argon2_time_cost": "1", "ostiary.argon2_memory_cost": "8"})
        app = make_app({}, **settings)
        load_data(app, read(Path(__file__).resolve().parents[2] / "etc" / "demo.toml"))
        meter = Meter(app)
        for name in args.scenarios:
            count = args.requests // (100 if name == "sign_in" else 1)
            for _ in range(5 if name == "sign_in" else 50):
                call(meter, name)  # warm caches
            rounds, server = [], []
            per_round = max(1, count // args.rounds)
            for _ in range(args.rounds):
                # Process time: the audit writer's thread counts too, its
                # queue written out before the round's clock stops.
                started, meter.inside, main = time.process_time(), 0.0, time.thread_time()
                for _ in range(per_round):
                    call(meter, name)
                flush_audit(app.registry)
                spent = time.process_time() - started
                rounds.append(spent / per_round)
                server.append((spent - (time.thread_time() - main - meter.inside)) / per_round)
            cpu = min(rounds)
            print(
                f"{name:<20} {cpu * 1e6:8.0f} µs CPU per request, best of {args.rounds} rounds "
                f"(median {sorted(rounds)[len(rounds) // 2] * 1e6:.0f} µs); the server's share "
                f"{min(server) * 1e6:.0f} µs (median {sorted(server)[len(server) // 2] * 1e6:.0f} µs)"
            )
        if args.profile:
            # CPU time of this thread, not wall time: on a busy machine the
            # other processes would otherwise be billed to whatever ran then.
            profiler = cProfile.Profile(time.thread_time)
            profiler.enable()
            for _ in range(args.requests // (100 if args.profile == "sign_in" else 1)):
                call(app, args.profile)
            flush_audit(app.registry)
            profiler.disable()
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.lines)
        from ostiary.testing import close_app

        close_app(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
