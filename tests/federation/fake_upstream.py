"""A small real upstream on a loopback port, for what a real Ostiary would
never do: sign its ID tokens with a key it does not publish, send them for
another audience or nonce, without or with an old ``auth_time``, refuse
Ostiary's client credentials, or speak plain OAuth 2.0 with a GitHub-style
userinfo. It records the parameters of every authorization request and every
path it serves, signs back-channel logout tokens as a test asks
(:meth:`FakeUpstream.logout_token`), and rotates its key on demand. It
serves discovery, a JWKS, an authorization endpoint that approves at once
(redirecting back with a code), a token endpoint and a userinfo endpoint,
over HTTP from ``http.server`` in a thread.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

#: What the token endpoint does wrong (``good`` does nothing wrong).
DEFECTS = ("good", "wrong_key", "wrong_audience", "wrong_nonce", "wrong_issuer", "expired")


class FakeUpstream:
    """``with FakeUpstream() as fake:`` serves at ``fake.url``."""

    def __init__(self, defect: str = "good", client_id: str = "downstream", style: str = "oidc"):
        assert defect in DEFECTS and style in ("oidc", "github")
        self.defect = defect
        self.style = style  # github: plain OAuth 2.0, a numeric "id" and "login" at userinfo
        self.client_id = client_id
        self.published = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"}, private=True)
        # Same kid, other key material: only the signature can tell them apart.
        self.rogue = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"}, private=True)
        self.discovery_issuer = None  # set to make discovery name another issuer
        self.codes: dict[str, dict] = {}
        self.requests: list[str] = []
        self.authorize_queries: list[dict] = []  # the parameters of each authorization request
        # Seconds between the person's sign-in and the ID token; None: no auth_time claim.
        self.auth_age: int | None = None
        self.user = {
            "sub": "fake-user-1",
            "email": "fake@example.org",
            "email_verified": True,
            "name": "Fake Person",
            "preferred_username": "fakeperson",
        }
        self.sid: str | None = None  # the upstream session id the ID tokens carry, if any
        # (status, JSON body or text) the token endpoint answers instead of a token, if set.
        self.token_refusal: tuple[int, dict | str] | None = None
        # The error the authorization endpoint redirects back with instead of a code, if set.
        self.authorize_error: str | None = None
        self.jwks_delay = 0.0  # seconds the JWKS takes to serve, as a slow upstream
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = None

    # -- what it serves -------------------------------------------------------------

    def discovery(self) -> dict:
        return {
            "issuer": self.discovery_issuer or self.url,
            "authorization_endpoint": self.url + "/authorize",
            "token_endpoint": self.url + "/token",
            "jwks_uri": self.url + "/jwks",
            "userinfo_endpoint": self.url + "/userinfo",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def authorize(self, query: dict) -> str:
        self.authorize_queries.append(dict(query))
        if self.authorize_error:
            return (
                query["redirect_uri"]
                + "?"
                + urlencode({"error": self.authorize_error, "state": query.get("state", "")})
            )
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": query.get("nonce"), "challenge": query.get("code_challenge")}
        return query["redirect_uri"] + "?" + urlencode({"code": code, "state": query.get("state", "")})

    def id_token(self, nonce: str | None) -> str:
        issued = int(time.time())
        claims = {
            "iss": self.url,
            "aud": self.client_id,
            "sub": self.user["sub"],
            "iat": issued,
            "exp": issued + 300,
            "nonce": nonce,
            **{k: v for k, v in self.user.items() if k != "sub"},
        }
        if self.auth_age is not None:
            claims["auth_time"] = issued - self.auth_age
        if self.sid is not None:
            claims["sid"] = self.sid
        if self.defect == "wrong_audience":
            claims["aud"] = "someone-else"
        elif self.defect == "wrong_nonce":
            claims["nonce"] = "not-the-nonce"
        elif self.defect == "wrong_issuer":
            claims["iss"] = "http://127.0.0.1:1"
        elif self.defect == "expired":
            claims["iat"], claims["exp"] = issued - 4000, issued - 3600
        key = self.rogue if self.defect == "wrong_key" else self.published
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def logout_token(self, *, key=None, typ="logout+jwt", drop=(), **claims) -> str:
        """A back-channel logout token for this fake's user: good unless the
        test changes ``claims`` (None deletes one), ``drop``s some, or signs
        with another ``key``."""
        issued = int(time.time())
        payload = {
            "iss": self.url,
            "aud": self.client_id,
            "iat": issued,
            "exp": issued + 120,
            "jti": uuid.uuid4().hex,
            "sub": self.user["sub"],
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        }
        if self.sid is not None:
            payload["sid"] = self.sid
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None and k not in drop}
        key = key or self.published
        header = {"alg": "RS256", "kid": key.kid}
        if typ:
            header["typ"] = typ
        return jwt.encode(header, payload, key)

    def next_key(self) -> RSAKey:
        """A new signing key (kid ``k2``, ``k3``, ...) for :meth:`rotate`."""
        kid = f"k{int(self.published.kid[1:]) + 1}"
        return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)

    def rotate(self, key: RSAKey) -> None:
        """Publish and sign with ``key`` instead of the old key."""
        self.published = key

    def userinfo(self) -> dict:
        if self.style == "github":
            return {"id": 4242, "login": "octocat", "name": "Mona Octocat", "email": "octocat@example.org"}
        return dict(self.user)

    def token(self, form: dict) -> tuple[int, dict | str]:
        if self.token_refusal is not None:
            return self.token_refusal
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None:
            return 400, {"error": "invalid_grant"}
        if not form.get("code_verifier"):
            return 400, {"error": "invalid_request", "error_description": "PKCE expected"}
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant["nonce"]),
        }

    # -- plumbing -----------------------------------------------------------------------

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body=None, location=None):
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                if isinstance(body, str):
                    data, kind = body.encode(), "text/html"
                else:
                    data, kind = (json.dumps(body).encode() if body is not None else b""), "application/json"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                parts = urlsplit(self.path)
                fake.requests.append(parts.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/.well-known/openid-configuration":
                    self._send(200, fake.discovery())
                elif parts.path == "/jwks":
                    time.sleep(fake.jwks_delay)
                    self._send(200, {"keys": [fake.published.as_dict(private=False)]})
                elif parts.path == "/authorize":
                    self._send(302, location=fake.authorize(query))
                elif parts.path == "/userinfo":
                    if not self.headers.get("Authorization", "").startswith("Bearer "):
                        self._send(401, {"error": "invalid_token"})
                    else:
                        self._send(200, fake.userinfo())
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                fake.requests.append(self.path)
                if self.path == "/token":
                    self._send(*fake.token(form))
                else:
                    self._send(404, {"error": "not_found"})

        return Handler

    def start(self) -> FakeUpstream:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
