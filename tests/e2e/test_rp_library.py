"""A real relying-party library against a real server.

Ostiary runs under waitress on a loopback port (see ``live_server``); the
client side is authlib's ``OAuth2Session`` over real HTTP, with the login
and consent pages walked by the same ``requests`` session, the way a
browser would. Nothing listens at the redirect URI: the redirect carrying
the code is caught, never followed.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import secrets
import time
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from live_server import LiveServer

from ostiary.testing import DEMO, REDIRECT_URI, form_value, load_data

SCOPE = "openid profile email offline_access api"
CLIENT_KEY = RSAKey.generate_key(2048, parameters={"alg": "RS256", "use": "sig"}, private=True, auto_kid=True)


def _data_for(issuer: str) -> dict:
    """The demo data with the API audience on this server's issuer, plus a
    private_key_jwt client and a public client."""
    data = copy.deepcopy(DEMO)
    data["resources"][0]["audience"] = issuer + "/resources/api"
    # A replayed refresh token is refused at once, not answered again within
    # the reuse grace (two tabs refreshing together), which this test is not about.
    data["clients"][0]["refresh_token_reuse_grace"] = 0
    data["clients"] += [
        {
            "client_id": "key-client",
            "name": "Key client",
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": {"keys": [CLIENT_KEY.as_dict(private=False)]},
            "grant_types": ["client_credentials"],
            "scopes": ["api"],
        },
        {
            "client_id": "public-rp",
            "name": "Public application",
            "token_endpoint_auth_method": "none",
            "redirect_uris": [REDIRECT_URI],
            "grant_types": ["authorization_code"],
            "scopes": ["openid", "profile", "email"],
        },
    ]
    return data


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(tmp_path_factory.mktemp("live")) as live:
        load_data(live.app, _data_for(live.url))
        yield live


@pytest.fixture(scope="module")
def metadata(server) -> dict:
    response = requests.get(server.url + "/.well-known/openid-configuration", timeout=10)
    response.raise_for_status()
    return response.json()


@pytest.fixture(scope="module")
def jwks(metadata) -> KeySet:
    response = requests.get(metadata["jwks_uri"], timeout=10)
    response.raise_for_status()
    return KeySet.import_key_set(response.json())


def _relying_party(client_id="demo-rp", secret="demo-secret", scope=SCOPE, **kwargs) -> OAuth2Session:
    return OAuth2Session(
        client_id, secret, scope=scope, redirect_uri=REDIRECT_URI, code_challenge_method="S256", **kwargs
    )


def _browse_to_code(rp: OAuth2Session, url: str, limit: int = 8) -> str:
    """Follow ``url`` through the login and consent pages like a browser;
    return the redirect that leaves for the client (not followed)."""
    response = rp.get(url, allow_redirects=False, timeout=10, withhold_token=True)
    for _ in range(limit):
        if response.status_code not in (302, 303):
            raise AssertionError(f"unexpected {response.status_code} at {response.url}: {response.text[:300]}")
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith(REDIRECT_URI):
            return location
        page = rp.get(location, allow_redirects=False, timeout=10, withhold_token=True)
        if page.status_code in (302, 303):
            response = page
            continue
        path = urlsplit(location).path
        form = [("csrf_token", form_value(page.text, "csrf_token")), ("returnUrl", form_value(page.text, "returnUrl"))]
        if path == "/account/login":
            form += [("username", "alice"), ("password", "alice-password"), ("action", "login")]
        elif path == "/consent":
            form += [("scope", s) for s in re.findall(r'name="scope" value="([^"]+)"', page.text)]
            form += [("remember", "yes"), ("action", "allow")]
        else:
            raise AssertionError(f"unexpected page {location}")
        response = rp.post(urljoin(location, path), data=form, allow_redirects=False, timeout=10, withhold_token=True)
    raise AssertionError("the flow did not reach the client")


def _code_flow(rp: OAuth2Session, metadata: dict) -> tuple[dict, str]:
    """Run the code flow with PKCE and a nonce; return the token and the nonce."""
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = rp.create_authorization_url(metadata["authorization_endpoint"], nonce=nonce, code_verifier=verifier)
    assert "code_challenge=" in url and "code_challenge_method=S256" in url
    callback = _browse_to_code(rp, url)
    params = parse_qs(urlsplit(callback).query)
    assert params["state"] == [state]
    assert params["iss"] == [metadata["issuer"]]
    token = rp.fetch_token(
        metadata["token_endpoint"], authorization_response=callback, state=state, code_verifier=verifier
    )
    return token, nonce


@pytest.fixture
def signed_in(server, metadata):
    """A relying party that has just finished the code flow: (rp, token, nonce)."""
    rp = _relying_party()
    token, nonce = _code_flow(rp, metadata)
    yield rp, token, nonce
    rp.close()


def _half_hash(value: str) -> str:
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def _userinfo(metadata, access_token) -> requests.Response:
    return requests.get(metadata["userinfo_endpoint"], headers={"Authorization": "Bearer " + access_token}, timeout=10)


def test_discovery_names_the_live_issuer_and_its_endpoints(server, metadata):
    assert metadata["issuer"] == server.url
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "revocation_endpoint"):
        assert metadata[name].startswith(server.url + "/")
    assert metadata["code_challenge_methods_supported"] == ["S256"]


def test_code_flow_with_pkce_returns_every_token(signed_in):
    _, token, _ = signed_in
    assert token["token_type"].lower() == "bearer"
    assert {"access_token", "id_token", "refresh_token", "expires_in", "scope"} <= set(token)
    assert set(token["scope"].split()) == set(SCOPE.split())


def test_id_token_validates_against_the_published_keys(signed_in, metadata, jwks):
    _, token, nonce = signed_in
    decoded = jwt.decode(token["id_token"], jwks, algorithms=metadata["id_token_signing_alg_values_supported"])
    assert decoded.header["kid"] in {key.kid for key in jwks.keys}
    claims = jwt.JWTClaimsRegistry(
        leeway=5,
        iss={"essential": True, "value": metadata["issuer"]},
        aud={"essential": True, "value": "demo-rp"},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
        at_hash={"essential": True, "value": _half_hash(token["access_token"])},
        sub={"essential": True},
        sid={"essential": True},
        auth_time={"essential": True},
        amr={"essential": True},
    )
    claims.validate(decoded.claims)
    assert "pwd" in decoded.claims["amr"]


def test_access_token_is_a_jwt_for_the_api(signed_in, server, jwks):
    _, token, _ = signed_in
    decoded = jwt.decode(token["access_token"], jwks)
    assert decoded.header["typ"].lower() == "at+jwt"
    assert server.url + "/resources/api" in decoded.claims["aud"]
    assert decoded.claims["client_id"] == "demo-rp"


def test_userinfo_returns_alices_claims(signed_in, metadata, jwks):
    rp, token, _ = signed_in
    response = rp.get(metadata["userinfo_endpoint"], timeout=10)
    assert response.status_code == 200
    info = response.json()
    assert info["name"] == "Alice Liddell"
    assert info["email"] == "alice@example.org"
    assert info["sub"] == jwt.decode(token["id_token"], jwks).claims["sub"]


def test_refresh_rotates_the_refresh_token_and_refuses_the_old_one(signed_in, metadata):
    rp, token, _ = signed_in
    old_refresh = token["refresh_token"]
    fresh = rp.refresh_token(metadata["token_endpoint"], refresh_token=old_refresh)
    assert fresh["refresh_token"] != old_refresh
    assert fresh["access_token"] != token["access_token"]
    assert _userinfo(metadata, fresh["access_token"]).status_code == 200
    replay = requests.post(
        metadata["token_endpoint"],
        auth=("demo-rp", "demo-secret"),
        timeout=10,
        data={"grant_type": "refresh_token", "refresh_token": old_refresh},
    )
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


def test_revoked_access_token_is_refused_by_userinfo(signed_in, metadata):
    rp, token, _ = signed_in
    assert _userinfo(metadata, token["access_token"]).status_code == 200
    rp.revoke_token(
        metadata["revocation_endpoint"], token["access_token"], token_type_hint="access_token"
    ).raise_for_status()
    response = _userinfo(metadata, token["access_token"])
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


class ShortLivedPrivateKeyJWT(PrivateKeyJWT):
    """authlib signs assertions valid for an hour unless told otherwise;
    Ostiary accepts five minutes by default (ostiary.client_assertion_max_lifetime)."""

    def sign(self, auth, token_endpoint):
        self.claims = {"exp": int(time.time()) + 60}
        return super().sign(auth, token_endpoint)


def test_authlibs_default_hour_long_assertion_is_refused(metadata):
    endpoint = metadata["token_endpoint"]
    with OAuth2Session("key-client", CLIENT_KEY, scope="api", token_endpoint_auth_method="private_key_jwt") as rp:
        rp.register_client_auth_method(PrivateKeyJWT(endpoint))
        with pytest.raises(OAuthError, match="valid for too long"):
            rp.fetch_token(endpoint, grant_type="client_credentials")


def test_private_key_jwt_client_gets_a_client_credentials_token(server, metadata, jwks):
    endpoint = metadata["token_endpoint"]
    assert "private_key_jwt" in metadata["token_endpoint_auth_methods_supported"]
    with OAuth2Session("key-client", CLIENT_KEY, scope="api", token_endpoint_auth_method="private_key_jwt") as rp:
        rp.register_client_auth_method(ShortLivedPrivateKeyJWT(endpoint))
        token = rp.fetch_token(endpoint, grant_type="client_credentials")
    claims = jwt.decode(token["access_token"], jwks).claims
    assert claims["sub"] == claims["client_id"] == "key-client"
    assert server.url + "/resources/api" in claims["aud"]
    assert "refresh_token" not in token


def test_private_key_jwt_signed_by_another_key_is_refused(metadata):
    endpoint = metadata["token_endpoint"]
    stranger = RSAKey.generate_key(2048, private=True)
    with OAuth2Session("key-client", stranger, scope="api", token_endpoint_auth_method="private_key_jwt") as rp:
        rp.register_client_auth_method(PrivateKeyJWT(endpoint))
        with pytest.raises(OAuthError) as refused:
            rp.fetch_token(endpoint, grant_type="client_credentials")
    assert refused.value.error == "invalid_client"


def test_public_client_runs_the_code_flow_with_pkce(server, metadata, jwks):
    with _relying_party("public-rp", None, scope="openid profile email", token_endpoint_auth_method="none") as rp:
        token, nonce = _code_flow(rp, metadata)
        assert rp.get(metadata["userinfo_endpoint"], timeout=10).json()["name"] == "Alice Liddell"
    claims = jwt.decode(token["id_token"], jwks).claims
    assert claims["aud"] == "public-rp"
    assert claims["nonce"] == nonce
    assert "refresh_token" not in token
