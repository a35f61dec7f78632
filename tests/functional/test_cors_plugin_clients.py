"""A client store plugin answers CORS preflights for its own clients
(``ostiary_cors_origin_known``), and the request that follows is checked
against the client it names, wherever that client is kept."""

from __future__ import annotations

import pytest

from ostiary.hookspecs import hookimpl
from ostiary.models.clients import Client

ORIGIN = "https://plugin-spa.example"


class RemoteClients:
    """A client store that is not the database: one public SPA client."""

    def __init__(self):
        self.spa = Client(
            "remote-spa",
            token_endpoint_auth_method="none",
            redirect_uris=[ORIGIN + "/cb"],
            grant_types=["authorization_code", "refresh_token"],
        )

    @hookimpl
    def ostiary_client(self, client_id):
        return self.spa if client_id == self.spa.client_id else None

    @hookimpl
    def ostiary_cors_origin_known(self, origin):
        return origin in self.spa.cors_origins()


@pytest.fixture
def ostiary_plugins():
    return [("remote-clients", RemoteClients())]


def test_the_plugins_client_origin_passes_the_preflight(app):
    response = app.options("/connect/token", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_the_request_is_checked_against_the_plugins_client(app):
    response = app.post(
        "/connect/token",
        {"grant_type": "refresh_token", "client_id": "remote-spa", "refresh_token": "unknown"},
        headers={"Origin": ORIGIN},
        status=400,
    )
    assert response.json["error"] == "invalid_grant"
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
