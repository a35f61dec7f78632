"""Test fixtures for Ostiary and for plugin authors (a pytest plugin).

Installed as the ``ostiary`` pytest11 entry point, so any project that
installs Ostiary gets these fixtures:

``ostiary_settings``
    a dict of app settings with a real FileStorage database in a temporary
    directory and cheap argon2 parameters; change it before the app is built.
``ostiary_plugins``
    a list of ``(name, plugin)`` pairs registered after the built-ins; append
    your plugin in a test to try it.
``ostiary_app``
    the WSGI application built from those settings.
``ostiary_testapp``
    a ``webtest.TestApp`` around it.
``ostiary_demo``
    the demo client ``demo-rp``, the ``api`` scope and the user ``alice``
    loaded into that database (returns the :data:`DEMO` dict).

And helpers: :func:`transaction_root` to change the database directly, and
:class:`CodeFlow` to walk the authorization code flow through the pages.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import copy
import hashlib
import http.server
import io
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

import pytest

# Every test builds a fresh application, and each would compile every
# Chameleon template again (most of a short test's time). Chameleon reads
# CHAMELEON_CACHE when it is first imported: point it at a directory for
# this test run so compiled templates are shared between applications.
if "CHAMELEON_CACHE" not in os.environ:
    os.environ["CHAMELEON_CACHE"] = tempfile.mkdtemp(prefix="ostiary-chameleon-")
    atexit.register(shutil.rmtree, os.environ["CHAMELEON_CACHE"], True)

TEST_ISSUER = "http://localhost"
REDIRECT_URI = "http://127.0.0.1:9999/cb"

#: The demo data of ``etc/demo.toml``, for tests (issuer-independent).
DEMO = {
    "resources": [
        {
            "name": "api",
            "kind": "api",
            "display_name": "Demo API",
            "description": "Read and write your data in the demo API",
            "audience": "http://localhost/resources/api",
        },
    ],
    "clients": [
        {
            "client_id": "demo-rp",
            "name": "Demo application",
            "secret": "demo-secret",
            "redirect_uris": [REDIRECT_URI],
            "post_logout_redirect_uris": ["http://127.0.0.1:9999/logged-out"],
            "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
            "scopes": ["openid", "profile", "email", "offline_access", "api"],
        },
    ],
    "users": [
        {
            "username": "alice",
            "password": "alice-password",
            "email": "alice@example.org",
            "claims": {
                "name": "Alice Liddell",
                "given_name": "Alice",
                "family_name": "Liddell",
                "email_verified": True,
            },
        },
    ],
}


def base_settings(data_dir) -> dict:
    """Settings for a test app whose database lives in ``data_dir``."""
    return {
        "ostiary.issuer": TEST_ISSUER,
        "ostiary.development": "false",
        "ostiary.argon2_time_cost": "1",
        "ostiary.argon2_memory_cost": "1024",
        "ostiary.argon2_parallelism": "1",
        "zodbconn.uri": f"file://{data_dir}/Data.fs?blobstorage_dir={data_dir}/blobs",
        "retry.attempts": "3",
        "ostiary.prune_interval": "0",
        "ostiary.pack_interval": "0",
        # Each request's audit records stored as it ends, so a test reads
        # them at once; the batching writer has tests of its own.
        "ostiary.audit.write_interval_ms": "0",
    }


def close_app(app) -> None:
    """Stop an application built in a test: its pruner thread, its databases."""
    from .maintenance import stop_workers
    from .models.database import close_databases
    from .monitoring import stop_listener

    stop_workers(app.registry)

    stop_listener(app.registry)
    close_databases(app.registry)


@contextlib.contextmanager
def transaction_root(app):
    """Yield the Ostiary root of ``app``'s database in a transaction of its own,
    committed on success (the way a second process would see the database)."""
    from .models.database import database, root_apart

    with root_apart(database(app.registry)) as root:
        yield root


@contextlib.contextmanager
def concurrent_roots(app, count: int = 2):
    """``count`` Ostiary roots of ``app``'s database, each on a connection
    and transaction manager of its own: what as many requests started at
    the same moment see. Yields ``[(root, manager), ...]``; commit or abort
    each through its manager (:func:`commit_second_conflicts`)."""
    import transaction

    from .models.database import database

    managers = [transaction.TransactionManager() for _ in range(count)]
    connections = [database(app.registry).open(transaction_manager=m) for m in managers]
    try:
        yield [(conn.root()["ostiary"], manager) for conn, manager in zip(connections, managers, strict=True)]
    finally:
        for conn in connections:
            conn.close()


def commit_second_conflicts(first, second, conflicts: bool) -> None:
    """Commit the transaction manager ``first``, then ``second``: which must
    fail with a ConflictError (then aborted) when ``conflicts``, else commit."""
    from ZODB.POSException import ConflictError

    first.commit()
    if not conflicts:
        second.commit()
        return
    with pytest.raises(ConflictError):
        second.commit()
    second.abort()


def write_ini(directory, settings: dict | None = None, name: str = "ostiary.ini"):
    """Write ``directory/name``: an ``[app:main]`` of Ostiary for the
    ``ostiary`` command, argon2 at its minimum, on a FileStorage in
    ``directory`` unless ``settings`` (ini names: values, which win) says
    otherwise. Returns its path."""
    import pathlib

    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    lines = {
        "use": "egg:ostiary",
        "ostiary.issuer": "http://localhost",
        "ostiary.argon2_time_cost": "1",
        "ostiary.argon2_memory_cost": "1024",
        "ostiary.argon2_parallelism": "1",
        "zodbconn.uri": f"file://{directory}/Data.fs",
        **(settings or {}),
    }
    path = directory / name
    path.write_text("[app:main]\n" + "".join(f"{key} = {value}\n" for key, value in lines.items()))
    return path


def load_data(app, data: dict) -> None:
    """Load a set-up dict (the ``ostiary load`` format) into ``app``'s database."""
    from .loader import load

    with transaction_root(app) as root:
        load(root, app.registry.ostiary_passwords, copy.deepcopy(data))


def pkce_pair() -> tuple[str, str]:
    """A fresh PKCE ``(verifier, S256 challenge)``."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def form_value(html: str, name: str) -> str:
    """The value of the hidden input ``name`` in ``html``."""
    import html as htmllib

    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    if match is None:
        raise AssertionError(f"no input named {name!r} on the page")
    return htmllib.unescape(match.group(1))


def form_fields(page, **changes) -> dict:
    """Every field of the first form of a WebTest ``page`` as a browser
    would post it (a ticked box: ``yes``; an unticked one: absent), with
    ``changes`` (``None`` drops a field)."""
    values = {}
    for name, (field, *_) in page.forms[0].fields.items():
        if field.__class__.__name__ == "Checkbox":
            if field.checked:
                values[name] = "yes"
        elif name:
            values[name] = field.value or ""
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def client_post(app, path: str, form, auth=("demo-rp", "demo-secret")):
    """POST ``form`` to a machine-facing endpoint as a client authenticating
    with HTTP Basic (``auth=None``: no client authentication); errors are
    returned, not raised."""
    app.authorization = ("Basic", auth) if auth else None
    try:
        return app.post(path, form, expect_errors=True)
    finally:
        app.authorization = None


class CodeFlow:
    """Walk the authorization code flow through the real pages with WebTest."""

    def __init__(self, testapp, client_id="demo-rp", redirect_uri=REDIRECT_URI):
        self.app = testapp
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.verifier, self.challenge = pkce_pair()

    def params(self, **extra) -> dict:
        params = {
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": self.redirect_uri,
            "scope": "openid profile email",
            "state": "state-" + secrets.token_hex(4),
            "nonce": "nonce-" + secrets.token_hex(4),
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
        }
        params.update(extra)
        return {k: v for k, v in params.items() if v is not None}

    def authorize(self, **extra):
        """GET the authorize endpoint; return the response (not followed)."""
        return self.app.get("/connect/authorize", params=self.params(**extra))

    def login(self, response, username="alice", password="alice-password", remember=False):
        """From a redirect to the login page, sign in; return the POST response."""
        page = self.app.get(response.location) if response.status_int in (302, 303) else response
        form = {
            "csrf_token": form_value(page.text, "csrf_token"),
            "returnUrl": form_value(page.text, "returnUrl"),
            "username": username,
            "password": password,
            "action": "login",
        }
        if remember:
            form["remember"] = "yes"
        return self.app.post("/account/login", form)

    def consent(self, response, scopes=None, remember=True, action="allow"):
        """From a redirect to the consent page, answer it; return the POST response."""
        page = self.app.get(response.location) if response.status_int in (302, 303) else response
        form = [
            ("csrf_token", form_value(page.text, "csrf_token")),
            ("returnUrl", form_value(page.text, "returnUrl")),
            ("action", action),
        ]
        for scope in scopes if scopes is not None else re.findall(r'name="scope" value="([^"]+)"', page.text):
            form.append(("scope", scope))
        if remember:
            form.append(("remember", "yes"))
        return self.app.post("/consent", form)

    def follow_to_client(self, response, limit=6):
        """Follow redirects inside Ostiary until one leaves for the client; return
        the query parameters the client receives."""
        for _ in range(limit):
            location = response.location or ""
            if location.startswith(self.redirect_uri):
                return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
            if "/account/login" in location:
                response = self.login(response)
            elif "/consent" in location:
                response = self.consent(response)
            elif location:
                response = self.app.get(location)
            else:
                break
        raise AssertionError("the flow did not reach the client")

    def code(self, **extra) -> dict:
        """Run the whole flow (login and consent as needed); return the client's parameters."""
        return self.follow_to_client(self.authorize(**extra))

    def exchange(self, code, secret="demo-secret", **extra):
        """Exchange ``code`` at the token endpoint with client_secret_basic."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": self.verifier,
        }
        form.update(extra)
        self.app.authorization = ("Basic", (self.client_id, secret))
        try:
            return self.app.post("/connect/token", form, expect_errors=True)
        finally:
            self.app.authorization = None


class LogoutReceiver:
    """A relying party's back-channel logout URI on a loopback port (a real
    HTTP server in a thread): records each POST as ``(content type, form)``
    and answers with ``status``."""

    def __init__(self, status: int = 200):
        received = self.received = []
        self.status = status
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                received.append((self.headers["Content-Type"], body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/backchannel"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int = 1, timeout: float = 10) -> list:
        """The requests received, once there are ``count`` (or ``timeout`` passed)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received

    def wait_tokens(self, count: int = 1, timeout: float = 10) -> list[str]:
        """The ``logout_token`` of each request, as :meth:`wait`."""
        return [form["logout_token"][0] for _, form in self.wait(count, timeout)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def logout_receiver():
    """A :class:`LogoutReceiver` answering 200, closed after the test."""
    receiver = LogoutReceiver()
    yield receiver
    receiver.close()


class CommandResult(NamedTuple):
    """What a run of the ``ostiary`` command gave: its exit code and output."""

    code: int
    out: str
    err: str


@pytest.fixture
def ostiary_command_line(capsys, monkeypatch):
    """Run ``ostiary INI ARGS...`` in this process: ``run(ini, *args,
    stdin="")`` returns a :class:`CommandResult`, with ``stdin`` as what
    standard input holds (a password typed at a prompt, say)."""
    from .cli import main

    def run(ini, *args, stdin: str = "") -> CommandResult:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main([str(ini), *args])
        captured = capsys.readouterr()
        return CommandResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def ostiary_settings(tmp_path) -> dict:
    return base_settings(tmp_path)


@pytest.fixture
def ostiary_plugins() -> list:
    return []


@pytest.fixture
def ostiary_app(ostiary_settings, ostiary_plugins):
    from . import main

    settings = dict(ostiary_settings)
    settings["ostiary_testing_plugins"] = list(ostiary_plugins)
    app = main({}, **settings)
    yield app
    close_app(app)


@pytest.fixture
def ostiary_testapp(ostiary_app):
    import webtest

    return webtest.TestApp(ostiary_app, extra_environ={"HTTP_HOST": "localhost"})


@pytest.fixture
def ostiary_demo(ostiary_app) -> dict:
    load_data(ostiary_app, DEMO)
    return DEMO
