"""The per-request authlib server: tables shared by the process, bound to
each request's server, and no request's state reaching another's."""

import threading

import pytest
import webtest
from authlib.oauth2.rfc6749 import InsecureTransportError, OAuth2Request
from joserfc import jwt
from joserfc.jwk import KeySet
from pyramid.request import Request

from ostiary.models.clients import AUTH_METHODS
from ostiary.protocol.server import OstiaryServer, PyramidOAuth2Request
from ostiary.testing import load_data

BILLING = "https://billing.example/api"


def _server(app):
    request = Request.blank("/connect/token")
    request.registry = app.app.registry
    return OstiaryServer(request)


def test_each_request_binds_the_shared_tables_to_its_own_server(app):
    first, second = _server(app), _server(app)
    # The grants are sorted once per process and never change.
    assert first._token_grants is second._token_grants
    assert isinstance(first._token_grants, tuple) and isinstance(first._authorization_grants, tuple)
    # What reads the request is made for each request's own server.
    for name in ("revocation", "introspection", "device_authorization"):
        assert name in first._endpoints
        assert first._endpoints[name][0].server is first
        assert second._endpoints[name][0].server is second
        assert first._endpoints[name] is first._endpoints[name]  # made once per request
    for name in ("private_key_jwt", "client_secret_jwt"):
        assert first._client_auth._methods[name].server is first
        assert second._client_auth._methods[name].server is second
    assert first._token_generators["default"].server is first
    assert "no_such_endpoint" not in first._endpoints


def test_the_tables_cover_what_discovery_advertises(app):
    server = _server(app)
    discovery = app.get("/.well-known/openid-configuration").json
    assert {grant.GRANT_TYPE for grant, _ in server._token_grants} == set(discovery["grant_types_supported"])
    assert set(server._client_auth._methods) == set(AUTH_METHODS)
    assert {grant.RESPONSE_TYPES.copy().pop() for grant, _ in server._authorization_grants} == set(
        discovery["response_types_supported"]
    )


def test_concurrent_token_requests_keep_their_own_audience(app):
    """``resource_target`` is set on a request's server by the grant: token
    requests in threads (as granian runs them) each get the audience they
    asked for."""
    load_data(
        app.app,
        {
            "resources": [{"name": "billing", "kind": "api", "resource_uri": BILLING}],
            "clients": [{"client_id": "demo-rp", "scopes": ["openid", "api", "billing"]}],
        },
    )
    keys = KeySet.import_key_set(app.get("/.well-known/jwks.json").json)
    results, errors = [], []

    def run(resource):
        client = webtest.TestApp(app.app)
        client.authorization = ("Basic", ("demo-rp", "demo-secret"))
        form = {"grant_type": "client_credentials", "scope": "billing" if resource else "api"}
        if resource:
            form["resource"] = BILLING
        try:
            for _ in range(8):
                token = client.post("/connect/token", form).json["access_token"]
                results.append((resource, jwt.decode(token, keys).claims["aud"]))
        except Exception as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(resource,)) for resource in (True, False, True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 32
    for with_resource, audience in results:
        if with_resource:
            assert audience == [BILLING]
        else:
            assert BILLING not in audience and audience


def test_the_oauth_request_has_every_attribute_authlibs_constructor_sets():
    """PyramidOAuth2Request sets authlib's attributes itself (to judge the
    transport once per origin): an authlib upgrade adding one fails here."""
    reference = OAuth2Request("POST", "https://id.example/connect/token", headers={"X": "y"})
    request = Request.blank("/connect/token?x=1", POST={"grant_type": "client_credentials"})
    ours = PyramidOAuth2Request(request, "https://id.example/tenant")
    assert set(vars(reference)) <= set(vars(ours))
    assert ours.uri == "https://id.example/connect/token?x=1"
    assert ours.method == "POST" and ours.payload.grant_type == "client_credentials"
    assert ours.client is None and ours.user is None and ours.credential is None


@pytest.mark.parametrize(
    ("issuer", "secure"),
    [
        ("https://id.example", True),
        ("http://127.0.0.1:6543", True),
        ("http://localhost:6543", True),
        ("http://[::1]:6543", True),
        ("http://id.example", False),
        ("http://10.0.0.1", False),
    ],
)
def test_the_transport_check_is_authlibs(issuer, secure):
    request = Request.blank("/connect/token")
    try:
        OAuth2Request("POST", issuer + "/connect/token")
    except InsecureTransportError:
        authlib_secure = False
    else:
        authlib_secure = True
    assert authlib_secure is secure
    if secure:
        assert PyramidOAuth2Request(request, issuer).uri == issuer + "/connect/token"
    else:
        for _ in range(2):  # refused every time, not only the first
            with pytest.raises(InsecureTransportError):
                PyramidOAuth2Request(request, issuer)
