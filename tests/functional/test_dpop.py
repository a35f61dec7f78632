"""DPoP (RFC 9449) through real requests: proofs at the token endpoint bind
the tokens to the client's key, userinfo takes them only with the DPoP
scheme and a proof of that key, server nonces, replay across processes,
``dpop_jkt`` at authorize, ``require_dpop``, and public clients' refresh
tokens bound."""

from __future__ import annotations

import json
import secrets
import time

import pytest
from joserfc import jws
from joserfc.jwk import ECKey, RSAKey

from ostiary.models.util import now
from ostiary.protocol.dpop import access_token_hash
from ostiary.testing import TEST_ISSUER, CodeFlow, client_post, load_data, transaction_root

TOKEN_URL = TEST_ISSUER + "/connect/token"
USERINFO_URL = TEST_ISSUER + "/connect/userinfo"
SPA_REDIRECT = "http://127.0.0.1:7001/callback"

SPA = {
    "client_id": "spa",
    "token_endpoint_auth_method": "none",
    "redirect_uris": [SPA_REDIRECT],
    "grant_types": ["authorization_code", "refresh_token"],
    "scopes": ["openid", "profile", "offline_access"],
}


class Holder:
    """A client's DPoP key, making proofs the way RFC 9449 section 4.2 says."""

    def __init__(self, key=None, alg="ES256"):
        self.key = key or ECKey.generate_key("P-256")
        self.alg = alg
        self.nonce = None

    @property
    def jkt(self) -> str:
        return self.key.thumbprint()

    def proof(self, url, htm="POST", access_token=None, **overrides) -> str:
        claims = {"jti": secrets.token_urlsafe(12), "htm": htm, "htu": url, "iat": now()}
        if self.nonce:
            claims["nonce"] = self.nonce
        if access_token:
            claims["ath"] = access_token_hash(access_token)
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        header = {"typ": "dpop+jwt", "alg": self.alg, "jwk": self.key.as_dict(private=False)}
        return jws.serialize_compact(header, json.dumps(claims).encode(), self.key, algorithms=[self.alg])


def _post_token(app, form, holder=None, proof=None, auth=None, status="*"):
    headers = {}
    if proof is None and holder is not None:
        proof = holder.proof(TOKEN_URL)
    if proof is not None:
        headers["DPoP"] = proof
    app.authorization = ("Basic", auth) if auth else None
    try:
        return app.post("/connect/token", form, headers=headers, status=status)
    finally:
        app.authorization = None


def _with_nonce(app, form, holder, **kwargs):
    """A token request answered use_dpop_nonce first, then retried with the nonce."""
    first = _post_token(app, form, holder, **kwargs)
    assert first.status_int == 400 and first.json["error"] == "use_dpop_nonce"
    holder.nonce = first.headers["DPoP-Nonce"]
    return _post_token(app, form, holder, **kwargs)


@pytest.fixture
def spa_app(app):
    load_data(app.app, {"clients": [SPA]})
    return app


def _code(app, client_id="spa", redirect_uri=SPA_REDIRECT, **extra):
    flow = CodeFlow(app, client_id=client_id, redirect_uri=redirect_uri)
    params = flow.code(scope="openid profile offline_access", **extra)
    return flow, params["code"]


def _exchange_form(flow, code):
    return {
        "grant_type": "authorization_code",
        "client_id": flow.client_id,
        "code": code,
        "redirect_uri": flow.redirect_uri,
        "code_verifier": flow.verifier,
    }


def _dpop_tokens(app, holder):
    flow, code = _code(app)
    response = _with_nonce(app, _exchange_form(flow, code), holder)
    assert response.status_int == 200, response.text
    return response.json


def _claims(token: str) -> dict:
    return json.loads(jws.extract_compact(token.encode()).payload)


def test_discovery_lists_the_proof_algorithms(app):
    algs = app.get("/.well-known/openid-configuration").json["dpop_signing_alg_values_supported"]
    assert "ES256" in algs and "RS256" in algs and "none" not in algs and "HS256" not in algs


def test_a_proof_binds_the_access_and_refresh_tokens_to_the_key(spa_app):
    holder = Holder()
    tokens = _dpop_tokens(spa_app, holder)
    assert tokens["token_type"] == "DPoP"
    assert _claims(tokens["access_token"])["cnf"] == {"jkt": holder.jkt}
    # The refresh token of a public client works only with the same key.
    refresh = {"grant_type": "refresh_token", "client_id": "spa", "refresh_token": tokens["refresh_token"]}
    other = Holder()
    other.nonce = holder.nonce
    refused = _post_token(spa_app, refresh, other)
    assert refused.status_int == 400 and refused.json["error"] == "invalid_dpop_proof"
    without = _post_token(spa_app, refresh)
    assert without.status_int == 400 and without.json["error"] == "invalid_dpop_proof"
    refreshed = _post_token(spa_app, refresh, holder)
    assert refreshed.status_int == 200, refreshed.text
    assert refreshed.json["token_type"] == "DPoP"
    assert _claims(refreshed.json["access_token"])["cnf"]["jkt"] == holder.jkt


def test_without_a_proof_tokens_stay_bearer(spa_app):
    flow, code = _code(spa_app)
    response = _post_token(spa_app, _exchange_form(flow, code))
    assert response.json["token_type"] == "Bearer"
    assert "cnf" not in _claims(response.json["access_token"])


def test_userinfo_takes_a_bound_token_only_with_a_proof_of_its_key(spa_app):
    holder = Holder()
    access = _dpop_tokens(spa_app, holder)["access_token"]

    def userinfo(scheme, proof=None):
        headers = {"Authorization": f"{scheme} {access}"}
        if proof:
            headers["DPoP"] = proof
        return spa_app.get("/connect/userinfo", headers=headers, status="*")

    as_bearer = userinfo("Bearer")
    assert as_bearer.status_int == 401 and as_bearer.json["error"] == "invalid_token"
    assert as_bearer.headers["WWW-Authenticate"].startswith("DPoP ")
    assert userinfo("DPoP").json["error"] == "invalid_dpop_proof"
    no_ath = userinfo("DPoP", holder.proof(USERINFO_URL, "GET"))
    assert no_ath.status_int == 401 and no_ath.json["error"] == "invalid_dpop_proof"
    other = Holder()
    other.nonce = holder.nonce
    assert userinfo("DPoP", other.proof(USERINFO_URL, "GET", access)).json["error"] == "invalid_token"
    ok = userinfo("DPoP", holder.proof(USERINFO_URL, "GET", access))
    assert ok.status_int == 200 and ok.json["sub"]
    assert ok.headers["DPoP-Nonce"] == holder.nonce


def test_userinfo_asks_for_the_nonce_in_its_challenge(spa_app):
    holder = Holder()
    access = _dpop_tokens(spa_app, holder)["access_token"]
    holder.nonce = None
    response = spa_app.get(
        "/connect/userinfo",
        headers={"Authorization": "DPoP " + access, "DPoP": holder.proof(USERINFO_URL, "GET", access)},
        status=401,
    )
    assert 'error="use_dpop_nonce"' in response.headers["WWW-Authenticate"]
    assert response.headers["DPoP-Nonce"]


def test_a_replayed_proof_is_refused(spa_app):
    holder = Holder()
    tokens = _dpop_tokens(spa_app, holder)
    refresh = {"grant_type": "refresh_token", "client_id": "spa", "refresh_token": tokens["refresh_token"]}
    proof = holder.proof(TOKEN_URL)
    first = _post_token(spa_app, refresh, proof=proof)
    assert first.status_int == 200
    refresh["refresh_token"] = first.json["refresh_token"]
    replayed = _post_token(spa_app, refresh, proof=proof)
    assert replayed.status_int == 400 and replayed.json["error"] == "invalid_dpop_proof"
    assert "used before" in replayed.json["error_description"]


def test_a_proof_seen_by_another_process_is_refused(spa_app):
    """The seen jtis live in the database: a proof another process (here: a
    connection of its own, committed) accepted is refused here too."""
    holder = Holder()
    tokens = _dpop_tokens(spa_app, holder)
    proof = holder.proof(TOKEN_URL)
    jti = json.loads(jws.extract_compact(proof.encode()).payload)["jti"]
    with transaction_root(spa_app.app) as root:
        assert root.dpop.remember_proof(holder.jkt, jti, now() + 600)
    refresh = {"grant_type": "refresh_token", "client_id": "spa", "refresh_token": tokens["refresh_token"]}
    replayed = _post_token(spa_app, refresh, proof=proof)
    assert replayed.status_int == 400 and "used before" in replayed.json["error_description"]


@pytest.mark.parametrize(
    "change, words",
    [
        ({"htm": "GET"}, "htm"),
        ({"htu": TEST_ISSUER + "/connect/userinfo"}, "htu"),
        ({"iat": 1}, "too old"),
        ({"iat": None}, "iat"),
        ({"jti": None}, "jti"),
    ],
)
def test_a_wrong_proof_is_invalid_dpop_proof(spa_app, change, words):
    holder = Holder()
    _dpop_tokens(spa_app, holder)  # learns the nonce
    response = _post_token(
        spa_app,
        {"grant_type": "refresh_token", "client_id": "spa", "refresh_token": "x"},
        proof=holder.proof(TOKEN_URL, **change),
    )
    assert response.status_int == 400
    assert response.json["error"] == "invalid_dpop_proof"
    assert words in response.json["error_description"]


def test_the_htu_is_compared_without_query_and_with_the_default_port(spa_app):
    holder = Holder()
    _dpop_tokens(spa_app, holder)
    flow, code = _code(spa_app)
    proof = holder.proof("HTTP://LOCALHOST:80/connect/token?x=1")
    response = _post_token(spa_app, _exchange_form(flow, code), proof=proof)
    assert response.status_int == 200, response.text


@pytest.mark.parametrize("what", ["not a jwt", "private key", "symmetric", "two proofs", "typ"])
def test_a_malformed_proof_is_refused_not_a_500(spa_app, what):
    holder = Holder()
    if what == "not a jwt":
        proof = "abc.def"
    elif what == "private key":
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": holder.key.as_dict(private=True)}
        claims = {"jti": "j", "htm": "POST", "htu": TOKEN_URL, "iat": now()}
        proof = jws.serialize_compact(header, json.dumps(claims).encode(), holder.key)
    elif what == "symmetric":
        from joserfc.jwk import OctKey

        key = OctKey.generate_key(256)
        header = {"typ": "dpop+jwt", "alg": "HS256", "jwk": key.as_dict(private=False)}
        proof = jws.serialize_compact(header, b'{"jti":"j"}', key, algorithms=["HS256"])
    elif what == "two proofs":
        proof = holder.proof(TOKEN_URL) + ", " + holder.proof(TOKEN_URL)
    else:
        header = {"typ": "JWT", "alg": "ES256", "jwk": holder.key.as_dict(private=False)}
        proof = jws.serialize_compact(header, b"{}", holder.key)
    response = _post_token(
        spa_app, {"grant_type": "refresh_token", "client_id": "spa", "refresh_token": "x"}, proof=proof
    )
    assert response.status_int == 400
    assert response.json["error"] == "invalid_dpop_proof"


def test_an_rsa_proof_works_too(spa_app):
    holder = Holder(RSAKey.generate_key(2048), "PS256")
    assert _dpop_tokens(spa_app, holder)["token_type"] == "DPoP"


def test_dpop_jkt_at_authorize_binds_the_code_to_that_key(spa_app):
    holder, other = Holder(), Holder()
    _dpop_tokens(spa_app, holder)
    other.nonce = holder.nonce
    flow, code = _code(spa_app, dpop_jkt=holder.jkt)
    refused = _post_token(spa_app, _exchange_form(flow, code), other)
    assert refused.status_int == 400 and refused.json["error"] == "invalid_dpop_proof"
    flow, code = _code(spa_app, dpop_jkt=holder.jkt)
    assert _post_token(spa_app, _exchange_form(flow, code)).json["error"] == "invalid_dpop_proof"
    flow, code = _code(spa_app, dpop_jkt=holder.jkt)
    accepted = _post_token(spa_app, _exchange_form(flow, code), holder)
    assert accepted.status_int == 200 and accepted.json["token_type"] == "DPoP"


def test_a_malformed_dpop_jkt_goes_back_to_the_client(spa_app):
    flow = CodeFlow(spa_app, client_id="spa", redirect_uri=SPA_REDIRECT)
    params = flow.code(scope="openid", dpop_jkt="not-a-thumbprint")
    assert params["error"] == "invalid_request"
    assert "dpop_jkt" in params["error_description"]


def test_require_dpop_refuses_a_token_request_without_a_proof(spa_app):
    load_data(spa_app.app, {"clients": [dict(SPA, require_dpop=True)]})
    flow, code = _code(spa_app)
    response = _post_token(spa_app, _exchange_form(flow, code))
    assert response.status_int == 400
    assert response.json["error"] == "invalid_dpop_proof"
    assert response.headers["DPoP-Nonce"]


def test_a_confidential_clients_refresh_token_is_not_bound(app):
    """demo-rp authenticates with its secret: its access tokens are bound to
    the key of each request, its refresh token is not (RFC 9449, section 5)."""
    holder = Holder()
    flow = CodeFlow(app)
    code = flow.code(scope="openid offline_access")["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": flow.redirect_uri,
        "code_verifier": flow.verifier,
    }
    tokens = _with_nonce(app, form, holder, auth=("demo-rp", "demo-secret")).json
    assert tokens["token_type"] == "DPoP"
    refreshed = client_post(
        app, "/connect/token", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_int == 200 and refreshed.json["token_type"] == "Bearer"
    # Introspection shows the access token's key.
    introspected = client_post(app, "/connect/introspect", {"token": tokens["access_token"]}).json
    assert introspected["cnf"] == {"jkt": holder.jkt}
    assert introspected["token_type"] == "DPoP"


def test_introspection_shows_the_key_of_a_bound_refresh_token(spa_app):
    holder = Holder()
    tokens = _dpop_tokens(spa_app, holder)
    load_data(
        spa_app.app,
        {
            "clients": [
                {"client_id": "spa", "token_endpoint_auth_method": "client_secret_basic", "secret": "now-confidential"}
            ]
        },
    )
    answer = client_post(
        spa_app, "/connect/introspect", {"token": tokens["refresh_token"]}, auth=("spa", "now-confidential")
    ).json
    assert answer["active"] is True and answer["cnf"] == {"jkt": holder.jkt}


def test_seen_proofs_are_pruned_after_they_could_be_accepted(spa_app):
    holder = Holder()
    _dpop_tokens(spa_app, holder)
    with transaction_root(spa_app.app) as root:
        assert len(root.dpop.seen) >= 1
        assert root.dpop.prune(now() + 3600) >= 1
        assert len(root.dpop.seen) == 0


def test_nonces_can_be_turned_off(ostiary_settings, ostiary_plugins):
    import webtest

    from ostiary import main
    from ostiary.testing import DEMO, close_app

    application = main(
        {}, **dict(ostiary_settings, **{"ostiary.dpop_nonce_required": "false"}, ostiary_testing_plugins=[])
    )
    try:
        app = webtest.TestApp(application, extra_environ={"HTTP_HOST": "localhost"})
        load_data(application, DEMO)
        load_data(application, {"clients": [SPA]})
        flow, code = _code(app)
        response = _post_token(app, _exchange_form(flow, code), Holder())
        assert response.status_int == 200 and response.json["token_type"] == "DPoP"
        assert "DPoP-Nonce" not in response.headers
    finally:
        close_app(application)
    assert time.time()


def test_a_generation_7_database_gets_the_dpop_and_pairwise_stores(tmp_path, caplog):
    """Evolve step 8: a database from before DPoP and pairwise subjects is
    given their stores when it is opened, and they work at once."""
    from ostiary import main
    from ostiary.testing import base_settings, close_app

    settings = base_settings(tmp_path)
    application = main({}, **settings)
    try:
        with transaction_root(application) as root:
            del root.dpop, root.pairwise
            root.generation = 7
    finally:
        close_app(application)
    with caplog.at_level("INFO", logger="ostiary.models.root"):
        application = main({}, **settings)
    try:
        with transaction_root(application) as root:
            assert root.generation >= 8
            assert root.dpop.remember_proof("jkt", "jti", now() + 60)
            assert len(root.pairwise.salt) == 32
    finally:
        close_app(application)
    assert "generation 8" in caplog.text
