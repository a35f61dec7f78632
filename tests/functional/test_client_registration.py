"""Dynamic client registration (RFC 7591) and its management (RFC 7592):
policy, every error code the two RFCs define, initial access tokens, and a
registered client that signs people in."""

from __future__ import annotations

import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from ostiary.testing import TEST_ISSUER, CodeFlow, transaction_root

REDIRECT = "https://rp.example/cb"


@pytest.fixture
def registration():
    """The ``ostiary.client_registration`` mode of the app under test."""
    return "open"


@pytest.fixture
def ostiary_settings(ostiary_settings, registration):
    return {**ostiary_settings, "ostiary.client_registration": registration}


def register(app, metadata, token=None, status="*"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.post(
        "/connect/register", json.dumps(metadata), headers=headers, content_type="application/json", status=status
    )


def manage(app, method, uri, token, body=None, status="*"):
    path = uri.removeprefix(TEST_ISSUER)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is None:
        return getattr(app, method)(path, headers=headers, status=status)
    return getattr(app, method)(path, json.dumps(body), headers=headers, content_type="application/json", status=status)


def assert_error(response, status, error):
    assert response.status_int == status, response.text
    assert response.json["error"] == error
    assert response.json["error_description"]
    assert response.headers["Cache-Control"] == "no-store"


# -- registration ----------------------------------------------------------


def test_an_open_server_registers_a_client_and_answers_per_rfc_7591(ostiary_testapp):
    response = register(
        ostiary_testapp,
        {
            "redirect_uris": [REDIRECT],
            "client_name": "Example RP",
            "scope": "openid profile",
            "client_uri": "https://rp.example/",
            "contacts": ["ops@rp.example"],
            "some_extension_we_do_not_know": 1,
        },
    )
    assert response.status_int == 201
    body = response.json
    assert response.headers["Cache-Control"] == "no-store"
    assert body["client_id"] and body["client_secret"] and body["client_secret_expires_at"] == 0
    assert body["client_id_issued_at"] <= time.time()
    assert body["redirect_uris"] == [REDIRECT]
    assert body["grant_types"] == ["authorization_code"] and body["response_types"] == ["code"]
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    assert body["scope"] == "openid profile"
    assert body["client_uri"] == "https://rp.example/" and body["contacts"] == ["ops@rp.example"]
    assert "some_extension_we_do_not_know" not in body
    assert body["registration_client_uri"] == f"{TEST_ISSUER}/connect/register/{body['client_id']}"
    assert body["registration_access_token"]
    with transaction_root(ostiary_testapp.app) as root:
        client = root.clients.get(body["client_id"])
        assert client.require_consent and not client.first_party and client.require_pkce
        assert body["client_secret"] not in repr(vars(client))  # only digests are kept
        assert body["registration_access_token"] not in repr(vars(client))


def test_a_registered_client_signs_a_person_in(ostiary_testapp, ostiary_demo):
    body = register(ostiary_testapp, {"redirect_uris": [REDIRECT], "scope": "openid profile email"}).json
    flow = CodeFlow(ostiary_testapp, client_id=body["client_id"], redirect_uri=REDIRECT)
    params = flow.code()
    tokens = flow.exchange(params["code"], secret=body["client_secret"])
    assert tokens.status_int == 200, tokens.text
    assert tokens.json["id_token"]


def test_a_public_native_client_gets_no_secret(ostiary_testapp):
    body = register(
        ostiary_testapp,
        {
            "redirect_uris": ["com.example.app:/cb", "http://127.0.0.1/cb"],
            "application_type": "native",
            "token_endpoint_auth_method": "none",
        },
    ).json
    assert "client_secret" not in body and body["token_endpoint_auth_method"] == "none"


def test_private_key_jwt_client_registers_its_public_keys(ostiary_testapp):
    key = RSAKey.generate_key(2048)
    public = key.as_dict(private=False)
    body = register(
        ostiary_testapp,
        {
            "redirect_uris": [REDIRECT],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": {"keys": [public]},
        },
    ).json
    assert "client_secret" not in body and body["jwks"]["keys"][0]["n"] == public["n"]
    private = register(
        ostiary_testapp,
        {
            "redirect_uris": [REDIRECT],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": {"keys": [key.as_dict(private=True)]},
        },
    )
    assert_error(private, 400, "invalid_client_metadata")


@pytest.mark.parametrize(
    "uris",
    [
        ["http://rp.example/cb"],  # plain http to a host on the network
        ["https://rp.example/cb#fragment"],
        ["https://*.rp.example/cb"],
        ["javascript:alert(1)"],
        ["com.example.app:/cb"],  # a private-use scheme for a web client
        "https://rp.example/cb",  # not an array
        [],  # the code flow needs one
    ],
)
def test_bad_redirect_uris_are_invalid_redirect_uri(ostiary_testapp, uris):
    assert_error(register(ostiary_testapp, {"redirect_uris": uris}), 400, "invalid_redirect_uri")


def test_a_bad_post_logout_redirect_uri_is_invalid_redirect_uri(ostiary_testapp):
    response = register(
        ostiary_testapp, {"redirect_uris": [REDIRECT], "post_logout_redirect_uris": ["http://rp.example/bye"]}
    )
    assert_error(response, 400, "invalid_redirect_uri")


@pytest.mark.parametrize(
    "metadata",
    [
        {"grant_types": ["password"]},
        {"grant_types": ["client_credentials"]},  # not allowed by the default policy
        {"response_types": ["token"]},
        {"response_types": []},  # the code grant without the code response type
        {"token_endpoint_auth_method": "tls_client_auth"},
        {"token_endpoint_auth_method": "private_key_jwt"},  # without keys
        {"scope": "openid admin"},
        {"jwks_uri": "https://rp.example/jwks"},
        {"client_name": 42},
        {"contacts": "ops@rp.example"},
        {"logo_uri": "not a url"},
        {"backchannel_logout_session_required": "yes"},
        {"backchannel_logout_uri": "http://rp.example/logout"},
        {"jwks": {"keys": []}},
    ],
)
def test_bad_metadata_is_invalid_client_metadata(ostiary_testapp, metadata):
    response = register(ostiary_testapp, {"redirect_uris": [REDIRECT], **metadata})
    assert_error(response, 400, "invalid_client_metadata")


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"text"'])
def test_a_body_that_is_no_json_object_is_invalid_request(ostiary_testapp, body):
    response = ostiary_testapp.post("/connect/register", body, content_type="application/json", status=400)
    assert_error(response, 400, "invalid_request")


def test_a_form_body_is_invalid_request(ostiary_testapp):
    response = ostiary_testapp.post("/connect/register", {"redirect_uris": REDIRECT}, status=400)
    assert_error(response, 400, "invalid_request")


def test_other_methods_at_the_registration_endpoint_are_405(ostiary_testapp):
    assert ostiary_testapp.get("/connect/register", status=405).headers["Allow"] == "POST"


@pytest.mark.parametrize(
    ("ostiary_settings_extra", "metadata", "error"),
    [
        (
            {"ostiary.client_registration.redirect_uri_forms": "https"},
            {"redirect_uris": ["http://127.0.0.1/cb"]},
            "invalid_redirect_uri",
        ),
        (
            {"ostiary.client_registration.auth_methods": "client_secret_basic"},
            {"token_endpoint_auth_method": "none"},
            "invalid_client_metadata",
        ),
        ({"ostiary.client_registration.scopes": "openid"}, {"scope": "openid profile"}, "invalid_client_metadata"),
        (
            {"ostiary.client_registration.grant_types": "authorization_code"},
            {"grant_types": ["authorization_code", "refresh_token"]},
            "invalid_client_metadata",
        ),
    ],
)
def test_the_policy_settings_limit_what_a_client_may_register(
    ostiary_settings, ostiary_settings_extra, metadata, error
):
    import webtest

    from ostiary import main
    from ostiary.testing import close_app

    app = main({}, **{**ostiary_settings, **ostiary_settings_extra})
    try:
        testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
        assert_error(register(testapp, {"redirect_uris": [REDIRECT], **metadata}), 400, error)
    finally:
        close_app(app)


def test_a_client_without_scope_gets_the_policy_scopes(ostiary_testapp):
    body = register(ostiary_testapp, {"redirect_uris": [REDIRECT]}).json
    assert body["scope"] == "openid profile email offline_access"


# -- discovery and RFC 8414 ------------------------------------------------------


def test_discovery_advertises_the_registration_endpoint_when_enabled(ostiary_testapp):
    doc = ostiary_testapp.get("/.well-known/openid-configuration").json
    assert doc["registration_endpoint"] == TEST_ISSUER + "/connect/register"
    metadata = ostiary_testapp.get("/.well-known/oauth-authorization-server").json
    assert metadata["registration_endpoint"] == TEST_ISSUER + "/connect/register"


@pytest.mark.parametrize("registration", ["off"])
def test_registration_is_off_by_default_and_not_advertised(ostiary_testapp, registration):
    from ostiary.settings import parse_settings

    assert parse_settings({"ostiary.issuer": TEST_ISSUER}).client_registration == "off"
    assert "registration_endpoint" not in ostiary_testapp.get("/.well-known/openid-configuration").json
    assert "registration_endpoint" not in ostiary_testapp.get("/.well-known/oauth-authorization-server").json
    response = register(ostiary_testapp, {"redirect_uris": [REDIRECT]})
    assert response.status_int == 404 and response.json["error"] == "invalid_request"


# -- initial access tokens ---------------------------------------------------------


def _initial_token(app, uses=1, lifetime=3600) -> str:
    from ostiary.models.registration import InitialAccessTokenStore

    with transaction_root(app.app) as root:
        store = root.clients.initial_access_token_store()
        assert isinstance(store, InitialAccessTokenStore)
        return store.create(uses, lifetime, "test")[1]


@pytest.mark.parametrize("registration", ["token"])
def test_token_mode_needs_an_initial_access_token(ostiary_testapp, registration):
    response = register(ostiary_testapp, {"redirect_uris": [REDIRECT]})
    assert response.status_int == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "error=" not in response.headers["WWW-Authenticate"]  # RFC 6750 section 3.1: no error without a token
    bad = register(ostiary_testapp, {"redirect_uris": [REDIRECT]}, token="made-up")
    assert bad.status_int == 401 and bad.json["error"] == "invalid_token"
    assert 'error="invalid_token"' in bad.headers["WWW-Authenticate"]


@pytest.mark.parametrize("registration", ["token"])
def test_a_single_use_token_registers_once(ostiary_testapp, registration):
    token = _initial_token(ostiary_testapp, uses=1)
    assert register(ostiary_testapp, {"redirect_uris": [REDIRECT]}, token=token).status_int == 201
    again = register(ostiary_testapp, {"redirect_uris": [REDIRECT]}, token=token)
    assert again.status_int == 401 and again.json["error"] == "invalid_token"
    assert "used up" in again.json["error_description"]


@pytest.mark.parametrize("registration", ["token"])
def test_a_multi_use_token_registers_as_often_as_it_allows(ostiary_testapp, registration):
    token = _initial_token(ostiary_testapp, uses=3)
    for _ in range(3):
        assert register(ostiary_testapp, {"redirect_uris": [REDIRECT]}, token=token).status_int == 201
    assert register(ostiary_testapp, {"redirect_uris": [REDIRECT]}, token=token).status_int == 401


@pytest.mark.parametrize("registration", ["token"])
def test_an_expired_token_is_refused(ostiary_testapp, registration):
    token = _initial_token(ostiary_testapp, uses=None, lifetime=1)
    with transaction_root(ostiary_testapp.app) as root:
        for item in root.clients.initial_access_tokens:
            item.expires_at = int(time.time()) - 1
    response = register(ostiary_testapp, {"redirect_uris": [REDIRECT]}, token=token)
    assert response.status_int == 401 and "expired" in response.json["error_description"]


@pytest.mark.parametrize("registration", ["token"])
def test_a_refused_registration_does_not_use_up_the_token(ostiary_testapp, registration):
    token = _initial_token(ostiary_testapp, uses=1)
    assert register(ostiary_testapp, {"redirect_uris": ["http://rp.example/cb"]}, token=token).status_int == 400
    assert register(ostiary_testapp, {"redirect_uris": [REDIRECT]}, token=token).status_int == 201


# -- software statements ----------------------------------------------------------

STATEMENT_KEY = RSAKey.generate_key(2048, parameters={"kid": "publisher"})


def statement(claims, key=STATEMENT_KEY) -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid}, {"iss": "https://publisher.example", **claims}, key)


@pytest.fixture
def statement_keys(tmp_path):
    path = tmp_path / "publishers.json"
    path.write_text(json.dumps(KeySet([STATEMENT_KEY]).as_dict(private=False)))
    return path


@pytest.fixture
def trusting_app(ostiary_settings, statement_keys):
    import webtest

    from ostiary import main
    from ostiary.testing import close_app

    app = main(
        {},
        **{
            **ostiary_settings,
            "ostiary.client_registration.software_statement_jwks": str(statement_keys),
            "ostiary.client_registration.require_software_statement": "true",
        },
    )
    yield webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
    close_app(app)


def test_a_software_statement_is_refused_when_no_keys_are_configured(ostiary_testapp):
    response = register(
        ostiary_testapp, {"redirect_uris": [REDIRECT], "software_statement": statement({"software_id": "x"})}
    )
    assert_error(response, 400, "unapproved_software_statement")


def test_a_signed_statement_wins_over_the_json(trusting_app):
    body = register(
        trusting_app,
        {
            "redirect_uris": [REDIRECT],
            "client_name": "claimed in JSON",
            "software_statement": statement({"software_id": "example-app", "client_name": "Signed Name"}),
        },
    ).json
    assert body["client_name"] == "Signed Name" and body["software_id"] == "example-app"
    assert body["software_statement"]


@pytest.mark.parametrize("kid", ["publisher", "another-publisher"])
def test_a_statement_signed_by_an_unknown_key_is_unapproved(trusting_app, kid):
    stranger = RSAKey.generate_key(2048, parameters={"kid": kid})
    response = register(trusting_app, {"redirect_uris": [REDIRECT], "software_statement": statement({}, stranger)})
    assert_error(response, 400, "unapproved_software_statement")


@pytest.mark.parametrize(
    "value",
    ["not-a-jwt", 42, "statement-expired", "statement-hs256"],
)
def test_a_malformed_or_expired_statement_is_invalid(trusting_app, value):
    if value == "statement-expired":
        value = statement({"exp": int(time.time()) - 3600})
    elif value == "statement-hs256":
        value = jwt.encode({"alg": "HS256"}, {"software_id": "x"}, OctKey.generate_key(256), algorithms=["HS256"])
    response = register(trusting_app, {"redirect_uris": [REDIRECT], "software_statement": value})
    assert_error(response, 400, "invalid_software_statement")


def test_a_required_statement_that_is_missing_is_invalid(trusting_app):
    assert_error(register(trusting_app, {"redirect_uris": [REDIRECT]}), 400, "invalid_software_statement")


def test_unreadable_statement_keys_stop_start_up(ostiary_settings, tmp_path):
    from ostiary import main
    from ostiary.settings import SettingsError

    (tmp_path / "bad.json").write_text("{}")
    for path in (tmp_path / "missing.json", tmp_path / "bad.json"):
        with pytest.raises(SettingsError, match="software_statement_jwks"):
            main({}, **{**ostiary_settings, "ostiary.client_registration.software_statement_jwks": str(path)})


# -- RFC 7592 management -------------------------------------------------------------


@pytest.fixture
def registered(ostiary_testapp):
    return register(ostiary_testapp, {"redirect_uris": [REDIRECT], "client_name": "Before"}).json


def test_a_client_reads_its_registration_and_gets_a_new_token(ostiary_testapp, registered):
    uri, token = registered["registration_client_uri"], registered["registration_access_token"]
    read = manage(ostiary_testapp, "get", uri, token)
    assert read.status_int == 200 and read.json["client_id"] == registered["client_id"]
    assert read.json["client_name"] == "Before" and "client_secret" not in read.json
    new_token = read.json["registration_access_token"]
    assert new_token != token
    assert manage(ostiary_testapp, "get", uri, token).status_int == 401  # the old one is gone
    assert manage(ostiary_testapp, "get", uri, new_token).status_int == 200


def test_a_client_replaces_its_registration(ostiary_testapp, registered):
    uri, token = registered["registration_client_uri"], registered["registration_access_token"]
    update = {
        "client_id": registered["client_id"],
        "client_secret": registered["client_secret"],
        "redirect_uris": ["https://rp.example/new"],
        "client_name": "After",
    }
    response = manage(ostiary_testapp, "put", uri, token, update)
    assert response.status_int == 200, response.text
    assert response.json["client_name"] == "After" and response.json["redirect_uris"] == ["https://rp.example/new"]
    with transaction_root(ostiary_testapp.app) as root:
        assert root.clients.get(registered["client_id"]).redirect_uris == ("https://rp.example/new",)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"client_id": "someone-else"}, "invalid_client_metadata"),
        ({"client_secret": "wrong"}, "invalid_client_metadata"),
        ({"redirect_uris": ["http://rp.example/cb"]}, "invalid_redirect_uri"),
        ({"token_endpoint_auth_method": "none"}, "invalid_client_metadata"),
        ({"grant_types": ["password"]}, "invalid_client_metadata"),
    ],
)
def test_a_bad_update_is_refused_and_changes_nothing(ostiary_testapp, registered, change, error):
    uri, token = registered["registration_client_uri"], registered["registration_access_token"]
    body = {"client_id": registered["client_id"], "redirect_uris": ["https://rp.example/new"], **change}
    assert_error(manage(ostiary_testapp, "put", uri, token, body), 400, error)
    with transaction_root(ostiary_testapp.app) as root:
        assert root.clients.get(registered["client_id"]).redirect_uris == (REDIRECT,)


def test_a_client_deletes_its_registration(ostiary_testapp, registered):
    uri, token = registered["registration_client_uri"], registered["registration_access_token"]
    assert manage(ostiary_testapp, "delete", uri, token).status_int == 204
    assert manage(ostiary_testapp, "get", uri, token).status_int == 401
    with transaction_root(ostiary_testapp.app) as root:
        assert root.clients.get(registered["client_id"]) is None


def test_management_needs_the_clients_own_token(ostiary_testapp, registered):
    uri = registered["registration_client_uri"]
    other = register(ostiary_testapp, {"redirect_uris": [REDIRECT]}).json
    missing = manage(ostiary_testapp, "get", uri, None)
    assert missing.status_int == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    for method in ("get", "delete"):
        wrong = manage(ostiary_testapp, method, uri, other["registration_access_token"])
        assert wrong.status_int == 401 and wrong.json["error"] == "invalid_token"
    unknown = manage(ostiary_testapp, "get", TEST_ISSUER + "/connect/register/nobody", "x")
    assert unknown.status_int == 401


def test_a_disabled_client_may_not_manage_itself(ostiary_testapp, registered):
    with transaction_root(ostiary_testapp.app) as root:
        root.clients.get(registered["client_id"]).enabled = False
    response = manage(
        ostiary_testapp, "get", registered["registration_client_uri"], registered["registration_access_token"]
    )
    assert_error(response, 403, "access_denied")


def test_clients_an_admin_made_cannot_be_managed_with_any_token(app):
    response = manage(app, "get", TEST_ISSUER + "/connect/register/demo-rp", "demo-secret")
    assert response.status_int == 401


def test_post_to_the_configuration_endpoint_is_405(ostiary_testapp, registered):
    path = registered["registration_client_uri"].removeprefix(TEST_ISSUER)
    assert ostiary_testapp.post(path, status=405).headers["Allow"] == "GET, PUT, DELETE"


def test_registration_changes_are_audited_with_the_client_as_actor(ostiary_testapp, registered):
    client_id = registered["client_id"]
    uri, token = registered["registration_client_uri"], registered["registration_access_token"]
    manage(ostiary_testapp, "delete", uri, token)
    with transaction_root(ostiary_testapp.app) as root:
        records = [r.as_data() for r in root.audit.query(client_id=client_id, limit=None)]
    kinds = {(r["type"], r["details"].get("action")) for r in records}
    assert {("client.registered", None), ("admin.changed", "created"), ("admin.changed", "deleted")} <= kinds
    assert {r["details"]["actor"] for r in records if r["type"] == "admin.changed"} == {f"client:{client_id}"}
