"""Resource indicators (RFC 8707): audience-restricted access tokens."""

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.testing import client_post, load_data

ORDERS = "https://orders.example/api"
BILLING = "https://billing.example/api"


@pytest.fixture
def resource_app(app):
    load_data(
        app.app,
        {
            "resources": [
                {"name": "orders.read", "kind": "api", "resource_uri": ORDERS, "audience": ORDERS},
                {"name": "orders.write", "kind": "api", "resource_uri": ORDERS},
                {"name": "billing", "kind": "api", "resource_uri": BILLING},
            ],
            "clients": [
                {
                    "client_id": "demo-rp",
                    "scopes": ["openid", "profile", "email", "offline_access", "api", "orders.read", "billing"],
                }
            ],
        },
    )
    return app


def _claims(app, token):
    keys = KeySet.import_key_set(app.get("/.well-known/jwks.json").json)
    return jwt.decode(token, keys).claims


def test_one_resource_per_token_request_from_several_authorized(resource_app, flow):
    app = resource_app
    scope = "openid offline_access orders.read billing api"
    params = flow.code(scope=scope, resource=[ORDERS, BILLING])
    response = flow.exchange(params["code"], resource=ORDERS)
    assert response.status_int == 200, response.text
    tokens = response.json
    claims = _claims(app, tokens["access_token"])
    assert claims["aud"] == [ORDERS]
    assert claims["scope"] == "openid offline_access orders.read"
    assert tokens["scope"] == "openid offline_access orders.read"
    # The refresh token remembers both resources: each refresh names one.
    refreshed = client_post(
        app,
        "/connect/token",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "resource": BILLING},
    )
    assert refreshed.status_int == 200, refreshed.text
    assert _claims(app, refreshed.json["access_token"])["aud"] == [BILLING]
    assert refreshed.json["scope"] == "openid offline_access billing"
    # One the authorization did not name is invalid_target.
    elsewhere = client_post(
        app,
        "/connect/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": refreshed.json["refresh_token"],
            "resource": "https://x.example/",
        },
    )
    assert elsewhere.status_int == 400 and elsewhere.json["error"] == "invalid_target"


def test_without_resource_tokens_keep_every_audience(resource_app, flow):
    tokens = flow.exchange(flow.code(scope="openid api orders.read billing")["code"]).json
    audience = _claims(resource_app, tokens["access_token"])["aud"]
    assert audience == sorted([ORDERS, BILLING, "http://localhost/resources/api"])


def test_two_resources_in_one_token_request_are_invalid_target(resource_app, flow):
    params = flow.code(scope="openid orders.read billing", resource=[ORDERS, BILLING])
    response = flow.exchange(params["code"], resource=[ORDERS, BILLING])
    assert response.status_int == 400
    assert response.json["error"] == "invalid_target"


def test_a_resource_not_authorized_is_invalid_target_at_the_token_endpoint(resource_app, flow):
    params = flow.code(scope="openid orders.read billing", resource=ORDERS)
    response = flow.exchange(params["code"], resource=BILLING)
    assert response.json["error"] == "invalid_target"


@pytest.mark.parametrize(
    "resource",
    ["https://unknown.example/", "not a uri", "https://orders.example/api#frag", "/relative"],
)
def test_unknown_or_malformed_resources_at_authorize_go_back_as_invalid_target(resource_app, flow, resource):
    # Refused before anyone is asked to sign in.
    response = flow.authorize(scope="openid orders.read", resource=resource)
    assert response.status_int == 302
    assert response.location.startswith(flow.redirect_uri)
    assert "error=invalid_target" in response.location


def test_a_resource_whose_scopes_were_not_requested_is_invalid_target(resource_app, flow):
    response = flow.authorize(scope="openid orders.read", resource=BILLING)
    assert "error=invalid_target" in response.location


def test_client_credentials_with_a_resource(resource_app):
    app = resource_app
    response = client_post(app, "/connect/token", {"grant_type": "client_credentials", "resource": BILLING})
    assert response.status_int == 200, response.text
    claims = _claims(app, response.json["access_token"])
    assert claims["aud"] == [BILLING]
    assert claims["scope"] == "billing"
    refused = client_post(app, "/connect/token", {"grant_type": "client_credentials", "resource": "urn:x:unknown"})
    assert refused.status_int == 400 and refused.json["error"] == "invalid_target"


def test_a_resource_uri_must_be_absolute(app):
    from ostiary.loader import LoadError

    load_data(app.app, {"resources": [{"name": "x", "kind": "api", "resource_uri": "urn:example:x"}]})
    with pytest.raises(LoadError, match="not an absolute URI"):
        load_data(app.app, {"resources": [{"name": "x", "kind": "api", "resource_uri": "/relative"}]})
    with pytest.raises(LoadError, match="only an API scope"):
        load_data(app.app, {"resources": [{"name": "y", "kind": "identity", "resource_uri": "urn:example:y"}]})
