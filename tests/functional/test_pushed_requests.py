"""Pushed authorization requests (RFC 9126) and signed request objects (RFC 9101)."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from ostiary.testing import REDIRECT_URI, TEST_ISSUER, client_post, load_data, transaction_root

PREFIX = "urn:ietf:params:oauth:request_uri:"


def _query(location):
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _error(app, response) -> str:
    """The error an authorization response names: at the client's redirect
    URI, or (no redirect URI to trust) on the error page."""
    if response.location.startswith(REDIRECT_URI):
        return _query(response.location)["error"]
    page = app.get(response.location, expect_errors=True)
    return page.html.find("dd").code.text


def _push(app, flow, auth=("demo-rp", "demo-secret"), **extra):
    params = flow.params(**extra)
    return client_post(app, "/connect/par", params, auth=auth)


def test_pushed_request_end_to_end_and_single_use(app, flow):
    pushed = _push(app, flow, scope="openid profile")
    assert pushed.status_int == 201, pushed.text
    body = pushed.json
    assert body["request_uri"].startswith(PREFIX)
    assert body["expires_in"] == 60
    assert pushed.headers["Cache-Control"] == "no-store"
    # The browser carries only client_id and request_uri; login and consent
    # come back to them.
    response = app.get("/connect/authorize", params={"client_id": "demo-rp", "request_uri": body["request_uri"]})
    params = flow.follow_to_client(response)
    assert "code" in params and params["iss"] == TEST_ISSUER
    tokens = flow.exchange(params["code"])
    assert tokens.status_int == 200 and tokens.json["scope"] == "openid profile"
    # Used once: the same request_uri again is invalid_request_uri.
    again = app.get("/connect/authorize", params={"client_id": "demo-rp", "request_uri": body["request_uri"]})
    assert _error(app, again) == "invalid_request_uri"


def test_a_pushed_request_needs_client_authentication(app, flow):
    response = _push(app, flow, auth=("demo-rp", "wrong"))
    assert response.status_int == 401 and response.json["error"] == "invalid_client"


def test_a_pushed_request_is_validated_at_once(app, flow):
    wrong = _push(app, flow, redirect_uri="https://evil.example/cb")
    assert wrong.status_int == 400 and wrong.json["error"] == "invalid_request"
    assert "Location" not in wrong.headers
    scope = _push(app, flow, scope="openid not-a-scope")
    assert scope.status_int == 400 and scope.json["error"] == "invalid_scope"
    nested = _push(app, flow, request_uri=PREFIX + "x")
    assert nested.status_int == 400 and nested.json["error"] == "invalid_request"


def test_a_pushed_request_of_another_client_or_expired_is_refused(app, flow, ostiary_app):
    request_uri = _push(app, flow).json["request_uri"]
    load_data(
        ostiary_app,
        {"clients": [{"client_id": "other", "secret": "s", "redirect_uris": [REDIRECT_URI], "scopes": ["openid"]}]},
    )
    other = app.get("/connect/authorize", params={"client_id": "other", "request_uri": request_uri})
    assert _error(app, other) == "invalid_request_uri"
    with transaction_root(ostiary_app) as root:
        for item in root.pushed_requests.items.values():
            item.expires_at = int(time.time()) - 1
    expired = app.get("/connect/authorize", params={"client_id": "demo-rp", "request_uri": request_uri})
    assert _error(app, expired) == "invalid_request_uri"


def test_a_request_uri_that_is_not_pushed_is_request_uri_not_supported(app, flow):
    response = app.get("/connect/authorize", params=flow.params(request_uri="https://rp.example/request.jwt"))
    assert response.location.startswith(REDIRECT_URI)
    assert _query(response.location)["error"] == "request_uri_not_supported"


def test_a_client_can_require_pushed_requests(app, flow, ostiary_app):
    load_data(ostiary_app, {"clients": [{"client_id": "demo-rp", "require_pushed_authorization_requests": True}]})
    response = flow.authorize()
    assert response.location.startswith(REDIRECT_URI)
    assert _query(response.location)["error"] == "invalid_request"
    request_uri = _push(app, flow).json["request_uri"]
    response = app.get("/connect/authorize", params={"client_id": "demo-rp", "request_uri": request_uri})
    assert "code" in flow.follow_to_client(response)


class TestServerRequiresPush:
    @pytest.fixture
    def ostiary_settings(self, tmp_path):
        from ostiary.testing import base_settings

        return dict(base_settings(tmp_path), **{"ostiary.require_pushed_authorization_requests": "true"})

    def test_the_server_can_require_pushed_requests(self, app, flow):
        response = flow.authorize()
        assert _query(response.location)["error"] == "invalid_request"
        assert app.get("/.well-known/openid-configuration").json["require_pushed_authorization_requests"] is True
        request_uri = _push(app, flow).json["request_uri"]
        response = app.get("/connect/authorize", params={"client_id": "demo-rp", "request_uri": request_uri})
        assert "code" in flow.follow_to_client(response)


def test_discovery_names_the_par_endpoint_and_request_objects(app):
    doc = app.get("/.well-known/openid-configuration").json
    assert doc["pushed_authorization_request_endpoint"] == TEST_ISSUER + "/connect/par"
    assert doc["require_pushed_authorization_requests"] is False
    assert doc["request_parameter_supported"] is True
    assert "none" not in doc["request_object_signing_alg_values_supported"]


# -- request objects (RFC 9101) ------------------------------------------------


@pytest.fixture
def jar_key(ostiary_app, ostiary_demo):
    """demo-rp with a registered public key; returns the private key."""
    key = RSAKey.generate_key(2048, private=True, auto_kid=True)
    load_data(ostiary_app, {"clients": [{"client_id": "demo-rp", "jwks": {"keys": [key.as_dict(private=False)]}}]})
    return key


def _request_object(key, claims, alg="RS256"):
    return jwt.encode({"alg": alg, "kid": key.kid}, claims, key)


def _signed_params(flow, **extra):
    claims = flow.params(**extra)
    claims.update(iss="demo-rp", aud=TEST_ISSUER, exp=int(time.time()) + 300)
    return claims


def test_a_signed_request_object_takes_precedence(app, flow, jar_key):
    claims = _signed_params(flow, scope="openid email", state="inside")
    outer = {"client_id": "demo-rp", "response_type": "code", "scope": "openid profile", "state": "outside"}
    outer["request"] = _request_object(jar_key, claims)
    params = flow.follow_to_client(app.get("/connect/authorize", params=outer))
    assert params["state"] == "inside"
    assert flow.exchange(params["code"]).json["scope"] == "openid email"


def test_a_request_object_in_a_pushed_request(app, flow, jar_key):
    claims = _signed_params(flow, scope="openid email")
    pushed = client_post(app, "/connect/par", {"client_id": "demo-rp", "request": _request_object(jar_key, claims)})
    assert pushed.status_int == 201, pushed.text
    response = app.get("/connect/authorize", params={"client_id": "demo-rp", "request_uri": pushed.json["request_uri"]})
    params = flow.follow_to_client(response)
    assert flow.exchange(params["code"]).json["scope"] == "openid email"


def test_unsigned_or_unverifiable_request_objects_are_refused(app, flow, jar_key):
    claims = _signed_params(flow)
    unsigned = jwt.encode({"alg": "none"}, claims, None, algorithms=["none"])
    forged = _request_object(RSAKey.generate_key(2048, private=True, auto_kid=True), claims)
    expired = _request_object(jar_key, dict(claims, exp=int(time.time()) - 10))
    wrong_audience = _request_object(jar_key, dict(claims, aud="https://elsewhere.example"))
    for value in (unsigned, forged, expired, wrong_audience, "not-a-jwt"):
        response = app.get("/connect/authorize", params=flow.params(request=value))
        assert response.location.startswith(REDIRECT_URI)
        assert _query(response.location)["error"] == "invalid_request_object", value
        pushed = client_post(app, "/connect/par", {"client_id": "demo-rp", "request": value})
        assert pushed.status_int == 400 and pushed.json["error"] == "invalid_request_object"


def test_a_request_object_of_another_client_id_is_refused(app, flow, jar_key):
    claims = _signed_params(flow, client_id="someone-else")
    response = app.get("/connect/authorize", params=flow.params(request=_request_object(jar_key, claims)))
    assert _query(response.location)["error"] == "invalid_request_object"


def test_an_older_database_gets_the_pushed_requests(app, flow, ostiary_app):
    from ostiary.models.root import CURRENT_GENERATION

    with transaction_root(ostiary_app) as root:  # make it look like generation 7
        del root.pushed_requests
        root.generation = 7
    with transaction_root(ostiary_app) as root:
        assert root.generation == CURRENT_GENERATION
    assert _push(app, flow).status_int == 201


def test_expired_pushed_requests_are_pruned(app, flow, ostiary_app):
    _push(app, flow)
    with transaction_root(ostiary_app) as root:
        assert root.prune(when=int(time.time()) + 61) >= 1
        assert len(root.pushed_requests.items) == 0


def test_prompt_login_in_a_pushed_request_does_not_loop(app, flow):
    flow.code()  # signed in already
    request_uri = _push(app, flow, prompt="login", max_age="0").json["request_uri"]
    response = app.get("/connect/authorize", params={"client_id": "demo-rp", "request_uri": request_uri})
    assert "/account/login" in response.location
    response = flow.login(response)
    # Back at the authorize endpoint with the request_uri: a code, not the login page again.
    params = flow.follow_to_client(response)
    assert "code" in params
