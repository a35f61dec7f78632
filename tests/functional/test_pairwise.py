"""Pairwise subject identifiers (OpenID Connect Core 1.0, section 8.1): a
pairwise client sees one ``sub`` of its sector's own, the same in the ID
token, userinfo, introspection and logout tokens, and different from what
a client of another sector sees; ``sector_identifier_uri`` is fetched and
checked when the client is loaded."""

from __future__ import annotations

import http.server
import json
import threading

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.loader import LoadError
from ostiary.testing import CodeFlow, client_post, load_data, transaction_root

OTHER_REDIRECT = "https://other.example/cb"


class SectorDocument:
    """A sector_identifier_uri on a loopback port serving ``listed``."""

    def __init__(self, listed, status=200):
        document = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps(document.listed).encode()
                self.send_response(document.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.listed, self.status = listed, status
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sector.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sector():
    document = SectorDocument([])
    yield document
    document.close()


def _local_subject(app) -> str:
    with transaction_root(app.app) as root:
        return root.users.by_login("alice").subject


def _make_pairwise(app, **fields):
    load_data(app.app, {"clients": [{"client_id": "demo-rp", "subject_type": "pairwise", **fields}]})


def _claims(app, token):
    return jwt.decode(token, KeySet.import_key_set(app.get("/.well-known/jwks.json").json)).claims


def test_discovery_lists_pairwise(app):
    assert app.get("/.well-known/openid-configuration").json["subject_types_supported"] == ["public", "pairwise"]


def test_the_same_pairwise_sub_everywhere(app, flow, logout_receiver):
    _make_pairwise(app, backchannel_logout_uri=logout_receiver.url)
    tokens = flow.exchange(flow.code(scope="openid profile offline_access")["code"]).json
    sub = _claims(app, tokens["id_token"])["sub"]
    assert sub != _local_subject(app) and len(sub) == 43
    assert _claims(app, tokens["access_token"])["sub"] == sub
    userinfo = app.get("/connect/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]})
    assert userinfo.json["sub"] == sub and userinfo.json["name"] == "Alice Liddell"
    for token in (tokens["access_token"], tokens["refresh_token"]):
        answer = client_post(app, "/connect/introspect", {"token": token}).json
        assert answer["active"] is True and answer["sub"] == sub
    refreshed = client_post(
        app, "/connect/token", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert _claims(app, refreshed.json["id_token"])["sub"] == sub
    # Sign-out with the pairwise id_token_hint finds the person (no confirmation
    # page) and the logout token carries the pairwise sub too.
    response = app.get("/connect/endsession", params={"id_token_hint": tokens["id_token"]})
    app.get(response.location)
    ((_, body),) = logout_receiver.wait()
    assert _claims(app, body["logout_token"][0])["sub"] == sub


def test_another_sector_sees_another_sub_and_a_public_client_the_local_one(app, flow, sector):
    public_sub = _claims(app, flow.exchange(flow.code()["code"]).json["id_token"])["sub"]
    assert public_sub == _local_subject(app)
    _make_pairwise(app)
    first = _claims(app, flow.exchange(flow.code()["code"]).json["id_token"])["sub"]
    sector.listed = [flow.redirect_uri, OTHER_REDIRECT]
    _make_pairwise(app, sector_identifier_uri=sector.url)  # now the sector is the document's host...
    second = _claims(app, flow.exchange(flow.code()["code"]).json["id_token"])["sub"]
    assert first == second  # ... which is 127.0.0.1 as well: the same sector, the same sub
    load_data(
        app.app,
        {
            "clients": [
                {
                    "client_id": "other",
                    "secret": "other-secret",
                    "subject_type": "pairwise",
                    "redirect_uris": ["http://localhost:9999/cb"],
                    "scopes": ["openid"],
                    "require_consent": False,
                }
            ]
        },
    )
    other = CodeFlow(app, client_id="other", redirect_uri="http://localhost:9999/cb")
    third = _claims(app, other.exchange(other.code(scope="openid")["code"], secret="other-secret").json["id_token"])
    assert third["sub"] not in (first, public_sub)


def test_redirect_uris_on_several_hosts_need_a_sector_identifier_uri(app):
    with pytest.raises(LoadError, match="sector_identifier_uri"):
        _make_pairwise(app, redirect_uris=["http://127.0.0.1:9999/cb", OTHER_REDIRECT])


def test_the_sector_document_must_list_every_redirect_uri(app, sector):
    sector.listed = ["http://127.0.0.1:9999/cb"]
    with pytest.raises(LoadError, match="does not list https://other.example/cb"):
        _make_pairwise(
            app, redirect_uris=["http://127.0.0.1:9999/cb", OTHER_REDIRECT], sector_identifier_uri=sector.url
        )
    sector.listed = {"not": "a list"}
    with pytest.raises(LoadError, match="not a JSON array"):
        _make_pairwise(app, sector_identifier_uri=sector.url)
    sector.status = 404
    with pytest.raises(LoadError, match="HTTP 404"):
        _make_pairwise(app, sector_identifier_uri=sector.url)


def test_an_unreachable_sector_document_is_refused(app):
    with pytest.raises(LoadError, match="cannot be fetched"):
        _make_pairwise(app, sector_identifier_uri="http://127.0.0.1:9/sector.json")


def test_an_unknown_subject_type_is_refused(app):
    with pytest.raises(LoadError, match="subject_type"):
        _make_pairwise(app, subject_type="secret")
