"""Token exchange (RFC 8693): impersonation, delegation and the policy hook."""

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.plugin import hookimpl
from ostiary.testing import REDIRECT_URI, client_post, load_data

GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
TT = "urn:ietf:params:oauth:token-type:"
API = "http://localhost/resources/api"


class ExchangePolicy:
    """Lets the client ``gateway`` exchange tokens for the demo API's audience
    (or for no named audience); refuses everything for ``refused``;
    records what it was asked."""

    def __init__(self):
        self.asked = []

    @hookimpl
    def ostiary_token_exchange_allowed(self, client, exchange):
        self.asked.append(exchange)
        if client.client_id == "refused":
            return False
        if client.client_id == "gateway" and set(exchange.audiences) <= {API, "demo-rp"}:
            return True
        return None


POLICY = ExchangePolicy()


@pytest.fixture
def ostiary_plugins():
    POLICY.asked.clear()
    return [("exchange-policy", POLICY)]


@pytest.fixture
def gateway(app, ostiary_app):
    client = {
        "secret": "s",
        "grant_types": [GRANT, "client_credentials"],
        "scopes": ["openid", "profile", "api"],
        "redirect_uris": [REDIRECT_URI],
    }
    load_data(
        ostiary_app,
        {
            "clients": [
                dict(client, client_id="gateway"),
                dict(client, client_id="nobody-allows"),
                dict(client, client_id="refused"),
                {"client_id": "no-grant", "secret": "s", "grant_types": ["client_credentials"], "scopes": ["api"]},
            ]
        },
    )
    return app


def _claims(app, token):
    keys = KeySet.import_key_set(app.get("/.well-known/jwks.json").json)
    return jwt.decode(token, keys).claims


def _exchange(app, client="gateway", **form):
    return client_post(app, "/connect/token", dict({"grant_type": GRANT}, **form), auth=(client, "s"))


def _alice_tokens(flow):
    return flow.exchange(flow.code(scope="openid profile api offline_access")["code"]).json


def test_impersonation_with_an_access_token(gateway, flow):
    tokens = _alice_tokens(flow)
    alice = _claims(gateway, tokens["access_token"])["sub"]
    response = _exchange(
        gateway, subject_token=tokens["access_token"], subject_token_type=TT + "access_token", audience=API, scope="api"
    )
    assert response.status_int == 200, response.text
    body = response.json
    assert body["issued_token_type"] == TT + "access_token" and body["token_type"] == "Bearer"
    assert "refresh_token" not in body
    claims = _claims(gateway, body["access_token"])
    assert claims["sub"] == alice and claims["aud"] == [API] and claims["scope"] == "api"
    assert claims["client_id"] == "gateway" and "act" not in claims
    asked = POLICY.asked[-1]
    assert (asked.subject, asked.subject_client_id, asked.actor, asked.audiences) == (alice, "demo-rp", None, (API,))


def test_delegation_puts_the_actor_in_act(gateway, flow):
    tokens = _alice_tokens(flow)
    actor = client_post(gateway, "/connect/token", {"grant_type": "client_credentials"}, auth=("gateway", "s")).json
    response = _exchange(
        gateway,
        subject_token=tokens["id_token"],
        subject_token_type=TT + "id_token",
        actor_token=actor["access_token"],
        actor_token_type=TT + "access_token",
    )
    assert response.status_int == 200, response.text
    claims = _claims(gateway, response.json["access_token"])
    assert claims["act"] == {"sub": "gateway"}
    assert claims["sub"] == _claims(gateway, tokens["id_token"])["sub"]
    # A token from a delegation, exchanged again: the earlier actor is nested.
    again = _exchange(
        gateway,
        subject_token=tokens["access_token"],
        subject_token_type=TT + "jwt",
        actor_token=response.json["access_token"],
        actor_token_type=TT + "jwt",
    )
    assert _claims(gateway, again.json["access_token"])["act"] == {"sub": claims["sub"], "act": {"sub": "gateway"}}


def test_refresh_tokens_of_the_client_itself_only(gateway, flow, ostiary_app):
    tokens = _alice_tokens(flow)
    # demo-rp's refresh token is not gateway's to exchange.
    response = _exchange(gateway, subject_token=tokens["refresh_token"], subject_token_type=TT + "refresh_token")
    assert response.status_int == 400 and response.json["error"] == "invalid_request"


def test_deny_by_default_and_any_refusal_wins(gateway, flow):
    token = _alice_tokens(flow)["access_token"]
    form = {"subject_token": token, "subject_token_type": TT + "access_token"}
    assert _exchange(gateway, "nobody-allows", **form).json["error"] == "unauthorized_client"
    assert _exchange(gateway, "refused", **form).json["error"] == "unauthorized_client"
    assert _exchange(gateway, "nobody-allows", audience=API, **form).json["error"] == "invalid_target"
    assert _exchange(gateway, audience="https://unknown.example", **form).json["error"] == "invalid_target"
    refused = client_post(gateway, "/connect/token", dict({"grant_type": GRANT}, **form), auth=("no-grant", "s"))
    assert refused.json["error"] == "unauthorized_client"


def test_invalid_tokens_and_types_are_invalid_request(gateway, flow):
    token = _alice_tokens(flow)["access_token"]
    cases = [
        {"subject_token": "not-a-token", "subject_token_type": TT + "access_token"},
        {"subject_token": token},
        {"subject_token": token, "subject_token_type": "urn:example:saml"},
        {"subject_token": token, "subject_token_type": TT + "id_token"},
        {"subject_token": token, "subject_token_type": TT + "access_token", "actor_token": token},
        {
            "subject_token": token,
            "subject_token_type": TT + "access_token",
            "requested_token_type": TT + "refresh_token",
        },
    ]
    for form in cases:
        response = _exchange(gateway, **form)
        assert response.status_int == 400 and response.json["error"] == "invalid_request", form
    wider = _exchange(gateway, subject_token=token, subject_token_type=TT + "access_token", scope="openid email")
    assert wider.json["error"] == "invalid_scope"


def test_a_revoked_subject_token_is_refused(gateway, flow):
    tokens = _alice_tokens(flow)
    client_post(gateway, "/connect/revocation", {"token": tokens["refresh_token"]})
    response = _exchange(gateway, subject_token=tokens["access_token"], subject_token_type=TT + "access_token")
    assert response.json["error"] == "invalid_request"


def test_discovery_lists_token_exchange(app):
    assert GRANT in app.get("/.well-known/openid-configuration").json["grant_types_supported"]


def test_a_pairwise_subject_token_is_about_the_local_person(gateway, flow, ostiary_app):
    from ostiary.testing import transaction_root

    load_data(ostiary_app, {"clients": [{"client_id": "demo-rp", "subject_type": "pairwise"}]})
    with transaction_root(ostiary_app) as root:
        local = root.users.by_login("alice").subject
    token = _alice_tokens(flow)["access_token"]
    assert _claims(gateway, token)["sub"] != local  # demo-rp sees its own sub for alice
    response = _exchange(gateway, subject_token=token, subject_token_type=TT + "access_token")
    assert response.status_int == 200, response.text
    assert _claims(gateway, response.json["access_token"])["sub"] == local  # gateway is a public-subject client
    assert POLICY.asked[-1].subject == local
