"""Ostiary beside node oidc-provider 9, run by hand (not collected by pytest).

    .venv/bin/python tests/perf/versus_node.py                  # everything, 3 runs of 8 s
    .venv/bin/python tests/perf/versus_node.py --runs 1 --duration 4 --scenarios client_credentials

Needs ``node`` and ``npm`` (oidc-provider 9 is installed into the git-ignored
``var/npm-perf`` on the first run) and ``wrk`` (Debian package ``wrk``). Both
servers run at the same time on the same cores, each idle while the other is
measured, and each scenario alternates them A B A B ... (``--runs`` times
each), so a neighbour's load on a shared machine falls on both alike. Every
run is printed; the table at the end has the medians.

``node``     node oidc-provider (tests/perf/node_provider.mjs): one process,
             in-memory storage, RS256 ID tokens and RS256 JWT access tokens
             for client_credentials, no password hash (its development
             sign-in accepts any password)
``ostiary``  ``pserve`` with granian as ``etc/production.ini`` (``--workers``
             workers × ``--threads`` threads) on a FileStorage (or
             ``--storage zeo`` / ``relstorage``, which two workers need, as
             tests/perf/bench.py starts them) loaded with etc/demo.toml; argon2id at OWASP's minimum, or ``--argon2 min``
             (time cost 1, 8 KiB) to see the flow's cost without the hash

Scenarios: ``discovery``, ``jwks``, ``client_credentials`` (wrk,
``--connections``), and ``sign_in``: ``--browsers`` threads, each a new
browser for every flow: authorize with prompt=consent, the login page, the
sign-in, the consent page and its answer, the code back at the client, the
code exchange (the ID token's signature, issuer, audience, nonce and expiry
checked against the JWKS), userinfo with the access token. A flow that fails
anywhere counts as failed and is shown.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import secrets
import shutil
import statistics
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from bench import REPO, Browser, SetUp, free_port, machine, result, run_wrk, wait_for
from joserfc import jwt
from joserfc.jwk import KeySet

HERE = Path(__file__).resolve().parent
# A prefix of its own: an npm install --no-save into make test's var/npm would
# prune the axe-core and oauth4webapi the browser tests use (their stamp
# stays, so make test would then skip those tests without installing again).
NPM_DIR = REPO / "var" / "npm-perf"
OIDC_PROVIDER = "oidc-provider@9"
CLIENT = ("demo-rp", "demo-secret")
REDIRECT_URI = "http://127.0.0.1:9999/cb"
BASIC = "Basic " + base64.b64encode(":".join(CLIENT).encode()).decode()
SCENARIOS = ("discovery", "jwks", "client_credentials", "sign_in")


class Target:
    """One server and where its endpoints are (from its discovery document)."""

    def __init__(self, name: str, url: str, pids: list[int]):
        self.name, self.url, self.pids = name, url, pids
        wait_for(url)
        browser = Browser(url)
        status, _, text = browser.send("GET", "/.well-known/openid-configuration")
        self.metadata = json.loads(text)
        _, _, keys = browser.send("GET", self.metadata["jwks_uri"])
        self.keys = KeySet.import_key_set(json.loads(keys))

    def path(self, name: str) -> str:
        if name == "discovery":
            return "/.well-known/openid-configuration"
        if name == "jwks":
            return urlsplit(self.metadata["jwks_uri"]).path
        return urlsplit(self.metadata["token_endpoint"]).path


# -- node oidc-provider ------------------------------------------------------------


def install_node_provider() -> Path:
    modules = NPM_DIR / "node_modules"
    if not (modules / "oidc-provider" / "package.json").exists():
        print(f"installing {OIDC_PROVIDER} into {NPM_DIR}", flush=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(NPM_DIR), "--no-save", "--no-audit", "--no-fund", OIDC_PROVIDER],
            check=True,
        )
    return modules


class NodeProvider:
    def __init__(self, directory: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(directory / "node.log", "wb")
        modules = install_node_provider()
        version = json.loads((modules / "oidc-provider" / "package.json").read_text())["version"]
        self.version = f"node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}, oidc-provider {version}"
        self.process = subprocess.Popen(
            ["node", str(HERE / "node_provider.mjs"), str(self.port), str(modules)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


# -- the sign-in flow ------------------------------------------------------------


class Form(HTMLParser):
    """The first POST form of a page: its action and the fields to send."""

    def __init__(self):
        super().__init__()
        self.action, self.fields, self.submits, self.password, self._in = None, [], [], False, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.action is None and a.get("method", "").lower() == "post":
            self.action, self._in = a.get("action") or "", True
        elif tag == "form":
            self._in = False
        elif self._in and tag == "input":
            kind, name = a.get("type", "text").lower(), a.get("name")
            if kind == "password":
                self.password = True
            if name and (kind == "hidden" or (kind == "checkbox" and name == "scope")):
                self.fields.append((name, a.get("value", "")))
        elif self._in and tag == "button" and a.get("name"):
            self.submits.append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in = False


def one_sign_in(target: Target) -> None:
    """A new browser from authorize to userinfo; raises on anything unexpected."""
    browser = Browser(target.url)
    meta = target.metadata
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    nonce = secrets.token_hex(8)
    query = urlencode(
        {
            "client_id": CLIENT[0],
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile email",
            "state": secrets.token_hex(8),
            "nonce": nonce,
            "prompt": "consent",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    status, location, page = browser.send("GET", meta["authorization_endpoint"] + "?" + query)
    here = meta["authorization_endpoint"]
    pages = 0
    while True:
        if status in (302, 303):
            here = urljoin(here, location)
            if here.startswith(REDIRECT_URI):
                break
            status, location, page = browser.send("GET", here)
            continue
        if status != 200 or pages >= 4:
            raise RuntimeError(f"{urlsplit(here).path} answered {status}")
        pages += 1
        form = Form()
        form.feed(page)
        if form.action is None:
            raise RuntimeError(f"no form on {urlsplit(here).path}")
        fields = list(form.fields)
        if form.password:  # Ostiary names it username, oidc-provider's development page login
            fields += [("username", "alice"), ("login", "alice"), ("password", "alice-password")]
        fields += [s for s in form.submits if s[1] in ("login", "allow")][:1]
        here = urljoin(here, form.action or here)
        status, location, page = browser.send("POST", here, fields)
    params = parse_qs(urlsplit(here).query)
    if "code" not in params:
        raise RuntimeError(f"no code: {params}")
    status, _, body = browser.send(
        "POST",
        meta["token_endpoint"],
        headers={"Authorization": BASIC},
        form={
            "grant_type": "authorization_code",
            "code": params["code"][0],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
    )
    if status != 200:
        raise RuntimeError(f"token endpoint answered {status}: {body[:200]}")
    tokens = json.loads(body)
    claims = jwt.decode(tokens["id_token"], target.keys).claims
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": meta["issuer"]},
        aud={"essential": True, "value": CLIENT[0]},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
    ).validate(claims)
    status, _, body = browser.send(
        "GET", meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    if status != 200 or json.loads(body).get("sub") != claims["sub"]:
        raise RuntimeError(f"userinfo answered {status}: {body[:200]}")


def run_sign_ins(target: Target, browsers: int, duration: float) -> dict:
    latencies, failures = [], []
    deadline = time.monotonic() + duration

    def worker():
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                one_sign_in(target)
                latencies.append(time.perf_counter() - started)
            except Exception as exc:  # noqa: BLE001 - counted and shown
                failures.append(repr(exc)[:300])

    started = time.monotonic()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(browsers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 60)
    out = result("sign_in", len(latencies), len(failures), time.monotonic() - started, latencies, unit="flow")
    if failures:
        out["failure_example"] = failures[0]
    return out


# -- driver ----------------------------------------------------------------------


def cpu_seconds(pids) -> float:
    import os

    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measure(target: Target, name: str, args) -> dict:
    before = cpu_seconds(target.pids)
    if name == "sign_in":
        out = run_sign_ins(target, args.browsers, args.duration)
    else:
        out = run_wrk(name, target.url, args.connections, args.duration, 1, target.path(name))
    if out["count"]:
        out["server_cpu_ms"] = round((cpu_seconds(target.pids) - before) * 1000 / out["count"], 3)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Ostiary beside node oidc-provider, alternating A B A B.")
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--runs", type=int, default=3, help="runs of each server per scenario (default 3)")
    parser.add_argument("--duration", type=float, default=8, help="seconds per run (default 8)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--browsers", type=int, default=8, help="concurrent browsers in sign_in (default 8)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)  # as etc/production.ini
    parser.add_argument(
        "--storage",
        choices=("file", "zeo", "relstorage"),
        default="file",
        help="Ostiary's database; more than one worker needs zeo or relstorage (default file)",
    )
    parser.add_argument("--argon2", choices=("owasp", "min"), default="owasp")
    parser.add_argument("--without-node", action="store_true", help="measure Ostiary alone")
    parser.add_argument("--json", help="also write every run to this file")
    args = parser.parse_args(argv)
    if not shutil.which("wrk") and set(args.scenarios) - {"sign_in"}:
        raise SystemExit("wrk not found (apt-get install wrk)")
    with_node = not args.without_node and shutil.which("node") and shutil.which("npm")
    if not with_node and not args.without_node:
        print("node or npm not found: measuring Ostiary alone", flush=True)
    argon2 = (1, 8) if args.argon2 == "min" else None
    if args.workers > 1 and args.storage == "file":
        raise SystemExit("--workers 2 needs --storage zeo or relstorage (a FileStorage is one process's)")
    setup = SetUp("versus", args.workers, args.storage, args.threads, argon2=argon2)
    node = None
    with setup:
        targets = []
        if with_node:
            node = NodeProvider(setup.dir)
        try:
            if node is not None:
                targets.append(Target("node", node.url, [node.process.pid]))
            pids = [p.pid for p in setup.processes] + setup.workers_pids
            targets.append(Target("ostiary", setup.url, pids))
            print(
                f"machine: {machine()}\n"
                + (f"node: {node.version}\n" if node else "")
                + f"ostiary: granian, {args.workers} worker(s) x {args.threads} threads, {args.storage} storage, "
                f"argon2id {'time cost 1, 8 KiB' if argon2 else 'OWASP minimum (t=2, 19 MiB)'}\n"
                f"{args.runs} runs of {args.duration:g} s each, wrk {args.connections} connections, "
                f"{args.browsers} browsers",
                flush=True,
            )
            runs = {t.name: {s: [] for s in args.scenarios} for t in targets}
            for scenario in args.scenarios:
                for target in targets:  # warm-up (JIT, caches, the first keys)
                    if scenario == "sign_in":
                        one_sign_in(target)
                    else:
                        run_wrk(scenario, target.url, args.connections, 1, 1, target.path(scenario))
                for index in range(args.runs):
                    for target in targets:
                        out = measure(target, scenario, args)
                        runs[target.name][scenario].append(out)
                        print(f"  run {index + 1} {target.name:<8} {format_run(out)}", flush=True)
                        if out.get("failure_example"):
                            print(f"      e.g. {out['failure_example']}", flush=True)
        finally:
            if node is not None:
                node.stop()
    print("\nmedians:")
    print_table(runs, args.scenarios)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "args": vars(args), "runs": runs}, indent=2))
    return 0


def format_run(r: dict) -> str:
    text = (
        f"{r['scenario']:<18} {r['rate']:>9.1f} {r['unit']}/s  p50 {r['p50_ms']:>8.2f} ms  p99 {r['p99_ms']:>8.2f} ms"
    )
    text += f"  failed {r['errors']}"
    if "server_cpu_ms" in r:
        text += f"  server CPU {r['server_cpu_ms']:.2f} ms/{r['unit']}"
    return text


def print_table(runs: dict, scenarios) -> None:
    names = list(runs)
    print("| work | " + " | ".join(names) + (" | ratio |" if len(names) == 2 else " |"))
    print("|---" * (len(names) + 1 + (len(names) == 2)) + "|")
    for scenario in scenarios:
        cells, rates = [], []
        for name in names:
            rs = runs[name][scenario]
            rate = statistics.median(r["rate"] for r in rs)
            p50 = statistics.median(r["p50_ms"] or 0 for r in rs)
            p99 = statistics.median(r["p99_ms"] or 0 for r in rs)
            failed = sum(r["errors"] for r in rs)
            total = sum(r["count"] for r in rs) + failed
            rates.append(rate)
            cells.append(f"{rate:,.1f} {rs[0]['unit']}/s (p50 {p50:.1f} ms, p99 {p99:.1f} ms, failed {failed}/{total})")
        ratio = f" | {rates[1] / rates[0]:.2f}×" if len(names) == 2 and rates[0] else ""
        print(f"| {scenario} | " + " | ".join(cells) + ratio + " |")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
