"""The userinfo endpoint (OpenID Connect Core 1.0, section 5.3)."""

import pytest


@pytest.fixture
def tokens(flow):
    return flow.exchange(flow.code(scope="openid profile email")["code"]).json


def test_get_with_bearer_returns_scope_claims(app, tokens):
    info = app.get("/connect/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}).json
    assert info["given_name"] == "Alice" and info["email_verified"] is True
    assert "phone_number" not in info


def test_post_with_form_token(app, tokens):
    info = app.post("/connect/userinfo", {"access_token": tokens["access_token"]}).json
    assert info["name"] == "Alice Liddell"


def test_claims_follow_the_granted_scopes(app, flow):
    tokens = flow.exchange(flow.code(scope="openid email")["code"]).json
    info = app.get("/connect/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}).json
    assert set(info) == {"sub", "email", "email_verified"}


def test_missing_token_is_401_with_bare_challenge(app):
    response = app.get("/connect/userinfo", expect_errors=True)
    assert response.status_int == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "error=" not in response.headers["WWW-Authenticate"]


def test_garbage_token_is_invalid_token(app):
    response = app.get("/connect/userinfo", headers={"Authorization": "Bearer abc.def.ghi"}, expect_errors=True)
    assert response.status_int == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.json["error"] == "invalid_token"


def test_client_credentials_token_is_insufficient(app):
    app.authorization = ("Basic", ("demo-rp", "demo-secret"))
    token = app.post("/connect/token", {"grant_type": "client_credentials"}).json["access_token"]
    app.authorization = None
    response = app.get("/connect/userinfo", headers={"Authorization": "Bearer " + token}, expect_errors=True)
    assert response.status_int == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_id_token_is_not_an_access_token(app, tokens):
    response = app.get(
        "/connect/userinfo", headers={"Authorization": "Bearer " + tokens["id_token"]}, expect_errors=True
    )
    assert response.status_int == 401


def test_userinfo_refuses_an_inactive_user(app, tokens, ostiary_app):
    from ostiary.testing import transaction_root

    with transaction_root(ostiary_app) as root:
        root.users.by_login("alice").active = False
    response = app.get(
        "/connect/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}, expect_errors=True
    )
    assert response.status_int == 401
