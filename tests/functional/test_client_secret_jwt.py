"""``client_secret_jwt`` client authentication (RFC 7523, OpenID Connect
Core 1.0 section 9): an assertion MACed with the client's shared secret,
with the same lifetime bound and replay protection as private_key_jwt."""

from __future__ import annotations

import time
import uuid

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from ostiary.loader import LoadError
from ostiary.testing import TEST_ISSUER, client_post, load_data

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SECRET = "a-long-shared-secret-of-the-hmac-client-0123456789"

CLIENT = {
    "client_id": "mac",
    "token_endpoint_auth_method": "client_secret_jwt",
    "secret": SECRET,
    "grant_types": ["client_credentials"],
    "scopes": ["api"],
}


@pytest.fixture
def mac_app(app):
    load_data(app.app, {"clients": [CLIENT]})
    return app


def _assertion(secret=SECRET, alg="HS256", client_id="mac", **claims):
    issued = int(time.time())
    body = {
        "iss": client_id,
        "sub": client_id,
        "aud": TEST_ISSUER + "/connect/token",
        "iat": issued,
        "exp": issued + 60,
        "jti": str(uuid.uuid4()),
        **claims,
    }
    return jwt.encode({"alg": alg}, body, OctKey.import_key(secret), algorithms=[alg])


def _token(app, assertion):
    form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}
    return client_post(app, "/connect/token", form, auth=None)


def test_discovery_advertises_client_secret_jwt(app):
    doc = app.get("/.well-known/openid-configuration").json
    assert "client_secret_jwt" in doc["token_endpoint_auth_methods_supported"]
    assert "HS256" in doc["token_endpoint_auth_signing_alg_values_supported"]


def test_a_macd_assertion_authenticates_the_client(mac_app):
    response = _token(mac_app, _assertion())
    assert response.status_int == 200, response.text
    assert response.json["access_token"]


def test_a_replayed_assertion_is_refused(mac_app):
    assertion = _assertion(jti="only-once")
    assert _token(mac_app, assertion).status_int == 200
    assert _token(mac_app, assertion).json["error"] == "invalid_client"


def test_a_wrong_secret_or_a_long_lived_assertion_is_refused(mac_app):
    assert (
        _token(mac_app, _assertion(secret="another-secret-of-enough-length-000000")).json["error"] == "invalid_client"
    )
    long_lived = _assertion(exp=int(time.time()) + 3600)
    assert _token(mac_app, long_lived).json["error"] == "invalid_client"


def test_the_secret_alone_in_basic_is_not_enough(mac_app):
    """The client registered client_secret_jwt: the same secret over HTTP
    Basic is another method, and refused."""
    response = client_post(mac_app, "/connect/token", {"grant_type": "client_credentials"}, auth=("mac", SECRET))
    assert response.json["error"] == "invalid_client"


def test_a_private_key_jwt_client_cannot_use_a_mac(mac_app):
    key = RSAKey.generate_key(2048, private=True, auto_kid=True)
    load_data(
        mac_app.app,
        {
            "clients": [
                {
                    "client_id": "rsa",
                    "token_endpoint_auth_method": "private_key_jwt",
                    "jwks": {"keys": [key.as_dict(private=False)]},
                    "grant_types": ["client_credentials"],
                    "scopes": ["api"],
                }
            ]
        },
    )
    forged = _assertion(secret="x" * 40, client_id="rsa")
    assert _token(mac_app, forged).json["error"] == "invalid_client"
    # ... and its own assertions still work beside the MAC client.
    issued = int(time.time())
    claims = {"iss": "rsa", "sub": "rsa", "aud": TEST_ISSUER + "/connect/token", "exp": issued + 60, "jti": "r1"}
    assert _token(mac_app, jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)).status_int == 200


def test_the_secret_is_not_shown_by_client_show(mac_app):
    from ostiary.testing import transaction_root

    with transaction_root(mac_app.app) as root:
        shown = root.clients.get("mac").as_dict()
    assert SECRET not in repr(shown)


def test_a_client_secret_jwt_client_needs_its_secret_at_load_time(app):
    spec = {k: v for k, v in CLIENT.items() if k != "secret"}
    with pytest.raises(LoadError, match="secret"):
        load_data(app.app, {"clients": [spec]})
