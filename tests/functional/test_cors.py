"""CORS for browser applications: the token, userinfo, revocation and
introspection endpoints answer the origins a client allows, preflights
included; any other origin gets no CORS headers and never an error page;
discovery and the JWKS answer every origin."""

from __future__ import annotations

import pytest

from ostiary.loader import LoadError
from ostiary.testing import CodeFlow, client_post, load_data

SPA = "http://127.0.0.1:7001"
SPA_REDIRECT = SPA + "/callback"
ELSEWHERE = "https://elsewhere.example"
PARTNER = "https://partner.example"

CLIENTS = [
    {
        "client_id": "spa",
        "token_endpoint_auth_method": "none",
        "redirect_uris": [SPA_REDIRECT],
        "grant_types": ["authorization_code", "refresh_token"],
        "scopes": ["openid", "profile", "offline_access"],
        "require_consent": False,
    },
    {
        # A confidential client whose own dashboard calls introspection from the browser.
        "client_id": "dashboard",
        "secret": "dashboard-secret",
        "redirect_uris": ["https://dashboard.example/cb"],
        "grant_types": ["client_credentials"],
        "scopes": ["api"],
        "allowed_cors_origins": [PARTNER],
    },
]


@pytest.fixture
def spa_app(app):
    load_data(app.app, {"clients": CLIENTS})
    return app


def _spa_tokens(app) -> dict:
    flow = CodeFlow(app, client_id="spa", redirect_uri=SPA_REDIRECT)
    params = flow.code(scope="openid profile offline_access")
    form = {
        "grant_type": "authorization_code",
        "client_id": "spa",
        "code": params["code"],
        "redirect_uri": SPA_REDIRECT,
        "code_verifier": flow.verifier,
    }
    response = app.post("/connect/token", form, headers={"Origin": SPA})
    assert response.headers["Access-Control-Allow-Origin"] == SPA
    assert "DPoP-Nonce" in response.headers["Access-Control-Expose-Headers"]
    assert response.headers["Vary"] == "Origin"
    return response.json


@pytest.mark.parametrize("path", ["/connect/token", "/connect/userinfo", "/connect/revocation", "/connect/introspect"])
def test_a_preflight_from_an_allowed_origin_is_answered(spa_app, path):
    method = "GET" if path.endswith("userinfo") else "POST"
    response = spa_app.options(
        path,
        headers={
            "Origin": SPA,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, dpop",
        },
    )
    assert response.status_int == 204
    assert response.headers["Access-Control-Allow-Origin"] == SPA
    assert method in response.headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "dpop", "content-type"} <= allowed
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert response.headers["Vary"] == "Origin"


@pytest.mark.parametrize("origin", [ELSEWHERE, "null", "http://127.0.0.1:7002"])
def test_a_preflight_from_an_unknown_origin_gets_no_cors_headers_and_no_error(spa_app, origin):
    response = spa_app.options("/connect/token", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    assert response.status_int == 204
    assert not [name for name in response.headers if name.lower().startswith("access-control-")]
    assert response.body == b""


def test_a_preflight_for_a_method_the_endpoint_lacks_gets_no_cors_headers(spa_app):
    response = spa_app.options("/connect/token", headers={"Origin": SPA, "Access-Control-Request-Method": "PUT"})
    assert response.status_int == 204
    assert "Access-Control-Allow-Origin" not in response.headers


def test_the_spa_reads_its_tokens_userinfo_and_revocation(spa_app):
    tokens = _spa_tokens(spa_app)
    info = spa_app.get(
        "/connect/userinfo", headers={"Origin": SPA, "Authorization": "Bearer " + tokens["access_token"]}
    )
    assert info.headers["Access-Control-Allow-Origin"] == SPA
    assert "WWW-Authenticate" in info.headers["Access-Control-Expose-Headers"]
    refreshed = spa_app.post(
        "/connect/token",
        {"grant_type": "refresh_token", "client_id": "spa", "refresh_token": tokens["refresh_token"]},
        headers={"Origin": SPA},
    )
    assert refreshed.headers["Access-Control-Allow-Origin"] == SPA
    revoked = spa_app.post(
        "/connect/revocation",
        {"client_id": "spa", "token": refreshed.json["refresh_token"]},
        headers={"Origin": SPA},
    )
    assert revoked.status_int == 200
    assert revoked.headers["Access-Control-Allow-Origin"] == SPA


def test_an_error_is_readable_by_the_named_clients_origin(spa_app):
    response = spa_app.post(
        "/connect/token",
        {"grant_type": "authorization_code", "client_id": "spa", "code": "nope", "redirect_uri": SPA_REDIRECT},
        headers={"Origin": SPA},
        status=400,
    )
    assert response.json["error"] == "invalid_grant"
    assert response.headers["Access-Control-Allow-Origin"] == SPA


def test_another_origin_gets_no_cors_headers_on_the_request_itself(spa_app):
    tokens = _spa_tokens(spa_app)
    info = spa_app.get(
        "/connect/userinfo", headers={"Origin": ELSEWHERE, "Authorization": "Bearer " + tokens["access_token"]}
    )
    assert info.status_int == 200
    assert "Access-Control-Allow-Origin" not in info.headers
    assert info.headers["Vary"] == "Origin"


def test_an_origin_of_one_client_is_not_allowed_for_another(spa_app):
    """The dashboard's partner origin passes a preflight (some client allows
    it), but the SPA's answers stay closed to it."""
    preflight = spa_app.options("/connect/token", headers={"Origin": PARTNER, "Access-Control-Request-Method": "POST"})
    assert preflight.headers["Access-Control-Allow-Origin"] == PARTNER
    response = spa_app.post(
        "/connect/token",
        {"grant_type": "refresh_token", "client_id": "spa", "refresh_token": "x"},
        headers={"Origin": PARTNER},
        status=400,
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_introspection_answers_a_client_that_allows_the_origin(spa_app):
    token = client_post(
        spa_app, "/connect/token", {"grant_type": "client_credentials"}, auth=("dashboard", "dashboard-secret")
    ).json["access_token"]
    spa_app.authorization = ("Basic", ("dashboard", "dashboard-secret"))
    allowed = spa_app.post("/connect/introspect", {"token": token}, headers={"Origin": PARTNER})
    other = spa_app.post("/connect/introspect", {"token": token}, headers={"Origin": SPA})
    spa_app.authorization = None
    assert allowed.json["active"] is True
    assert allowed.headers["Access-Control-Allow-Origin"] == PARTNER
    assert "Access-Control-Allow-Origin" not in other.headers


def test_a_confidential_client_gets_no_origins_from_its_redirect_uris(app):
    """demo-rp is confidential: its redirect URI's origin is no CORS origin."""
    response = app.options(
        "/connect/token", headers={"Origin": "http://127.0.0.1:9999", "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_get_on_the_token_endpoint_still_says_use_post(spa_app):
    response = spa_app.get("/connect/token?client_id=spa", headers={"Origin": SPA}, status=405)
    assert response.json["error"] == "invalid_request"


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration", "/.well-known/jwks.json"])
def test_discovery_and_jwks_are_open_to_any_origin(app, path):
    app.get("/.well-known/jwks.json")
    for _ in range(2):  # the first JWKS may come from the view, the second from the shortcut
        response = app.get(path, headers={"Origin": ELSEWHERE})
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = app.options(path, headers={"Origin": ELSEWHERE, "Access-Control-Request-Method": "GET"})
    assert preflight.status_int == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "origins, problem",
    [
        ("https://a.example", "expected a list"),
        (["https://a.example/"], "as a browser sends it"),
        (["https://*.example"], "wildcard"),
        (["http://a.example"], "must use https"),
        (["https://A.example"], "as a browser sends it"),
        (["https://a.example:443"], "as a browser sends it"),
        (["a.example"], "not an origin"),
    ],
)
def test_allowed_cors_origins_are_checked_at_load_time(app, origins, problem):
    spec = dict(CLIENTS[1], allowed_cors_origins=origins)
    with pytest.raises(LoadError, match="allowed_cors_origins") as raised:
        load_data(app.app, {"clients": [spec]})
    assert problem in str(raised.value)


def test_an_empty_list_turns_the_derived_origins_off(spa_app):
    load_data(spa_app.app, {"clients": [dict(CLIENTS[0], allowed_cors_origins=[])]})
    response = spa_app.options("/connect/token", headers={"Origin": SPA, "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("authorization", ["Basic äöü", "Basic !!!", "Bearer a.äöü.c", "DPoP x.e30K.y"])
def test_unreadable_credentials_get_no_cors_headers_and_no_500(spa_app, authorization):
    response = spa_app.post(
        "/connect/introspect",
        {"token": "x"},
        headers={"Origin": SPA, "Authorization": authorization.encode().decode("latin-1")},
        status="*",
    )
    assert response.status_int < 500
    assert "Access-Control-Allow-Origin" not in response.headers
