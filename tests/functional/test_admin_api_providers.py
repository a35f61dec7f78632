"""The admin API changes the external providers of the database: created,
changed with If-Match, removed; secrets never shown; bad input refused;
the ini file's providers and read-only tokens refused."""

from __future__ import annotations

import json

import pytest

from ostiary.testing import base_settings


@pytest.fixture
def ostiary_settings(tmp_path):
    # One provider of the ini file, which the API may show but not change.
    return dict(
        base_settings(tmp_path),
        **{
            "ostiary.providers": "corp",
            "ostiary.provider.corp.issuer": "https://id.example.org",
            "ostiary.provider.corp.client_id": "ostiary",
            "ostiary.provider.corp.client_secret": "corp-secret",
        },
    )


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
    assert [(p["name"], p["source"]) for p in listed.json["items"]] == [("corp", "ini"), ("upstream", "database")]
    assert "upstream-secret" not in listed.text and "corp-secret" not in listed.text
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
    # a bad value names its setting too, not only a missing one
    bad = admin.call("POST", "/providers", {"name": "x", **UPSTREAM, "issuer": "ftp://u.example"}, status=422).json
    assert (bad["field"], bad["detail"]) == ("issuer", "expected an absolute http(s) URL without a fragment")
    shown = admin.call("POST", "/providers", {"name": "y", **UPSTREAM, "forward_prompt": False}, status=201).json
    assert (shown["forward_prompt"], shown["backchannel_logout"], shown["trust_amr"]) == (False, True, False)
    admin.call("GET", "/providers/x", status=404)


def test_a_version_changes_with_the_secret_but_never_derives_from_it(admin):
    made = admin.call("POST", "/providers", {"name": "upstream", **UPSTREAM}, status=201).json
    etag = admin.call("GET", "/providers/upstream", status=200).headers["ETag"]
    assert made["version"] in etag
    assert admin.call("GET", "/providers/upstream", status=200).headers["ETag"] == etag
    # Nothing computed from the settings (the secret among them) is the
    # version, which a reader could test guesses of the secret against: the
    # same settings stored again get another. (A stale If-Match from before
    # a removal cannot overwrite the provider added back either.)
    admin.call("DELETE", "/providers/upstream", status=200)
    again = admin.call("POST", "/providers", {"name": "upstream", **UPSTREAM}, status=201).json
    assert {**again, "version": None} == {**made, "version": None} and again["version"] != made["version"]
    admin.call("PATCH", "/providers/upstream", {"display_name": "X"}, headers={"If-Match": etag}, status=412)
    etag = admin.call("GET", "/providers/upstream", status=200).headers["ETag"]
    rotated = admin.call(
        "PATCH", "/providers/upstream", {"client_secret": "new-secret"}, headers={"If-Match": etag}, status=200
    ).json
    assert rotated["version"] != again["version"] and "new-secret" not in json.dumps(rotated)
    admin.call("PATCH", "/providers/upstream", {"display_name": "X"}, headers={"If-Match": etag}, status=412)


def test_the_ini_files_providers_cannot_be_changed_here(admin):
    corp = admin.call("GET", "/providers/corp", status=200)
    assert corp.json["source"] == "ini" and "corp-secret" not in corp.text
    assert admin.call("POST", "/providers", {"name": "corp", **UPSTREAM}, status=409).json["field"] == "name"
    admin.call(
        "PATCH", "/providers/corp", {"display_name": "X"}, headers={"If-Match": corp.headers["ETag"]}, status=409
    )
    admin.call("DELETE", "/providers/corp", status=409)
    assert admin.call("GET", "/providers/corp", status=200).json["display_name"] == corp.json["display_name"]


def test_a_read_only_token_reads_providers_but_changes_none(admin, reader):
    admin.call("POST", "/providers", {"name": "upstream", **UPSTREAM}, status=201)
    etag = reader.call("GET", "/providers/upstream", status=200).headers["ETag"]
    for method, path, body, headers in (
        ("POST", "/providers", {"name": "other", **UPSTREAM}, {}),
        ("PATCH", "/providers/upstream", {"display_name": "X"}, {"If-Match": etag}),
        ("DELETE", "/providers/upstream", None, {}),
    ):
        refused = reader.call(method, path, body, headers=headers, status=403)
        assert "insufficient_scope" in refused.headers["WWW-Authenticate"]
    assert [p["name"] for p in admin.call("GET", "/providers", status=200).json["items"]] == ["corp", "upstream"]
