"""The harness of the external-login tests: real upstreams on loopback.

The upstream is a second Ostiary, served by waitress on its own port with
its own FileStorage (``tests/e2e/live_server.py``), where the downstream is
registered as a client. The downstream is the app under test, driven with
WebTest; its server-side calls (discovery, JWKS, token, userinfo) go over
real HTTP to the upstream. A :class:`Browser` carries one set of cookies for
each side and walks the redirects between them, filling in the upstream's
login page like a person would.
"""

from __future__ import annotations

import contextlib
import re
import threading
from urllib.parse import parse_qs, urljoin, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests
import webtest
from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.testing import REDIRECT_URI, CodeFlow, form_value, transaction_root

DOWNSTREAM = "http://localhost"
CALLBACK = DOWNSTREAM + "/account/external/upstream/callback"
SIGNED_OUT = DOWNSTREAM + "/account/external/upstream/signed-out"

UPSTREAM_DATA = {
    "clients": [
        {
            "client_id": "downstream",
            "name": "Downstream Ostiary",
            "secret": "downstream-secret",
            "redirect_uris": [CALLBACK],
            "post_logout_redirect_uris": [SIGNED_OUT],
            "grant_types": ["authorization_code"],
            "scopes": ["openid", "profile", "email"],
            "first_party": True,
        },
    ],
    "users": [
        {
            "username": "alice",
            "password": "alice-password",
            "email": "alice@example.org",
            "claims": {"name": "Alice Upstream", "email_verified": True},
        },
        {
            "username": "dora",
            "password": "dora-password",
            "email": "dora@example.org",
            "claims": {"name": "Dora Explorer", "given_name": "Dora", "email_verified": True},
        },
        {
            "username": "carol",
            "password": "carol-password",
            "email": "carol@example.org",
            "claims": {"name": "Carol Unverified", "email_verified": False},
        },
    ],
}


def provider_settings(issuer: str, name: str = "upstream", **extra) -> dict:
    """The ini settings of one provider."""
    settings = {
        f"ostiary.provider.{name}.issuer": issuer,
        f"ostiary.provider.{name}.client_id": "downstream",
        f"ostiary.provider.{name}.client_secret": "downstream-secret",
        f"ostiary.provider.{name}.display_name": f"{name.title()} Corp",
    }
    settings.update({f"ostiary.provider.{name}.{key}": str(value) for key, value in extra.items()})
    return settings


class Browser:
    """One browser: WebTest's cookie jar for the downstream, a requests
    session for the upstream. ``visited`` records (side, status, path)."""

    def __init__(self, app, upstream_url):
        self.app = app
        self.down = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
        self.up = requests.Session()
        self.upstream_url = upstream_url
        self.flow = CodeFlow(self.down)
        self.visited = []
        self.upstream_urls = []  # every upstream URL requested, in full

    # -- one step ------------------------------------------------------------

    @staticmethod
    def downstream(url) -> bool:
        return not urlsplit(url).netloc or url.startswith(DOWNSTREAM + "/")

    def get(self, url):
        """GET ``url`` on whichever side it belongs to (anything not the
        downstream is a real server); redirects not followed."""
        if not self.downstream(url):
            response = self.up.get(url, allow_redirects=False, timeout=10)
            self.visited.append(("up", response.status_code, urlsplit(url).path))
            self.upstream_urls.append(url)
            return response
        parts = urlsplit(url)
        response = self.down.get(parts.path + ("?" + parts.query if parts.query else ""), expect_errors=True)
        self.visited.append(("down", response.status_int, parts.path))
        return response

    @staticmethod
    def location(response, base):
        status = getattr(response, "status_code", None) or response.status_int
        if status not in (301, 302, 303):
            return None
        return urljoin(base, response.headers["Location"])

    # -- walking ---------------------------------------------------------------

    def walk(self, url, user=("alice", "alice-password"), upstream_action="login", limit=20):
        """Follow redirects from ``url``, signing in at the upstream's login
        page as ``user`` and allowing the downstream's consent page; stop at the client (return its parameters as a
        dict with ``"at": "client"``) or at a downstream page (``"at": path``)."""
        for _ in range(limit):
            if url.startswith(REDIRECT_URI):
                return {"at": "client", **{k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}}
            response = self.get(url)
            following = self.location(response, url)
            if following is not None:
                url = following
                continue
            if url.startswith(self.upstream_url) and urlsplit(url).path == "/account/login":
                url = self.upstream_login(url, response.text, user, upstream_action)
                continue
            if not self.downstream(url):
                return {"at": "upstream", "response": response, "url": url}
            if urlsplit(url).path == "/consent":
                url = urljoin(url, self.flow.consent(response).headers["Location"])
                continue
            return {"at": urlsplit(url).path, "response": response, "url": url}
        raise AssertionError(f"too many redirects: {self.visited}")

    def upstream_login(self, url, html, user, action="login"):
        """Post the upstream login form; return where it sends the browser."""
        form = {
            "csrf_token": form_value(html, "csrf_token"),
            "returnUrl": form_value(html, "returnUrl"),
            "username": user[0],
            "password": user[1],
            "action": action,
        }
        response = self.up.post(urljoin(url, "/account/login"), data=form, allow_redirects=False, timeout=10)
        self.visited.append(("up", response.status_code, "/account/login"))
        assert response.status_code == 303, response.text[:500]
        return urljoin(url, response.headers["Location"])

    def local_login(self, page, username="alice", password="alice-password"):
        """Post the downstream login form on ``page``; return where it leads."""
        form = {
            "csrf_token": form_value(page.text, "csrf_token"),
            "returnUrl": form_value(page.text, "returnUrl"),
            "username": username,
            "password": password,
            "action": "login",
        }
        response = self.down.post("/account/login", form, expect_errors=True)
        self.visited.append(("down", response.status_int, "/account/login"))
        return response

    # -- the usual journeys ------------------------------------------------------------

    def authorize_url(self, **extra):
        return (
            DOWNSTREAM
            + "/connect/authorize?"
            + "&".join(f"{k}={requests.utils.quote(v, safe='')}" for k, v in self.flow.params(**extra).items())
        )

    def login_page(self, **extra):
        """From a fresh authorization request to the downstream login page."""
        result = self.walk(self.authorize_url(**extra))
        assert result["at"] == "/account/login", result
        return result["response"]

    @staticmethod
    def provider_href(page, name="upstream"):
        match = re.search(rf'href="(/account/external/{name}[^"]*)"', page.text)
        assert match, f"no {name} button on the login page"
        return match.group(1).replace("&amp;", "&")

    def sign_in_upstream(self, user=("alice", "alice-password"), upstream_action="login", **extra):
        """Authorize at the downstream, press the upstream button, sign in
        there; return where the browser ends (see :meth:`walk`)."""
        page = self.login_page(**extra)
        return self.walk(DOWNSTREAM + self.provider_href(page), user=user, upstream_action=upstream_action)

    def tokens(self, result) -> dict:
        """Exchange the code the client got; return the token response with
        the ID and access tokens' claims under ``id_claims``/``access_claims``."""
        assert result["at"] == "client" and "code" in result, result
        response = self.flow.exchange(result["code"])
        assert response.status_int == 200, response.text
        token = dict(response.json)
        keys = KeySet.import_key_set(self.down.get("/.well-known/jwks.json").json)
        token["id_claims"] = jwt.decode(token["id_token"], keys).claims
        token["access_claims"] = jwt.decode(token["access_token"], keys).claims
        return token


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _ThreadingWSGIServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request, client_address):  # one thread per request, like waitress
        threading.Thread(target=self._serve_one, args=(request, client_address), daemon=True).start()

    def _serve_one(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - as socketserver does
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


@contextlib.contextmanager
def served(app):
    """Serve the downstream ``app`` over HTTP on a loopback port too (the
    browser still uses WebTest), for calls an upstream server makes to it,
    such as back-channel logout; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def error_shown(result) -> str:
    """The error code the error page at the end of ``result`` shows."""
    assert result["at"] == "/error", result
    match = re.search(r"<code>([a-z_]+)</code>", result["response"].text)
    assert match, result["response"].text
    return match.group(1)


def database(app):
    """(users by username, links as (provider, upstream subject) -> subject) of ``app``."""
    with transaction_root(app) as root:
        users = {u.username: u.subject for u in root.users}
        links = {(k.provider, k.upstream_subject): k.subject for k in root.federation.links.values()}
    return users, links
