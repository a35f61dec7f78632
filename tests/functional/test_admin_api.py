"""The admin REST API (issue 14): every operation and every refusal."""

from __future__ import annotations

import pytest
from admin_kit import API, Admin, token_of

from ostiary.testing import transaction_root

NEW_CLIENT = {"client_id": "shop", "name": "Shop", "redirect_uris": ["https://shop.example/cb"], "scopes": ["openid"]}


def test_the_openapi_document_is_served_as_3_1(app):
    doc = app.get(API + "/openapi.json").json
    assert doc["openapi"] == "3.1.0"
    assert "/clients/{client_id}" in doc["paths"]
    assert doc["paths"]["/clients/{client_id}"]["patch"]["parameters"][-1]["name"] == "If-Match"


def test_clients_round_trip(admin):
    made = admin.call("POST", "/clients", NEW_CLIENT, status=201)
    secret = made.json["client_secret"]
    assert secret and made.json["client"]["secrets"] == 1 and "ETag" in made.headers
    listed = admin.call("GET", "/clients?search=SHO", status=200).json
    assert [c["client_id"] for c in listed["items"]] == ["shop"] and listed["total"] == 1
    read = admin.call("GET", "/clients/shop", status=200)
    changed = admin.call(
        "PATCH",
        "/clients/shop",
        {"name": "The Shop", "require_consent": False},
        headers={"If-Match": read.headers["ETag"]},
        status=200,
    )
    assert changed.json["name"] == "The Shop" and changed.headers["ETag"] != read.headers["ETag"]
    rotated = admin.call("POST", "/clients/shop/secret", {}, status=200).json
    assert rotated["client_secret"] != secret
    admin.call("DELETE", "/clients/shop", status=200)
    admin.call("GET", "/clients/shop", status=404)


def test_a_rotated_secret_replaces_the_old_one_at_the_token_endpoint(app, admin):
    admin.call(
        "POST", "/clients", {"client_id": "bot", "grant_types": ["client_credentials"], "redirect_uris": []}, status=201
    )
    new = admin.call("POST", "/clients/bot/secret", {}, status=200).json["client_secret"]
    from ostiary.testing import client_post

    assert client_post(app, "/connect/token", {"grant_type": "client_credentials"}, ("bot", new)).status_int == 200
    with transaction_root(app.app) as root:
        assert len(root.clients.get("bot").secret_digests) == 1


def test_a_stale_etag_is_refused_with_412_and_a_missing_one_with_428(admin):
    admin.call("POST", "/clients", NEW_CLIENT, status=201)
    etag = admin.call("GET", "/clients/shop").headers["ETag"]
    admin.call("PATCH", "/clients/shop", {"name": "First"}, headers={"If-Match": etag}, status=200)
    stale = admin.call("PATCH", "/clients/shop", {"name": "Second"}, headers={"If-Match": etag}, status=412)
    assert stale.content_type == "application/problem+json" and stale.json["status"] == 412
    admin.call("PATCH", "/clients/shop", {"name": "Third"}, status=428)
    assert admin.call("GET", "/clients/shop").json["name"] == "First"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"client_id": "x", "redirect_uris": ["http://evil.example/cb"]}, "redirect_uris"),
        ({"client_id": "x", "redirect_uris": "https://a.example/cb"}, "redirect_uris"),
        ({"client_id": "x", "colour": "blue"}, "colour"),
        (
            {"client_id": "x", "access_token_lifetime": 0, "redirect_uris": ["https://a.example/cb"]},
            "access_token_lifetime",
        ),
        ({"client_id": "", "redirect_uris": ["https://a.example/cb"]}, "client_id"),
        ({"redirect_uris": ["https://a.example/cb"]}, "client_id"),
    ],
)
def test_bad_client_input_is_a_422_problem_naming_the_field(admin, body, field):
    response = admin.call("POST", "/clients", body, status=422)
    assert response.content_type == "application/problem+json"
    assert response.json["field"] == field and response.json["detail"]


def test_an_invalid_update_changes_nothing(admin):
    admin.call("POST", "/clients", NEW_CLIENT, status=201)
    etag = admin.call("GET", "/clients/shop").headers["ETag"]
    refused = admin.call(
        "PATCH", "/clients/shop", {"name": "New", "redirect_uris": ["ftp://x"]}, headers={"If-Match": etag}
    )
    assert refused.status_int == 422
    assert admin.call("GET", "/clients/shop").json["name"] == "Shop"


def test_a_taken_client_id_is_a_409(admin):
    admin.call("POST", "/clients", NEW_CLIENT, status=201)
    admin.call("POST", "/clients", NEW_CLIENT, status=409)


def test_bodies_that_are_not_json_objects_are_refused(admin):
    response = admin.testapp.post(
        API + "/clients",
        "{not json",
        headers={"Authorization": f"Bearer {admin.token}", "Content-Type": "application/json"},
        expect_errors=True,
    )
    assert response.status_int == 400 and response.content_type == "application/problem+json"
    response = admin.testapp.post(
        API + "/clients", "a=b", headers={"Authorization": f"Bearer {admin.token}"}, expect_errors=True
    )
    assert response.status_int == 415
    admin.call("POST", "/clients", [1, 2], status=422)


def test_unknown_ids_are_404_problems(admin):
    for path in (
        "/clients/nope",
        "/users/nope",
        "/sessions/nope",
        "/resources/nope",
        "/providers/nope",
        "/errors/nope",
    ):
        response = admin.call("GET", path, status=404)
        assert response.content_type == "application/problem+json"
    admin.call("DELETE", "/clients/nope", status=404)
    admin.call("GET", "/no-such-thing", status=404)
    allowed = admin.call("PUT", "/clients", {}, status=405)
    assert allowed.headers["Allow"] == "GET, POST"


# -- access -------------------------------------------------------------------


def test_no_token_is_401_with_a_bare_bearer_challenge(app, admin_clients):
    response = Admin(app, None).call("GET", "/clients", status=401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="ostiary-admin"'
    assert response.content_type == "application/problem+json"


def test_a_forged_token_is_401_invalid_token(app, admin_clients):
    response = Admin(app, "a.b.c").call("GET", "/clients", status=401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_token_without_the_admin_scope_is_refused(app, admin_clients):
    # The demo API's token is not meant for the admin API at all (aud).
    other = Admin(app, token_of(app, "outsider", "api"))
    response = other.call("GET", "/clients", status=401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_the_read_scope_reads_but_cannot_write(reader):
    reader.call("GET", "/clients", status=200)
    reader.call("GET", "/keys", status=200)
    response = reader.call("POST", "/clients", NEW_CLIENT, status=403)
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert 'scope="ostiary:admin"' in response.headers["WWW-Authenticate"]
    reader.call("POST", "/keys/rotate", {}, status=403)


def test_a_revoked_token_is_refused(app, admin):
    from ostiary.testing import client_post

    admin.call("GET", "/clients", status=200)
    revoked = client_post(app, "/connect/revocation", {"token": admin.token}, ("automation", "automation-secret"))
    assert revoked.status_int == 200
    admin.call("GET", "/clients", status=401)


def test_a_removed_client_s_token_is_refused(app, admin):
    reader_token = token_of(app, "reader", "ostiary:admin.read")
    admin.call("DELETE", "/clients/reader", status=200)
    Admin(app, reader_token).call("GET", "/clients", status=401)


def test_every_change_is_an_audit_event_naming_the_actor(admin, caplog):
    caplog.set_level("INFO", logger="ostiary.audit")
    admin.call("POST", "/clients", NEW_CLIENT, status=201)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("admin.changed")]
    assert (
        lines and "actor=client:automation" in lines[0] and "action=created" in lines[0] and "client=shop" in lines[0]
    )


def test_the_audit_trail_is_queried_with_filters(admin, reader):
    admin.call("POST", "/clients", NEW_CLIENT, status=201)
    found = reader.call("GET", "/audit?type=admin.changed&client_id=shop", status=200).json["items"]
    assert [(r["type"], r["client_id"], r["details"]["actor"], r["details"]["action"]) for r in found] == [
        ("admin.changed", "shop", "client:automation", "created")
    ]
    assert reader.call("GET", "/audit?type=login.failed").json["items"] == []
    reader.call("GET", "/audit?limit=0", status=422)
    reader.call("GET", "/audit?since=yesterday", status=422)


def test_a_request_refused_before_any_view_is_still_a_problem(admin):
    too_long = admin.call("GET", "/clients?search=" + "x" * 9000, status=414)
    assert too_long.content_type == "application/problem+json" and too_long.json["status"] == 414
    bad_path = admin.testapp.get(
        API + "/clients/%ff", headers={"Authorization": f"Bearer {admin.token}"}, expect_errors=True
    )
    assert bad_path.status_int == 400 and bad_path.content_type == "application/problem+json"


def test_a_cross_site_front_channel_uri_is_warned_of_where_it_is_configured(admin):
    """Browsers that block third-party cookies defeat front-channel logout
    on another site than the issuer: the API says so when it is set."""
    made = admin.call(
        "POST",
        "/clients",
        {
            "client_id": "shop",
            "name": "Shop",
            "redirect_uris": ["https://shop.example.net/cb"],
            "frontchannel_logout_uri": "https://shop.example.net/logout",
        },
        status=201,
    ).json["client"]
    assert len(made["warnings"]) == 1 and "another site" in made["warnings"][0]
    read = admin.call("GET", "/clients/shop", status=200)
    fixed = admin.call(
        "PATCH",
        "/clients/shop",
        {"frontchannel_logout_uri": None},
        headers={"If-Match": read.headers["ETag"]},
        status=200,
    ).json
    assert fixed["warnings"] == []
