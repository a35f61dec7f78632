"""The token endpoint: grants, client authentication, errors."""

import base64

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.testing import TEST_ISSUER, load_data


def _post(app, form, auth=("demo-rp", "demo-secret")):
    app.authorization = ("Basic", auth) if auth else None
    try:
        return app.post("/connect/token", form, expect_errors=True)
    finally:
        app.authorization = None


def _claims(app, token):
    keys = KeySet.import_key_set(app.get("/.well-known/jwks.json").json)
    return jwt.decode(token, keys).claims


def test_code_exchange_returns_id_token_with_the_protocol_claims(app, flow):
    params = flow.code(scope="openid profile", nonce="n-123")
    response = flow.exchange(params["code"])
    assert response.headers["Cache-Control"] == "no-store"
    tokens = response.json
    claims = _claims(app, tokens["id_token"])
    assert claims["iss"] == TEST_ISSUER
    assert claims["aud"] == "demo-rp"
    assert claims["nonce"] == "n-123"
    assert claims["amr"] == ["pwd"]
    assert {"sub", "exp", "iat", "auth_time", "at_hash", "sid"} <= set(claims)
    # Scope claims go to userinfo when an access token is issued (OIDC Core 5.4).
    assert "name" not in claims


def test_access_token_is_an_rfc9068_jwt(app, flow):
    tokens = flow.exchange(flow.code(scope="openid api")["code"]).json
    keys = KeySet.import_key_set(app.get("/.well-known/jwks.json").json)
    decoded = jwt.decode(tokens["access_token"], keys)
    assert decoded.header["typ"] == "at+jwt"
    claims = decoded.claims
    assert claims["client_id"] == "demo-rp"
    assert claims["scope"] == "openid api"
    assert claims["aud"] == ["http://localhost/resources/api"]
    assert {"jti", "exp", "iat", "sub", "auth_time"} <= set(claims)


def test_code_is_single_use_and_replay_revokes_what_it_issued(app, flow):
    code = flow.code(scope="openid offline_access")["code"]
    tokens = flow.exchange(code).json
    replay = flow.exchange(code)
    assert replay.status_int == 400 and replay.json["error"] == "invalid_grant"
    refreshed = _post(app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.json["error"] == "invalid_grant"
    userinfo = app.get(
        "/connect/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}, expect_errors=True
    )
    assert userinfo.status_int == 401


def test_wrong_code_verifier_is_refused(app, flow):
    code = flow.code()["code"]
    response = flow.exchange(code, code_verifier="x" * 50)
    assert response.json["error"] == "invalid_grant"


def test_missing_code_verifier_is_refused(app, flow):
    code = flow.code()["code"]
    response = flow.exchange(code, code_verifier="")
    assert response.status_int == 400


def test_redirect_uri_must_match_the_authorization_request(app, flow):
    code = flow.code()["code"]
    response = flow.exchange(code, redirect_uri="http://127.0.0.1:9999/other")
    assert response.json["error"] == "invalid_grant"


def test_refresh_token_only_with_offline_access(app, flow):
    tokens = flow.exchange(flow.code(scope="openid profile")["code"]).json
    assert "refresh_token" not in tokens


def test_refresh_rotates_and_reuse_revokes_the_family(app, flow):
    # No reuse grace (issue 15 gives two tabs a few seconds by default; see test_refresh_policy.py).
    load_data(app.app, {"clients": [{"client_id": "demo-rp", "refresh_token_reuse_grace": 0}]})
    tokens = flow.exchange(flow.code(scope="openid offline_access")["code"]).json
    first = _post(app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json
    assert first["refresh_token"] != tokens["refresh_token"]
    assert "id_token" in first
    reuse = _post(app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert reuse.json["error"] == "invalid_grant"
    after = _post(app, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert after.json["error"] == "invalid_grant"


def test_refresh_scope_can_narrow_but_not_widen(app, flow):
    tokens = flow.exchange(flow.code(scope="openid profile offline_access")["code"]).json
    narrowed = _post(
        app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "scope": "openid"}
    ).json
    assert narrowed["scope"] == "openid"
    widened = _post(
        app, {"grant_type": "refresh_token", "refresh_token": narrowed["refresh_token"], "scope": "openid api"}
    )
    assert widened.json["error"] == "invalid_scope"


def test_refresh_is_refused_for_an_inactive_user(app, flow, ostiary_app):
    from ostiary.testing import transaction_root

    tokens = flow.exchange(flow.code(scope="openid offline_access")["code"]).json
    with transaction_root(ostiary_app) as root:
        root.users.by_login("alice").active = False
    response = _post(app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert response.status_int == 400
    assert response.json["error"] == "invalid_grant"


def test_client_credentials_issues_a_token_that_writes_nothing(app, ostiary_app):
    db = ostiary_app.registry._zodb_databases[""]
    before = db.lastTransaction()
    response = _post(app, {"grant_type": "client_credentials", "scope": "api"})
    assert response.status_int == 200
    claims = _claims(app, response.json["access_token"])
    assert claims["sub"] == "demo-rp" and claims["scope"] == "api"
    assert "refresh_token" not in response.json
    assert db.lastTransaction() == before


def test_client_credentials_tokens_are_fresh_every_time(app):
    first = _post(app, {"grant_type": "client_credentials"}).json["access_token"]
    second = _post(app, {"grant_type": "client_credentials"}).json["access_token"]
    assert _claims(app, first)["jti"] != _claims(app, second)["jti"]


def test_client_credentials_cannot_ask_for_identity_scopes(app):
    response = _post(app, {"grant_type": "client_credentials", "scope": "openid"})
    assert response.json["error"] == "invalid_scope"


def test_client_secret_post_is_accepted(app):
    response = _post(
        app, {"grant_type": "client_credentials", "client_id": "demo-rp", "client_secret": "demo-secret"}, auth=None
    )
    assert response.status_int == 200


def test_wrong_secret_is_401_with_www_authenticate(app):
    response = _post(app, {"grant_type": "client_credentials"}, auth=("demo-rp", "wrong"))
    assert response.status_int == 401
    assert response.json["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_unknown_client_is_invalid_client(app):
    response = _post(app, {"grant_type": "client_credentials"}, auth=("nobody", "x"))
    assert response.json["error"] == "invalid_client"


def test_no_client_authentication_is_invalid_client(app):
    response = _post(app, {"grant_type": "client_credentials"}, auth=None)
    assert response.json["error"] == "invalid_client"


def test_unsupported_grant_type(app):
    response = _post(app, {"grant_type": "password", "username": "alice", "password": "alice-password"})
    assert response.json["error"] == "unsupported_grant_type"


def test_get_is_not_allowed(app):
    response = app.get("/connect/token", expect_errors=True)
    assert response.status_int == 405
    assert response.json["error"] == "invalid_request"


@pytest.fixture
def public_client(ostiary_app, ostiary_demo):
    load_data(
        ostiary_app,
        {
            "clients": [
                {
                    "client_id": "spa",
                    "token_endpoint_auth_method": "none",
                    "redirect_uris": ["http://127.0.0.1:9999/cb"],
                    "grant_types": ["authorization_code", "refresh_token"],
                    "scopes": ["openid", "offline_access"],
                }
            ]
        },
    )


def test_public_client_code_flow_with_pkce(app, public_client):
    from ostiary.testing import CodeFlow

    flow = CodeFlow(app, client_id="spa")
    code = flow.code(scope="openid")["code"]
    response = _post(
        app,
        {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": "spa",
            "redirect_uri": flow.redirect_uri,
            "code_verifier": flow.verifier,
        },
        auth=None,
    )
    assert response.status_int == 200 and "id_token" in response.json


def test_public_client_cannot_use_client_credentials(app, public_client):
    response = _post(app, {"grant_type": "client_credentials", "client_id": "spa"}, auth=None)
    assert response.json["error"] in ("invalid_client", "unauthorized_client")


def test_private_key_jwt_client_authentication(app, signing_client):
    from joserfc.jwk import RSAKey

    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }
    assertion = _assertion(signing_client, jti="once")
    ok = _post(app, dict(form, client_assertion=assertion), auth=None)
    assert ok.status_int == 200
    replay = _post(app, dict(form, client_assertion=assertion), auth=None)
    assert replay.json["error"] == "invalid_client"
    forged = _assertion(RSAKey.generate_key(2048, private=True, auto_kid=True), jti="x")
    assert _post(app, dict(form, client_assertion=forged), auth=None).json["error"] == "invalid_client"


def test_basic_auth_with_url_encoded_secret(app, ostiary_app, ostiary_demo):
    load_data(
        ostiary_app,
        {
            "clients": [
                {
                    "client_id": "odd:client",
                    "secret": "s p&c:e",
                    "grant_types": ["client_credentials"],
                    "scopes": ["api"],
                }
            ]
        },
    )
    from urllib.parse import quote

    header = base64.b64encode(f"{quote('odd:client', safe='')}:{quote('s p&c:e', safe='')}".encode()).decode()
    response = app.post(
        "/connect/token",
        {"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + header},
        expect_errors=True,
    )
    assert response.status_int == 200


# -- what RFC 6749 forbids ---------------------------------------------------


def test_basic_auth_plus_a_client_secret_in_the_body_is_invalid_request(app):
    response = _post(app, {"grant_type": "client_credentials", "client_id": "demo-rp", "client_secret": "demo-secret"})
    assert response.status_int == 400
    assert response.json["error"] == "invalid_request"


def test_basic_auth_plus_a_client_assertion_is_invalid_request(app):
    response = _post(
        app,
        {
            "grant_type": "client_credentials",
            "client_assertion": "a.b.c",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        },
    )
    assert response.status_int == 400
    assert response.json["error"] == "invalid_request"


def test_a_repeated_grant_type_is_invalid_request_naming_it(app):
    response = _post(app, [("grant_type", "client_credentials"), ("grant_type", "client_credentials")])
    assert response.status_int == 400
    assert response.json["error"] == "invalid_request"
    assert "'grant_type'" in response.json["error_description"]


def test_a_repeated_parameter_whose_name_cannot_be_quoted_is_invalid_request_not_500(app):
    # found by the fuzz test: the description quoted the name, and authlib
    # refuses to build an error holding a character outside RFC 6749's set
    response = _post(app, [("grant_type", "client_credentials"), ("scopé", "a"), ("scopé", "b")])
    assert response.status_int == 400
    assert response.json == {"error": "invalid_request", "error_description": "A parameter is given more than once."}


def test_another_clients_refresh_token_does_not_revoke_its_owners_family(app, flow, ostiary_app):
    load_data(
        ostiary_app,
        {
            "clients": [
                {
                    "client_id": "other",
                    "secret": "other-secret",
                    "grant_types": ["refresh_token", "client_credentials"],
                    "scopes": ["openid", "offline_access"],
                }
            ]
        },
    )
    tokens = flow.exchange(flow.code(scope="openid offline_access")["code"]).json
    rotated = _post(app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json
    stolen = _post(
        app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, auth=("other", "other-secret")
    )
    assert stolen.json["error"] == "invalid_grant"
    owner = _post(app, {"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"]})
    assert owner.status_int == 200


# -- private_key_jwt ---------------------------------------------------------

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture
def signing_client(ostiary_app, ostiary_demo):
    """A private_key_jwt client ``svc``; returns its private key."""
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, private=True, auto_kid=True)
    load_data(
        ostiary_app,
        {
            "resources": [],
            "clients": [
                {
                    "client_id": "svc",
                    "token_endpoint_auth_method": "private_key_jwt",
                    "jwks": {"keys": [key.as_dict(private=False)]},
                    "grant_types": ["client_credentials"],
                    "scopes": ["api"],
                }
            ],
        },
    )
    return key


def _assertion(key, client_id="svc", **claims):
    import time
    import uuid

    now = int(time.time())
    body = {
        "iss": client_id,
        "sub": client_id,
        "aud": TEST_ISSUER + "/connect/token",
        "iat": now,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
    }
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, body, key)


def _with_assertion(app, assertion):
    return _post(
        app,
        {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion},
        auth=None,
    )


def test_a_client_assertion_for_a_client_without_keys_is_invalid_client(app, signing_client):
    # demo-rp authenticates with a secret and has no JWKS.
    response = _with_assertion(app, _assertion(signing_client, client_id="demo-rp"))
    assert response.status_int == 400
    assert response.json["error"] == "invalid_client"


def test_a_client_assertion_valid_for_an_hour_is_refused(app, signing_client):
    import time

    now = int(time.time())
    response = _with_assertion(app, _assertion(signing_client, iat=now, exp=now + 3600))
    assert response.json["error"] == "invalid_client"
    assert "300 seconds" in response.json["error_description"]


def test_a_client_assertion_without_iat_is_bounded_from_now(app, signing_client):
    import time

    response = _with_assertion(app, _assertion(signing_client, iat=None, exp=int(time.time()) + 3600))
    assert response.json["error"] == "invalid_client"


def test_a_client_assertion_within_the_bound_is_accepted(app, signing_client):
    import time

    now = int(time.time())
    response = _with_assertion(app, _assertion(signing_client, iat=now, exp=now + 290))
    assert response.status_int == 200
