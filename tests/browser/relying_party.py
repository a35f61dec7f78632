"""A small relying party for the browser tests, served on loopback.

It is a real OpenID Connect client: authlib's ``OAuth2Session`` runs the
code flow with PKCE and a nonce, the ID token is verified against the
provider's published keys, and sign-out goes through the end-session
endpoint with ``id_token_hint``. Its front-channel logout URI records every
hit (``iss``, ``sid``) and ends the matching local session, so a test can
tell that the browser really loaded the iframe.

Routes: ``/`` (who is signed in), ``/login``, ``/cb``, ``/logout``, ``/fc``
and ``/logged-out``.
"""

from __future__ import annotations

import html
import secrets
import threading
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet
from waitress.server import create_server

HOST = "127.0.0.1"
COOKIE = "rp_session"
SCOPE = "openid profile email"


class RelyingParty:
    """The WSGI app; ``client()`` gives the set-up dict to register it."""

    def __init__(self, issuer: str, client_id: str = "browser-rp", secret: str = "browser-secret"):
        self.issuer = issuer
        self.client_id = client_id
        self.secret = secret
        self.url = None  # set by serve()
        self.sessions: dict[str, dict] = {}  # cookie value -> state and, once signed in, the ID token
        self.frontchannel_hits: list[dict] = []  # query parameters of every /fc request
        self._lock = threading.Lock()
        self._metadata = None

    def client(self) -> dict:
        """The client as ``ostiary.testing.load_data`` takes it."""
        return {
            "client_id": self.client_id,
            "name": "Browser test application",
            "secret": self.secret,
            "redirect_uris": [self.url + "/cb"],
            "post_logout_redirect_uris": [self.url + "/logged-out"],
            "frontchannel_logout_uri": self.url + "/fc",
            "grant_types": ["authorization_code"],
            "scopes": SCOPE.split(),
        }

    # -- plumbing ------------------------------------------------------------

    @property
    def metadata(self) -> dict:
        if self._metadata is None:
            response = requests.get(self.issuer + "/.well-known/openid-configuration", timeout=10)
            response.raise_for_status()
            self._metadata = response.json()
        return self._metadata

    def _oauth(self) -> OAuth2Session:
        return OAuth2Session(
            self.client_id, self.secret, scope=SCOPE, redirect_uri=self.url + "/cb", code_challenge_method="S256"
        )

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        sid = cookie[COOKIE].value if COOKIE in cookie else None
        handler = self.routes.get(path)
        if handler is None:
            status, headers, body = "404 Not Found", [], "<h1>Not found</h1>"
        else:
            status, headers, body = handler(self, environ, query, sid)
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")] + headers
        start_response(status, headers)
        return [page(body).encode()]

    # -- routes --------------------------------------------------------------

    def home(self, environ, query, sid):
        session = self.sessions.get(sid) or {}
        if "claims" in session:
            return (
                "200 OK",
                [],
                f'<h1 id="hello">Hello {html.escape(session["userinfo"]["name"])}</h1>'
                '<p><a id="logout" href="/logout">Sign out</a></p>',
            )
        return "200 OK", [], '<h1 id="anonymous">Not signed in</h1><p><a id="login" href="/login">Sign in</a></p>'

    def login(self, environ, query, sid):
        sid = secrets.token_urlsafe(16)
        verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
        with self._oauth() as oauth:
            url, state = oauth.create_authorization_url(
                self.metadata["authorization_endpoint"], nonce=nonce, code_verifier=verifier
            )
        with self._lock:
            self.sessions[sid] = {"state": state, "verifier": verifier, "nonce": nonce}
        cookie = f"{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax"
        return "302 Found", [("Location", url), ("Set-Cookie", cookie)], ""

    def callback(self, environ, query, sid):
        session = self.sessions.get(sid)
        if session is None or query.get("state") != session["state"] or query.get("iss") != self.issuer:
            return "400 Bad Request", [], '<h1 id="rp-error">Unexpected callback</h1>'
        response_url = self.url + "/cb?" + environ["QUERY_STRING"]
        with self._oauth() as oauth:
            token = oauth.fetch_token(
                self.metadata["token_endpoint"],
                authorization_response=response_url,
                state=session["state"],
                code_verifier=session["verifier"],
            )
        keys = KeySet.import_key_set(requests.get(self.metadata["jwks_uri"], timeout=10).json())
        claims = jwt.decode(token["id_token"], keys).claims
        jwt.JWTClaimsRegistry(
            leeway=5,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            nonce={"essential": True, "value": session["nonce"]},
        ).validate(claims)
        with self._oauth() as oauth:
            oauth.token = token
            userinfo = oauth.get(self.metadata["userinfo_endpoint"], timeout=10).json()
        session.update(id_token=token["id_token"], claims=claims, userinfo=userinfo)
        return "302 Found", [("Location", "/")], ""

    def logout(self, environ, query, sid):
        session = self.sessions.get(sid) or {}
        params = {"post_logout_redirect_uri": self.url + "/logged-out", "state": "bye-" + secrets.token_hex(4)}
        if "id_token" in session:
            params["id_token_hint"] = session["id_token"]
        return "302 Found", [("Location", self.metadata["end_session_endpoint"] + "?" + urlencode(params))], ""

    def frontchannel(self, environ, query, sid):
        """Front-channel logout: record the hit, end the local session of ``sid``."""
        with self._lock:
            self.frontchannel_hits.append(query)
            if query.get("iss") == self.issuer:
                for key, session in list(self.sessions.items()):
                    if session.get("claims", {}).get("sid") == query.get("sid"):
                        del self.sessions[key]
        return "200 OK", [], "<p>Signed out of the browser test application.</p>"

    def logged_out(self, environ, query, sid):
        state = html.escape(query.get("state", ""))
        return "200 OK", [], f'<h1 id="logged-out">You have left the application</h1><p id="state">{state}</p>'

    routes = {
        "/": home,
        "/login": login,
        "/cb": callback,
        "/logout": logout,
        "/fc": frontchannel,
        "/logged-out": logged_out,
    }


def page(body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Relying party</title></head>'
        f"<body><main>{body}</main></body></html>"
    )


class Served:
    """``with Served(app) as url:`` serves a WSGI app under waitress on a free
    loopback port, in a thread (stopped the way ``tests/e2e/live_server.py``
    stops Ostiary)."""

    def __init__(self, app):
        self._server = create_server(app, host=HOST, port=0, threads=2)
        self.url = f"http://{HOST}:{self._server.effective_port}"
        self._thread = threading.Thread(target=self._run, name="rp-" + self.url, daemon=True)

    def _run(self):
        try:
            self._server.run()
        except OSError:
            if self._server is not None:
                raise

    def __enter__(self) -> str:
        self._thread.start()
        return self.url

    def __exit__(self, *exc) -> None:
        server, self._server = self._server, None
        for channel in list(server._map.values()):
            channel.handle_close()
        server.task_dispatcher.shutdown()
        self._thread.join(timeout=5)
