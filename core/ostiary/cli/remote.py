"""The command line through a running server's admin API.

A FileStorage database opens in one process at a time: while the server
runs, a command cannot open it. A command that can work through the admin
API does so then, authenticating with client_credentials as the admin
client the settings (or environment) name:

- ``ostiary.admin_api.url`` / ``OSTIARY_ADMIN_API_URL`` (default: the
  issuer followed by ``/admin/api/v1``),
- ``ostiary.admin_api.client_id`` / ``OSTIARY_ADMIN_CLIENT_ID``,
- ``ostiary.admin_api.client_secret`` / ``OSTIARY_ADMIN_CLIENT_SECRET``.

The token endpoint is the one of the server the API belongs to. Only the
standard library speaks HTTP here: the command line should not need more
than the server does.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request

from ..administration.scopes import ADMIN, API_PATH
from .app import CommandError
from .backend import AdminCommandError

#: Seconds to wait for the server.
TIMEOUT = 30

HOW_TO = (
    "the database is in use by a running server: to manage it through the server's admin API, set "
    "ostiary.admin_api.client_id and OSTIARY_ADMIN_CLIENT_SECRET (a client_credentials client with scope "
    "ostiary:admin; see docs/administration.md), or stop the server, or use ZEO or RelStorage"
)


def configured(settings) -> tuple[str, str, str] | None:
    """``(api_url, client_id, client_secret)``, or None when not configured."""
    url = os.environ.get("OSTIARY_ADMIN_API_URL") or settings.admin_api_url
    url = (url or settings.issuer.rstrip("/") + API_PATH).rstrip("/")
    client_id = os.environ.get("OSTIARY_ADMIN_CLIENT_ID") or settings.admin_api_client_id
    secret = os.environ.get("OSTIARY_ADMIN_CLIENT_SECRET") or settings.admin_api_client_secret
    if not (client_id and secret):
        return None
    return url, client_id, secret


class Remote:
    """The methods of :class:`.backend.Local`, over HTTP."""

    def __init__(self, url: str, client_id: str, secret: str):
        self.url = url
        self.client_id = client_id
        self.secret = secret
        self._token = None

    # -- HTTP -----------------------------------------------------------------

    def _send(self, request: urllib.request.Request):
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - a configured URL
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()
        except (urllib.error.URLError, OSError) as exc:
            raise CommandError(f"cannot reach the admin API at {self.url}: {getattr(exc, 'reason', exc)}") from None

    def token(self) -> str:
        if self._token is None:
            base = self.url.removesuffix(API_PATH)
            credentials = base64.b64encode(
                f"{urllib.parse.quote(self.client_id, safe='')}:{urllib.parse.quote(self.secret, safe='')}".encode()
            ).decode()
            form = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": ADMIN}).encode()
            request = urllib.request.Request(
                base + "/connect/token",
                data=form,
                headers={"Authorization": f"Basic {credentials}", "Content-Type": "application/x-www-form-urlencoded"},
            )
            status, _, body = self._send(request)
            if status != 200:
                raise CommandError(
                    f"the admin client {self.client_id!r} got no token from {base}/connect/token "
                    f"({status}: {_error_of(body)}): check its secret and that it may ask for {ADMIN}"
                )
            self._token = json.loads(body)["access_token"]
        return self._token

    def call(self, method: str, path: str, body=None, query=None, headers=None):
        """The JSON answer and headers; a problem becomes :class:`AdminCommandError`."""
        url = self.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = None if body is None else json.dumps(body).encode()
        all_headers = {"Authorization": f"Bearer {self.token()}", **(headers or {})}
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        status, response_headers, raw = self._send(
            urllib.request.Request(url, data=data, method=method, headers=all_headers)
        )
        try:
            answer = json.loads(raw or b"null")
        except ValueError:
            answer = None
        if status >= 400:
            problem = answer if isinstance(answer, dict) else {}
            detail = problem.get("detail") or f"the admin API answered {status}"
            raise AdminCommandError(detail, problem.get("field"), status)
        return answer, response_headers

    def _get(self, path, **query):
        return self.call("GET", path, query={k: v for k, v in query.items() if v is not None})[0]

    # -- clients --------------------------------------------------------------

    def list_clients(self, search=None):
        return self._get("/clients", search=search)["items"]

    def get_client(self, client_id):
        return self._get(f"/clients/{_segment(client_id)}")

    def create_client(self, client_id, fields, secret=None):
        body = {"client_id": client_id, **fields}
        if secret is not None:
            body["client_secret"] = secret
        return self.call("POST", "/clients", body)[0]

    def update_client(self, client_id, fields):
        # Read, then write what was read: a change made in between is a 412.
        _, headers = self.call("GET", f"/clients/{_segment(client_id)}")
        etag = {k.lower(): v for k, v in headers.items()}.get("etag", "")
        return self.call("PATCH", f"/clients/{_segment(client_id)}", dict(fields), headers={"If-Match": etag})[0]

    def rotate_secret(self, client_id, keep_old=False):
        return self.call("POST", f"/clients/{_segment(client_id)}/secret", {"keep_old": keep_old})[0]

    def delete_client(self, client_id):
        return self.call("DELETE", f"/clients/{_segment(client_id)}")[0]

    # -- users ----------------------------------------------------------------

    def list_users(self, search=None, limit=None):
        return self._get("/users", search=search, limit=limit)["items"]

    def find_subject(self, login):
        try:
            return self._get(f"/users/{_segment(login)}")["subject"]
        except AdminCommandError as exc:
            if exc.status != 404:
                raise
        folded = login.casefold()
        for user in self.list_users(search=login):
            if folded in (user["username"].casefold(), (user["email"] or "").casefold()):
                return user["subject"]
        raise AdminCommandError(f"no user {login!r}", None, 404)

    def create_user(self, username, email, password, claims):
        return self.call(
            "POST", "/users", {"username": username, "email": email, "password": password, "claims": claims}
        )[0]

    def set_active(self, subject, active):
        return self.call("POST", f"/users/{_segment(subject)}/{'enable' if active else 'disable'}")[0]

    def unlock(self, subject):
        return self.call("POST", f"/users/{_segment(subject)}/unlock")[0]

    def set_password(self, subject, password):
        return self.call("POST", f"/users/{_segment(subject)}/password", {"password": password})[0]

    def remove_user(self, subject):
        return self.call("DELETE", f"/users/{_segment(subject)}")[0]

    def reset_factors(self, subject):
        return self.call("DELETE", f"/users/{_segment(subject)}/factors")[0]

    # -- sessions and errors ----------------------------------------------------

    def list_sessions(self, subject=None):
        return self._get("/sessions", subject=subject)["items"]

    def end_session(self, sid):
        return self.call("DELETE", f"/sessions/{_segment(sid)}")[0]

    def end_sessions_of(self, subject):
        return self.call("DELETE", f"/users/{_segment(subject)}/sessions")[0]

    def get_error(self, error_id):
        return self._get(f"/errors/{_segment(error_id)}")

    # -- keys -------------------------------------------------------------------

    def list_keys(self):
        return self._get("/keys")

    def rotate_keys(self, announce=None):
        return self.call("POST", "/keys/rotate", {} if announce is None else {"announce": announce})[0]

    # -- external providers of the database -------------------------------------

    def list_providers(self):
        return self._get("/providers")["items"]

    def create_provider(self, name, settings):
        return self.call("POST", "/providers", {"name": name, **settings})[0]

    def update_provider(self, name, settings):
        # As for clients: what was read is what is changed, or a 412.
        _, headers = self.call("GET", f"/providers/{_segment(name)}")
        etag = {k.lower(): v for k, v in headers.items()}.get("etag", "")
        return self.call("PATCH", f"/providers/{_segment(name)}", dict(settings), headers={"If-Match": etag})[0]

    def delete_provider(self, name):
        return self.call("DELETE", f"/providers/{_segment(name)}")[0]

    # -- dynamic client registration's initial access tokens (dcr branch) -------

    def list_initial_tokens(self):
        return self._get("/registration/tokens")["items"]

    def create_initial_token(self, uses, lifetime):
        return self.call("POST", "/registration/tokens", {"uses": uses, "lifetime": lifetime})[0]

    def revoke_initial_token(self, token_id):
        return self.call("DELETE", f"/registration/tokens/{_segment(token_id)}")[0]


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _error_of(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return "no JSON"
    return data.get("error", "?") if isinstance(data, dict) else "?"
