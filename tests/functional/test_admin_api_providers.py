"""The admin API changes the external providers of the database: created,
changed with If-Match, removed; secrets never shown; bad input refused."""

from __future__ import annotations

UPSTREAM = {
    "issuer": "https://upstream.example",
    "client_id": "ostiary",
    "client_secret": "upstream-secret",
    "display_name": "Upstream",
}


def test_providers_round_trip_without_secrets(admin):
    made = admin.call("POST", "/providers", {"name": "upstream", **UPSTREAM}, status=201)
    assert made.json["kind"] == "oidc" and made.json["source"] == "database"
    assert made.json["has_client_secret"] is True
    assert "upstream-secret" not in made.text
    listed = admin.call("GET", "/providers", status=200)
    assert [p["name"] for p in listed.json["items"]] == ["upstream"] and "upstream-secret" not in listed.text
    etag = admin.call("GET", "/providers/upstream", status=200).headers["ETag"]
    admin.call("PATCH", "/providers/upstream", {"display_name": "Up"}, status=428)
    changed = admin.call("PATCH", "/providers/upstream", {"display_name": "Up"}, headers={"If-Match": etag}, status=200)
    assert changed.json["display_name"] == "Up"
    admin.call("PATCH", "/providers/upstream", {"display_name": "X"}, headers={"If-Match": etag}, status=412)
    admin.call("POST", "/providers", {"name": "upstream", **UPSTREAM}, status=409)
    admin.call("DELETE", "/providers/upstream", status=200)
    admin.call("GET", "/providers/upstream", status=404)
    admin.call("DELETE", "/providers/upstream", status=404)


def test_bad_provider_input_is_refused_in_one_line(admin):
    assert admin.call("POST", "/providers", {"name": "Bad Name", **UPSTREAM}, status=422).json["field"] == "name"
    assert admin.call("POST", "/providers", {"name": "x", "colour": "red"}, status=422).json["field"] == "colour"
    missing = admin.call(
        "POST", "/providers", {"name": "x", "issuer": "https://u.example", "client_id": "c"}, status=422
    ).json
    assert missing["field"] == "client_secret"
    assert (
        admin.call("POST", "/providers", {"name": "x", **UPSTREAM, "scopes": 3}, status=422).json["field"] == "scopes"
    )
    admin.call("POST", "/providers", {"name": "x", **UPSTREAM, "claims": []}, status=422)
    admin.call("GET", "/providers/x", status=404)
