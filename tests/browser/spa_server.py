"""A single-page application for the browser tests: static files only.

``spa/index.html`` and ``spa/app.js`` with panva's ``oauth4webapi`` do
everything in the browser, as a public client (no secret); this server
only hands out the files, from its own loopback origin, so every call the
page makes to Ostiary is a cross-origin ``fetch``.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent / "spa"


class SinglePageApp:
    """The WSGI app; ``client()`` gives the set-up dict to register it."""

    def __init__(self, issuer: str, oauth4webapi_js: str, client_id: str = "browser-spa", dpop: bool = False):
        self.issuer = issuer
        self.client_id = client_id
        self.dpop = dpop
        self.url = None  # set once served
        self._files = {
            "/app.js": (HERE / "app.js", "text/javascript"),
            "/oauth4webapi.js": (Path(oauth4webapi_js), "text/javascript"),
        }

    def client(self, **fields) -> dict:
        """The client as ``ostiary.testing.load_data`` takes it: public,
        with no CORS origins of its own (they come from the redirect URI)."""
        return {
            "client_id": self.client_id,
            "name": "Browser test single-page application",
            "token_endpoint_auth_method": "none",
            "redirect_uris": [self.url + "/callback"],
            "grant_types": ["authorization_code", "refresh_token"],
            "scopes": ["openid", "profile", "offline_access"],
            **fields,
        }

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/")
        if path in ("/", "/callback"):
            page = (HERE / "index.html").read_text()
            values = {"ISSUER": self.issuer, "CLIENT_ID": self.client_id, "DPOP": "yes" if self.dpop else "no"}
            for name, value in values.items():
                page = page.replace("{{" + name + "}}", value)
            return self._send(start_response, page.encode(), "text/html; charset=utf-8")
        if path in self._files:
            file, content_type = self._files[path]
            return self._send(start_response, file.read_bytes(), content_type)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    @staticmethod
    def _send(start_response, body: bytes, content_type: str):
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]
