"""The admin API's initial access tokens for dynamic client registration:
created (the value once), listed (never the value), revoked, and used at
the registration endpoint; the read-only scope may list but not create."""

from __future__ import annotations

import json

import pytest
from admin_kit import Admin, token_of


@pytest.fixture
def ostiary_settings(ostiary_settings):
    return {**ostiary_settings, "ostiary.client_registration": "token"}


def _register(app, token):
    return app.post(
        "/connect/register",
        json.dumps({"redirect_uris": ["https://rp.example/cb"]}),
        headers={"Authorization": f"Bearer {token}"},
        content_type="application/json",
        expect_errors=True,
    )


def test_create_list_use_and_revoke_a_token(app, admin):
    made = admin.call("POST", "/registration/tokens", {"uses": 2, "lifetime": 3600}, status=201).json
    value, token_id = made["value"], made["token"]["id"]
    assert made["token"]["uses_left"] == 2 and made["token"]["created_by"] == "client:automation"
    listed = admin.call("GET", "/registration/tokens", status=200)
    assert [t["id"] for t in listed.json["items"]] == [token_id] and value not in listed.text
    assert _register(app, value).status_int == 201
    assert admin.call("GET", "/registration/tokens").json["items"][0]["uses_left"] == 1
    admin.call("DELETE", f"/registration/tokens/{token_id}", status=200)
    assert _register(app, value).status_int == 401
    assert admin.call("DELETE", f"/registration/tokens/{token_id}", status=404).json["status"] == 404


def test_defaults_and_unlimited(admin):
    default = admin.call("POST", "/registration/tokens", {}, status=201).json["token"]
    assert default["uses_left"] == 1 and default["expires_at"] - default["created_at"] == 7 * 86400
    forever = admin.call("POST", "/registration/tokens", {"uses": None, "lifetime": None}, status=201).json["token"]
    assert forever["uses_left"] is None and forever["expires_at"] is None


@pytest.mark.parametrize("body", [{"uses": 0}, {"uses": "two"}, {"lifetime": True}, {"other": 1}])
def test_bad_input_is_a_problem_not_a_500(admin, body):
    response = admin.call("POST", "/registration/tokens", body)
    assert response.status_int == 422 and response.content_type == "application/problem+json"


def test_the_read_only_scope_lists_but_does_not_create(app, admin_clients):
    reader = Admin(app, token_of(app, "reader", "ostiary:admin.read"))
    reader.call("GET", "/registration/tokens", status=200)
    refused = reader.call("POST", "/registration/tokens", {}, status=403)
    assert "insufficient_scope" in refused.headers["WWW-Authenticate"]
