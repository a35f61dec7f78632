"""Throughput of Ostiary's hot endpoints, run by hand (not collected by pytest).

    .venv/bin/python tests/perf/bench.py                 # start servers, measure everything
    .venv/bin/python tests/perf/bench.py --url http://127.0.0.1:6543   # an already running server

Scenarios, each for ``--duration`` seconds over ``--connections`` concurrent
keep-alive connections:

``discovery``           GET /.well-known/openid-configuration
``jwks``                GET /.well-known/jwks.json
``client_credentials``  POST /connect/token (demo-rp, client_secret_basic, scope api):
                        a freshly signed RS256 JWT access token every time
``code_flow_sso``       a browser that already has an SSO session: authorize
                        (consent remembered) and the code exchange at /connect/token
``code_flow_login``     a new browser each time: authorize, login page, sign-in
                        (argon2id at the OWASP parameters), authorize, code exchange

Set-ups it starts itself (each on a fresh database in a temporary directory,
loaded with etc/demo.toml, every server on a loopback port):

``one``    one process on FileStorage: the demo server
``zeo1``   one worker on a ZEO server
``zeo2``   two workers on the same ZEO server, on one port
``rel1``   one worker on RelStorage, a PostgreSQL cluster the bench starts
           (durable: fsync and synchronous commits on; found as the tests find it)
``rel2``   two workers on that RelStorage, on one port

each on each of ``--servers``: ``granian`` (``pserve`` with ``use =
egg:ostiary#granian``, as etc/production.ini) and ``waitress`` (as ``make
run``; each worker its own process on one port with SO_REUSEPORT).

The load generator is ``wrk`` (Debian package ``wrk``) when it is installed,
else an asyncio client in this file; the code-flow scenarios always use a
thread per connection with ``http.client`` (each flow parses forms and cookies).
Every request loop is bounded by the duration and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import html
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BIN = Path(sys.executable).parent
DEMO = REPO / "etc" / "demo.toml"
CLIENT = ("demo-rp", "demo-secret")
REDIRECT_URI = "http://127.0.0.1:9999/cb"
SIMPLE = ("discovery", "jwks", "client_credentials")
FLOWS = ("code_flow_sso", "code_flow_login")
BASIC = "Basic " + base64.b64encode(":".join(CLIENT).encode()).decode()
TOKEN_BODY = "grant_type=client_credentials&scope=api"

INI = """\
[app:main]
use = egg:ostiary
ostiary.issuer = {issuer}
ostiary.development = false
ostiary.signing_alg = {alg}
ostiary.argon2_time_cost = 2
ostiary.argon2_memory_cost = 19456
ostiary.argon2_parallelism = 1
zodbconn.uri = {uri}
retry.attempts = 5
pyramid.reload_templates = false

[loggers]
keys = root, queue, retry

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

# waitress warns "Task queue depth is N" whenever a request waits for a
# thread: under a benchmark's steady load that is every request.
[logger_queue]
level = ERROR
handlers =
qualname = waitress.queue

# Each conflict that is retried, with its attempt number: how often the
# code flows collide (see the worker logs with --keep).
[logger_retry]
level = INFO
handlers =
qualname = ostiary.retry

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s
"""


GRANIAN_SERVER = """
[server:main]
use = egg:ostiary#granian
listen = 127.0.0.1:{port}
workers = {workers}
threads = {threads}
log_level = warning
"""


# -- servers -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = HTTPConnection(*urlsplit(url).netloc.split(":"), timeout=2)
            conn.request("GET", "/.well-known/openid-configuration")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"no server answered at {url}")


class SetUp:
    """Database, workers and one listening port; a context manager.

    ``server`` is ``granian`` (``pserve`` with ``use = egg:ostiary#granian``,
    as etc/production.ini; granian starts the worker processes) or
    ``waitress`` (as ``make run``; one ``worker.py`` process per worker).
    """

    def __init__(
        self,
        name: str,
        workers: int,
        storage: str,
        threads: int,
        keep: bool = False,
        alg: str = "RS256",
        server: str = "granian",
        argon2: tuple[int, int] | None = None,
    ):
        self.argon2 = argon2  # (time cost, memory KiB) instead of OWASP's minimum
        self.name, self.workers, self.storage, self.threads, self.keep = name, workers, storage, threads, keep
        self.alg, self.server = alg, server
        self.processes: list[subprocess.Popen] = []
        self.workers_pids: list[int] = []
        self.dir = Path(tempfile.mkdtemp(prefix=f"ostiary-bench-{name}-"))
        self.listeners = []
        if server == "granian":
            self.url = f"http://127.0.0.1:{free_port()}"
            return
        # waitress: one listening socket per worker on the same port
        # (SO_REUSEPORT): the kernel spreads new connections over them.
        # (Workers sharing a single socket do not share the work: the first
        # to wake accepts them all.)
        port = 0
        for _ in range(workers):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(("127.0.0.1", port))
            sock.listen(1024)
            port = sock.getsockname()[1]
            self.listeners.append(sock)
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> SetUp:
        try:
            uri = self._storage_uri()
            ini = self.dir / "bench.ini"
            text = INI.format(issuer=self.url, uri=uri, alg=self.alg)
            if self.argon2:
                text = text.replace("argon2_time_cost = 2", f"argon2_time_cost = {self.argon2[0]}")
                text = text.replace("argon2_memory_cost = 19456", f"argon2_memory_cost = {self.argon2[1]}")
            if self.server == "granian":
                text += GRANIAN_SERVER.format(port=urlsplit(self.url).port, workers=self.workers, threads=self.threads)
            ini.write_text(text)
            for command in (["init"], ["load", str(DEMO)]):
                subprocess.run([str(BIN / "ostiary"), str(ini), *command], check=True, stdout=subprocess.DEVNULL)
            if self.server == "granian":
                self._start_granian(ini)
            else:
                self._start_waitress(ini)
            wait_for(self.url)
            if self.server == "granian":
                self.workers_pids = self._granian_workers()
            return self
        except BaseException:
            self.__exit__()
            raise

    def _start_granian(self, ini: Path) -> None:
        log = open(self.dir / "pserve.log", "wb")
        self.pserve = subprocess.Popen([str(BIN / "pserve"), str(ini)], stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(self.pserve)

    def _granian_workers(self) -> list[int]:
        """The worker processes granian started under ``pserve``."""
        deadline = time.monotonic() + 30
        while True:
            children = Path(f"/proc/{self.pserve.pid}/task/{self.pserve.pid}/children").read_text().split()
            if len(children) >= self.workers or time.monotonic() > deadline:
                return [int(pid) for pid in children]
            time.sleep(0.1)

    def _start_waitress(self, ini: Path) -> None:
        for index, sock in enumerate(self.listeners):
            log = open(self.dir / f"worker{index}.log", "wb")
            fd = sock.fileno()
            worker = subprocess.Popen(
                [sys.executable, str(HERE / "worker.py"), str(ini), "--fd", str(fd), "--threads", str(self.threads)],
                pass_fds=(fd,),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            self.processes.append(worker)
            self.workers_pids.append(worker.pid)

    def _storage_uri(self) -> str:
        if self.storage == "file":
            return f"file://{self.dir}/Data.fs?connection_cache_size=20000"
        if self.storage == "relstorage":
            return self._relstorage_uri()
        port = free_port()
        log = open(self.dir / "zeo.log", "wb")
        self.processes.append(
            subprocess.Popen(
                [str(BIN / "runzeo"), "-a", f"127.0.0.1:{port}", "-f", str(self.dir / "Data.fs")],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the ZEO server did not start") from None
                time.sleep(0.1)
        return f"zeo://127.0.0.1:{port}?connection_cache_size=20000"

    def _relstorage_uri(self) -> str:
        """A PostgreSQL cluster of this set-up's own, durable (fsync and
        synchronous commits on, as in production), started with the test
        suite's helper; the URI is etc/production.ini's."""
        sys.path.insert(0, str(REPO / "tests" / "e2e"))
        from storage_servers import PostgresCluster, find_postgres_bindir

        bindir = find_postgres_bindir()
        if bindir is None:
            raise SystemExit("PostgreSQL not found (apt-get install postgresql-15)")
        self.cluster = PostgresCluster(bindir)
        self.cluster.start(settings={})
        database = self.cluster.create_database()
        c = self.cluster
        return (
            f"postgres://{c.user}:{c.password}@{c.host}:{c.port}/{database}"
            "?keep_history=false&connection_cache_size=20000"
        )

    def __exit__(self, *exc) -> None:
        for process in reversed(self.processes):  # workers first, the ZEO server last
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for sock in self.listeners:
            sock.close()
        if getattr(self, "cluster", None) is not None:
            self.cluster.stop()
        if self.keep:
            print(f"  kept {self.dir} (ini, logs, database)", file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


# -- results -------------------------------------------------------------------


def result(name, count, errors, seconds, latencies=None, p50=None, p99=None, unit="req") -> dict:
    if latencies:
        latencies = sorted(latencies)
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return {
        "scenario": name,
        "count": count,
        "errors": errors,
        "seconds": round(seconds, 2),
        "rate": round(count / seconds, 1) if seconds else 0.0,
        "unit": unit,
        "p50_ms": None if p50 is None else round(p50 * 1000, 2),
        "p99_ms": None if p99 is None else round(p99 * 1000, 2),
    }


# -- wrk -----------------------------------------------------------------------

WRK_POST = """\
wrk.method = "POST"
wrk.body = "{body}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "{auth}"
"""


def _seconds(value: str, unit: str) -> float:
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def run_wrk(name: str, url: str, connections: int, duration: float, threads: int, path: str | None = None) -> dict:
    """``path``: where ``name`` is on this server (default: Ostiary's)."""
    path = (
        path
        or {
            "discovery": "/.well-known/openid-configuration",
            "jwks": "/.well-known/jwks.json",
            "client_credentials": "/connect/token",
        }[name]
    )
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{int(duration)}s", "--latency", "--timeout", "10s"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if name == "client_credentials":
            script.write(WRK_POST.format(body=TOKEN_BODY, auth=BASIC))
            script.flush()
            command += ["-s", script.name]
        output = subprocess.run(command + [url + path], check=True, capture_output=True, text=True).stdout
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    count, seconds = int(total.group(1)), _seconds(total.group(2), total.group(3))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return result(name, count, errors, seconds, p50=_seconds(*p50.groups()), p99=_seconds(*p99.groups()))


# -- the asyncio load generator (when wrk is absent) ------------------------------


def _raw_request(name: str, host: str) -> bytes:
    if name == "client_credentials":
        return (
            f"POST /connect/token HTTP/1.1\r\nHost: {host}\r\nAuthorization: {BASIC}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(TOKEN_BODY)}\r\n"
            f"\r\n{TOKEN_BODY}"
        ).encode()
    path = "/.well-known/openid-configuration" if name == "discovery" else "/.well-known/jwks.json"
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()


async def _connection(host, port, payload, deadline, latencies, errors):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            writer.write(payload)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(head.split(b"\r\n", 1)[0])
    finally:
        writer.close()


def run_asyncio(name: str, url: str, connections: int, duration: float) -> dict:
    host, port = urlsplit(url).hostname, urlsplit(url).port
    latencies, errors = [], []
    payload = _raw_request(name, f"{host}:{port}")

    async def main():
        deadline = time.monotonic() + duration
        await asyncio.gather(
            *(_connection(host, port, payload, deadline, latencies, errors) for _ in range(connections))
        )

    started = time.monotonic()
    asyncio.run(main())
    return result(name, len(latencies), len(errors), time.monotonic() - started, latencies)


# -- the code flow, one thread per browser ---------------------------------------


class Browser:
    """A keep-alive connection with a cookie jar: just enough of a browser."""

    def __init__(self, url: str):
        self.base = url
        parts = urlsplit(url)
        self.conn = HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.requests = 0

    def send(self, method: str, target: str, form=None, headers=None):
        headers = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        path = urlsplit(target).path + ("?" + urlsplit(target).query if urlsplit(target).query else "")
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        self.requests += 1
        for cookie in response.msg.get_all("Set-Cookie") or ():
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in cookie.lower() or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response.status, response.getheader("Location"), text


def _field(text: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', text).group(1))


def one_flow(browser: Browser) -> None:
    """Authorize (signing in and consenting when asked), then exchange the code."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urlencode(
        {
            "client_id": CLIENT[0],
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile email api",
            "state": secrets.token_hex(8),
            "nonce": secrets.token_hex(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    status, location, _ = browser.send("GET", "/connect/authorize?" + query)
    for _ in range(8):
        if status not in (302, 303):
            raise RuntimeError(f"unexpected status {status}")
        location = urljoin(browser.base, location)
        if location.startswith(REDIRECT_URI):
            break
        status, next_location, page = browser.send("GET", location)
        if status in (302, 303):
            location = next_location
            continue
        path = urlsplit(location).path
        form = [("csrf_token", _field(page, "csrf_token")), ("returnUrl", _field(page, "returnUrl"))]
        if path == "/account/login":
            form += [("username", "alice"), ("password", "alice-password"), ("action", "login")]
        else:
            form += [("scope", s) for s in re.findall(r'name="scope" value="([^"]+)"', page)]
            form += [("remember", "yes"), ("action", "allow")]
        status, location, _ = browser.send("POST", path, form)
    else:
        raise RuntimeError("the flow did not reach the client")
    code = parse_qs(urlsplit(location).query)["code"][0]
    status, _, body = browser.send(
        "POST",
        "/connect/token",
        headers={"Authorization": BASIC},
        form={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
    )
    if status != 200 or "id_token" not in json.loads(body):
        raise RuntimeError(f"token endpoint answered {status}")


def run_flows(name: str, url: str, connections: int, duration: float) -> dict:
    """Flows per second; latency is that of a whole flow."""
    latencies, errors, counts = [], [], []
    keep_session = name == "code_flow_sso"
    deadline = [0.0]

    def start_clock():  # run by the barrier before it releases any thread
        deadline[0] = time.monotonic() + duration

    barrier = threading.Barrier(connections + 1, action=start_clock)

    one_flow(Browser(url))  # the first consent, remembered: later flows skip the consent page

    def worker():
        browser = Browser(url)
        try:
            one_flow(browser)  # warm-up: this browser signs in
        except Exception as exc:  # noqa: BLE001 - counted, shown below
            errors.append(repr(exc))
        browser.requests = 0
        barrier.wait()
        while time.monotonic() < deadline[0]:
            if not keep_session:
                browser.cookies.clear()
            started = time.perf_counter()
            try:
                one_flow(browser)
                latencies.append(time.perf_counter() - started)
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))
                browser = Browser(url)
        counts.append(browser.requests)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = deadline[0] - duration
    for thread in threads:
        thread.join(duration + 60)
    seconds = time.monotonic() - started
    if errors:
        print(f"  {name}: {len(errors)} errors, e.g. {errors[0]}", file=sys.stderr)
    out = result(name, len(latencies), len(errors), seconds, latencies, unit="flow")
    out["http_rate"] = round(sum(counts) / seconds, 1)
    return out


# -- driver ----------------------------------------------------------------------


def cpu_seconds(pids) -> float:
    """User plus system CPU time of the processes ``pids`` so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measure(url: str, args, pids=(), worker_pids=()) -> list[dict]:
    results = []
    for name in args.scenarios:
        if name not in FLOWS:  # warm-up
            if args.loadgen == "wrk":
                run_wrk(name, url, args.connections, min(2, args.duration), args.wrk_threads)
            else:
                run_asyncio(name, url, args.connections, min(2, args.duration))
        cpu_before = cpu_seconds(pids)
        workers_before = [cpu_seconds([pid]) for pid in worker_pids]
        if name in FLOWS:
            outcome = run_flows(name, url, args.connections, args.duration)
        elif args.loadgen == "wrk":
            outcome = run_wrk(name, url, args.connections, args.duration, args.wrk_threads)
        else:
            outcome = run_asyncio(name, url, args.connections, args.duration)
        if pids and outcome["count"]:
            # The server's own CPU per request (or flow): steadier than req/s on a shared machine.
            outcome["server_cpu_ms"] = round((cpu_seconds(pids) - cpu_before) * 1000 / outcome["count"], 3)
            spent = [cpu_seconds([pid]) - before for pid, before in zip(worker_pids, workers_before, strict=True)]
            if len(spent) > 1 and sum(spent):
                outcome["worker_cpu_split"] = [round(100 * x / sum(spent)) for x in spent]
        print(format_row(outcome), flush=True)
        results.append(outcome)
    return results


def format_row(r: dict) -> str:
    extra = f"  ({r['http_rate']:.0f} HTTP req/s)" if "http_rate" in r else ""
    if "server_cpu_ms" in r:
        extra = f"   server CPU {r['server_cpu_ms']:.2f} ms/{r['unit']}" + extra
    if "worker_cpu_split" in r:
        extra += "  (workers' CPU split " + "/".join(f"{x}%" for x in r["worker_cpu_split"]) + ")"
    return (
        f"  {r['scenario']:<20} {r['rate']:>8.1f} {r['unit']}/s   p50 {r['p50_ms']:>7.2f} ms   "
        f"p99 {r['p99_ms']:>7.2f} ms   errors {r['errors']}{extra}"
    )


def machine() -> str:
    model = "unknown CPU"
    try:
        model = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text()).group(1)
    except (OSError, AttributeError):
        pass
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs ({model}), Python {sys.version.split()[0]}, load average {load}"


SETUPS = {
    "one": (1, "file"),
    "zeo1": (1, "zeo"),
    "zeo2": (2, "zeo"),
    "rel1": (1, "relstorage"),
    "rel2": (2, "relstorage"),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Measure Ostiary's hot endpoints.")
    parser.add_argument("--url", help="measure this running server (demo data loaded) instead of starting one")
    parser.add_argument("--setups", nargs="+", choices=list(SETUPS), default=list(SETUPS))
    parser.add_argument("--scenarios", nargs="+", choices=SIMPLE + FLOWS, default=list(SIMPLE + FLOWS))
    parser.add_argument("--duration", type=float, default=10, help="seconds per scenario (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument(
        "--servers",
        nargs="+",
        choices=("granian", "waitress"),
        default=["granian", "waitress"],
        help="HTTP servers to run each set-up on (default both)",
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument(
        "--signing-alg",
        choices=("RS256", "ES256"),
        default="RS256",
        help="ostiary.signing_alg of the servers started (default RS256)",
    )
    parser.add_argument("--keep", action="store_true", help="keep each set-up's directory (logs, database)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    if args.loadgen == "auto":
        args.loadgen = "wrk" if shutil.which("wrk") else "python"
    print(
        f"machine: {machine()}; load generator: {args.loadgen} "
        f"({args.connections} connections, {args.duration:g} s per scenario)",
        flush=True,
    )
    report = {}
    if args.url:
        wait_for(args.url)
        print(f"server {args.url}")
        report["url"] = measure(args.url.rstrip("/"), args)
    else:
        for name in args.setups:
            workers, storage = SETUPS[name]
            for server in args.servers:
                print(
                    f"set-up {name} on {server}: {workers} worker(s) on {storage}, {args.threads} threads each, "
                    f"tokens signed {args.signing_alg}",
                    flush=True,
                )
                with SetUp(name, workers, storage, args.threads, args.keep, args.signing_alg, server) as setup:
                    pids = [p.pid for p in setup.processes] + (setup.workers_pids if server == "granian" else [])
                    report[f"{name}/{server}"] = measure(setup.url, args, pids, setup.workers_pids)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"machine": machine(), "loadgen": args.loadgen, "results": report}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
