"""Discovery and JWKS."""

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.testing import TEST_ISSUER


def test_discovery_advertises_the_endpoints_and_what_is_supported(app):
    doc = app.get("/.well-known/openid-configuration").json
    assert doc["issuer"] == TEST_ISSUER
    assert doc["authorization_endpoint"] == TEST_ISSUER + "/connect/authorize"
    assert doc["jwks_uri"] == TEST_ISSUER + "/.well-known/jwks.json"
    assert doc["response_types_supported"] == ["code"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert set(doc["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "client_secret_jwt",
        "none",
    }
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert "implicit" not in doc["grant_types_supported"]
    assert "password" not in doc["grant_types_supported"]


def test_discovery_is_cacheable_json(app):
    response = app.get("/.well-known/openid-configuration")
    assert response.content_type == "application/json"
    assert "max-age" in response.headers["Cache-Control"]


def test_jwks_publishes_rs256_and_es256_public_keys_only(app):
    keys = app.get("/.well-known/jwks.json").json["keys"]
    assert {k["alg"] for k in keys} == {"RS256", "ES256"}
    for key in keys:
        assert "d" not in key and key["use"] == "sig" and key["kid"]


def test_tokens_verify_against_the_jwks(app):
    app.authorization = ("Basic", ("demo-rp", "demo-secret"))
    token = app.post("/connect/token", {"grant_type": "client_credentials"}).json["access_token"]
    keys = KeySet.import_key_set(app.get("/.well-known/jwks.json").json)
    decoded = jwt.decode(token, keys)
    assert decoded.header["typ"] == "at+jwt"
    assert decoded.claims["iss"] == TEST_ISSUER


def _through(policy_part, router, method: str, path: str):
    """Run one request through ``policy_part`` (the shortcut or Pyramid behind it)."""
    from webob import Request

    request = Request.blank(path, method=method)
    return request.get_response(lambda environ, start: policy_part(environ, router)(environ, start))


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration", "/.well-known/jwks.json"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_shortcut_answers_exactly_as_the_view_does(ostiary_app, app, path, method):
    """The execution policy answers these two paths from memory; Pyramid's
    views behind it must give the same status, headers and body."""
    from pyramid.interfaces import IExecutionPolicy

    from ostiary.protocol.wellknown import WellKnownPolicy

    app.get("/.well-known/jwks.json")  # the key ring has been read: the shortcut may answer
    from ostiary.logs import RequestIdPolicy

    outer = ostiary_app.registry.queryUtility(IExecutionPolicy)
    assert isinstance(outer, RequestIdPolicy)  # which adds X-Request-Id to both alike
    policy = outer
    while not isinstance(policy, WellKnownPolicy):  # past the request-id and timing policies
        policy = policy.inner
    shortcut = _through(policy, ostiary_app, method, path)
    view = _through(policy.inner, ostiary_app, method, path)
    assert shortcut.status == view.status == "200 OK"
    assert sorted(shortcut.headerlist) == sorted(view.headerlist)
    assert shortcut.body == view.body
    if method == "HEAD":
        assert shortcut.body == b"" and int(shortcut.headers["Content-Length"]) > 0


def test_other_methods_and_paths_still_go_to_pyramid(app):
    assert app.post("/.well-known/openid-configuration", status=404).status_int == 404
    assert app.get("/.well-known/openid-configuration/", status=404).status_int == 404
    assert app.get("/.well-known/openid-configuration?x=1").json["issuer"] == TEST_ISSUER


# -- RFC 8414 authorization server metadata ------------------------------------


def test_rfc_8414_metadata_equals_discovery_where_they_overlap(app):
    discovery = app.get("/.well-known/openid-configuration").json
    metadata = app.get("/.well-known/oauth-authorization-server").json
    assert metadata["issuer"] == TEST_ISSUER
    for key, value in metadata.items():
        assert discovery[key] == value, key
    # Every OAuth 2.0 entry is there, none that only OpenID Connect defines.
    for key in (
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "revocation_endpoint",
        "introspection_endpoint",
    ):
        assert key in metadata
    for key in ("userinfo_endpoint", "id_token_signing_alg_values_supported", "subject_types_supported"):
        assert key not in metadata


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_shortcut_answers_rfc_8414_metadata_exactly_as_the_view_does(ostiary_app, app, method):
    from pyramid.interfaces import IExecutionPolicy

    from ostiary.protocol.wellknown import WellKnownPolicy

    path = "/.well-known/oauth-authorization-server"
    policy = ostiary_app.registry.queryUtility(IExecutionPolicy)
    while not isinstance(policy, WellKnownPolicy):  # past the request-id and timing policies
        policy = policy.inner
    shortcut = _through(policy, None, method, path)  # no router: only the shortcut can answer
    view = _through(policy.inner, ostiary_app, method, path)
    assert shortcut.status == view.status == "200 OK"
    assert sorted(shortcut.headerlist) == sorted(view.headerlist)
    assert shortcut.body == view.body
