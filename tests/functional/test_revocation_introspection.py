"""Revocation (RFC 7009) and introspection (RFC 7662)."""

import pytest

from ostiary.testing import client_post, load_data


@pytest.fixture
def tokens(flow):
    return flow.exchange(flow.code(scope="openid offline_access api")["code"]).json


def test_introspection_of_an_active_access_token(app, tokens):
    body = client_post(app, "/connect/introspect", {"token": tokens["access_token"]}).json
    assert body["active"] is True
    assert body["client_id"] == "demo-rp" and body["token_type"] == "Bearer"
    assert "api" in body["scope"].split()


def test_introspection_of_a_refresh_token(app, tokens):
    body = client_post(
        app, "/connect/introspect", {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"}
    ).json
    assert body["active"] is True and body["token_type"] == "refresh_token"


def test_introspection_of_garbage_is_inactive(app):
    assert client_post(app, "/connect/introspect", {"token": "nope"}).json == {"active": False}


def test_introspection_needs_client_authentication(app, tokens):
    response = client_post(app, "/connect/introspect", {"token": tokens["access_token"]}, auth=None)
    assert response.status_int in (400, 401)
    assert response.json["error"] == "invalid_client"


def test_introspection_by_another_client_is_inactive(app, tokens, ostiary_app):
    load_data(
        ostiary_app,
        {
            "clients": [
                {
                    "client_id": "other",
                    "secret": "other-secret",
                    "grant_types": ["client_credentials"],
                    "scopes": ["api"],
                }
            ]
        },
    )
    body = client_post(
        app, "/connect/introspect", {"token": tokens["refresh_token"]}, auth=("other", "other-secret")
    ).json
    assert body == {"active": False}


def test_revoking_a_refresh_token_revokes_its_family(app, tokens):
    assert client_post(app, "/connect/revocation", {"token": tokens["refresh_token"]}).status_int == 200
    refreshed = client_post(
        app, "/connect/token", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.json["error"] == "invalid_grant"
    assert client_post(app, "/connect/introspect", {"token": tokens["refresh_token"]}).json == {"active": False}


def test_revoking_an_access_token_makes_it_inactive(app, tokens):
    assert (
        client_post(
            app, "/connect/revocation", {"token": tokens["access_token"], "token_type_hint": "access_token"}
        ).status_int
        == 200
    )
    assert client_post(app, "/connect/introspect", {"token": tokens["access_token"]}).json == {"active": False}


def test_revoking_an_unknown_token_is_200(app):
    response = client_post(app, "/connect/revocation", {"token": "never-issued"})
    assert response.status_int == 200


def test_revocation_without_token_is_invalid_request(app):
    assert client_post(app, "/connect/revocation", {}).json["error"] == "invalid_request"


def test_revocation_with_unknown_hint_is_unsupported_token_type(app, tokens):
    response = client_post(app, "/connect/revocation", {"token": tokens["access_token"], "token_type_hint": "magic"})
    assert response.json["error"] == "unsupported_token_type"


def test_a_repeated_token_at_revocation_is_invalid_request(app, tokens):
    response = client_post(app, "/connect/revocation", [("token", tokens["access_token"]), ("token", "other")])
    assert response.status_int == 400
    assert response.json["error"] == "invalid_request" and "'token'" in response.json["error_description"]
    assert client_post(app, "/connect/introspect", {"token": tokens["access_token"]}).json["active"] is True


def test_a_repeated_token_at_introspection_is_invalid_request(app, tokens):
    response = client_post(app, "/connect/introspect", [("token", tokens["access_token"]), ("token", "other")])
    assert response.status_int == 400
    assert response.json["error"] == "invalid_request"


def test_basic_auth_plus_a_client_secret_at_introspection_is_invalid_request(app, tokens):
    response = client_post(
        app,
        "/connect/introspect",
        {"token": tokens["access_token"], "client_id": "demo-rp", "client_secret": "demo-secret"},
    )
    assert response.status_int == 400
    assert response.json["error"] == "invalid_request"
