"""``use = egg:ostiary#granian``: ``pserve`` hands the app to granian, which
serves it from worker processes of its own.

The server process closes its copy of the app before the worker opens the
database, so even a FileStorage (one process at a time) works; Ctrl-C stops
everything and leaves the database free for the ``ostiary`` command; the
proxy settings are waitress's and really decide which forwarded headers
count. Every test talks real HTTP to a real ``pserve``.
"""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from storage_servers import BIN, REPO, free_port, ostiary_command, spawn, stop, wait_for

from ostiary.testing import form_value, pkce_pair

pytestmark = [pytest.mark.servers]

DEMO_TOML = REPO / "etc" / "demo.toml"
ISSUER = "http://127.0.0.1:6543"  # the issuer etc/demo.toml's API audience is under
CLIENT = ("demo-rp", "demo-secret")
REDIRECT_URI = "http://127.0.0.1:9999/cb"


def write_ini(directory: Path, port: int, development: bool = False, app: dict | None = None, **server: str) -> Path:
    ini = directory / "granian.ini"
    lines = [
        "[app:main]",
        "use = egg:ostiary",
        f"ostiary.issuer = {ISSUER}",
        f"ostiary.development = {'true' if development else 'false'}",
        "ostiary.argon2_time_cost = 1",
        "ostiary.argon2_memory_cost = 1024",
        f"zodbconn.uri = file://{directory}/Data.fs",
        *(f"{name} = {value}" for name, value in (app or {}).items()),
        "",
        "[server:main]",
        "use = egg:ostiary#granian",
        f"listen = 127.0.0.1:{port}",
        *(f"{name} = {value}" for name, value in server.items()),
    ]
    ini.write_text("\n".join(lines) + "\n")
    return ini


class Served:
    """``pserve INI`` running granian, until stopped."""

    def __init__(self, directory: Path, development: bool = False, app: dict | None = None, **server: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ini = write_ini(directory, self.port, development, app, **server)
        self.log = directory / "pserve.log"
        assert "database ready" in ostiary_command(self.ini, "init")
        assert "loaded" in ostiary_command(self.ini, "load", str(DEMO_TOML))
        self.process = spawn([BIN / "pserve", self.ini], self.log, cwd=REPO)
        wait_for(
            lambda: requests.get(self.url + "/.well-known/openid-configuration", timeout=2).ok,
            30,
            "pserve with granian",
            self.process,
            self.log,
        )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def served(tmp_path):
    server = Served(tmp_path, threads="2")
    yield server
    stop(server.process)


def test_granian_serves_ostiary_from_a_filestorage_and_stops_on_ctrl_c(served):
    token = requests.post(
        served.url + "/connect/token",
        data={"grant_type": "client_credentials", "scope": "api"},
        auth=CLIENT,
        timeout=10,
    )
    assert token.status_code == 200, token.text
    assert token.headers["Cache-Control"] == "no-store"
    jwks = KeySet.import_key_set(requests.get(served.url + "/.well-known/jwks.json", timeout=10).json())
    claims = jwt.decode(token.json()["access_token"], jwks).claims
    assert claims["client_id"] == "demo-rp" and claims["iss"] == ISSUER
    # Errors keep their status and JSON body through granian.
    refused = requests.post(
        served.url + "/connect/token", data={"grant_type": "client_credentials"}, auth=("demo-rp", "wrong"), timeout=10
    )
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert refused.headers["WWW-Authenticate"].startswith("Basic")

    # A page and the stylesheet it links (a file response, streamed).
    page = requests.get(served.url + "/account/login", timeout=10)
    assert page.status_code == 200 and "csrf_token" in page.text
    stylesheet = re.search(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', page.text).group(1)
    css = requests.get(urljoin(served.url + "/", stylesheet), timeout=10)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert len(css.content) == int(css.headers["Content-Length"]) > 0

    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(timeout=20) == 0
    assert "Traceback" not in served.log_text(), served.log_text()
    # The worker closed the database: the command line can open it again.
    assert "alice" in ostiary_command(served.ini, "user", "list")


def sign_in_page(session: requests.Session, url: str, headers: dict) -> tuple[str, str]:
    """Start an authorization request; return the login page's URL path and HTML."""
    verifier, challenge = pkce_pair()
    params = {
        "client_id": "demo-rp",
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    response = session.get(
        url + "/connect/authorize", params=params, headers=headers, allow_redirects=False, timeout=10
    )
    assert response.status_code in (302, 303), response.text[:500]
    location = urlsplit(response.headers["Location"])
    page = session.get(url + location.path + "?" + location.query, headers=headers, timeout=10)
    assert page.status_code == 200
    return location.path, page.text


def post_login(session, url, path, page, headers):
    form = {
        "csrf_token": form_value(page, "csrf_token"),
        "returnUrl": form_value(page, "returnUrl"),
        "username": "alice",
        "password": "alice-password",
        "action": "login",
    }
    return session.post(url + path, data=form, headers=headers, allow_redirects=False, timeout=10)


def test_ctrl_c_stores_the_audit_events_the_worker_gathered(tmp_path):
    """The worker would wait a minute before writing its audit records; its
    end (multiprocessing's finalizers: a forked worker skips ``atexit``)
    writes them."""
    served = Served(tmp_path, app={"ostiary.audit.write_interval_ms": "60000"}, threads="2")
    try:
        session = requests.Session()
        path, page = sign_in_page(session, served.url, {})
        assert post_login(session, served.url, path, page, {}).status_code in (302, 303)
    finally:
        served.process.send_signal(signal.SIGINT)
        assert served.process.wait(timeout=20) == 0
    assert "login.succeeded" in ostiary_command(served.ini, "audit", "--type", "login.succeeded")


def test_forwarded_https_from_the_trusted_proxy_turns_on_the_csrf_origin_check(tmp_path):
    """Pyramid checks a form's Origin only on https requests. Behind the
    trusted proxy, X-Forwarded-Proto makes the request https, so a post from
    another origin is refused and one from the public origin accepted."""
    server = Served(
        tmp_path,
        development=True,
        trusted_proxy="127.0.0.1",
        trusted_proxy_headers="x-forwarded-proto x-forwarded-host x-forwarded-for",
    )
    try:
        forwarded = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "id.example.org",
            "X-Forwarded-For": "203.0.113.7",
        }
        for origin, accepted in (("https://evil.example", False), ("https://id.example.org", True)):
            session = requests.Session()
            path, page = sign_in_page(session, server.url, forwarded)
            response = post_login(session, server.url, path, page, {**forwarded, "Origin": origin})
            if accepted:
                assert response.status_code in (302, 303), response.text[:500]
            else:
                assert response.status_code == 400
                assert "evil.example" not in response.text
    finally:
        stop(server.process)


def test_forwarded_headers_count_for_nothing_without_a_trusted_proxy(tmp_path):
    """No trusted_proxy: the forwarded headers are ignored, the request stays
    http, and Pyramid does not look at the Origin (the CSRF token still
    protects the form)."""
    server = Served(tmp_path, development=True)
    try:
        forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "id.example.org"}
        session = requests.Session()
        path, page = sign_in_page(session, server.url, forwarded)
        response = post_login(session, server.url, path, page, {**forwarded, "Origin": "https://evil.example"})
        assert response.status_code in (302, 303)
    finally:
        stop(server.process)


def test_several_workers_on_a_filestorage_are_refused_before_starting(tmp_path):
    ini = write_ini(tmp_path, free_port(), workers="2")
    assert "database ready" in ostiary_command(ini, "init")
    result = subprocess.run([str(BIN / "pserve"), str(ini)], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode != 0
    assert "[server] workers = 2 needs a database several processes can share" in result.stderr, result.stderr


@pytest.mark.parametrize(
    "setting, message",
    [
        ("workers = 0", "[server] workers must be 1 or more"),
        ("threads = many", "[server] threads must be a whole number, not 'many'"),
        ("listen = 127.0.0.1", "[server] listen must be HOST:PORT, not '127.0.0.1'"),
        (
            "trusted_proxy_headers = x-forwarded-proto",
            "[server] trusted_proxy_headers has no meaning without setting trusted_proxy",
        ),
        (
            "trusted_proxy = 127.0.0.1\ntrusted_proxy_headers = x-bogus",
            "[server] Received unknown trusted_proxy_headers value (x-bogus)",
        ),
        ("trusted_proxy = 127.0.0.1", "[server] trusted_proxy needs trusted_proxy_headers"),
        ("thread = 4", "[server] unknown setting 'thread'"),
        ("max_header_size = 4096", "[server] max_header_size must be at least 8192"),
    ],
)
def test_a_bad_server_setting_stops_pserve_naming_it(tmp_path, setting, message):
    ini = write_ini(tmp_path, free_port())
    text = (
        re.sub(r"^listen = .*$", "", ini.read_text(), flags=re.M) if setting.startswith("listen") else ini.read_text()
    )
    ini.write_text(text + setting + "\n")
    result = subprocess.run([str(BIN / "pserve"), str(ini)], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode != 0
    assert message in result.stderr.strip().splitlines()[-1], result.stderr[-2000:]
