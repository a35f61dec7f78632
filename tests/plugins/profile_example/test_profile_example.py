"""The example profile-service plugin of docs/plugins/profile-service.md."""

import json
import os

import pytest

from ostiary import main
from ostiary.settings import SettingsError
from ostiary.testing import transaction_root


def userinfo(app, tokens):
    return app.get("/connect/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}).json


def id_token_claims(tokens):
    import base64

    payload = tokens["id_token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_the_department_scope_brings_claims_from_the_file(staff_app, staff_flow):
    tokens = staff_flow.exchange(staff_flow.code(scope="openid department")["code"]).json
    assert userinfo(staff_app, tokens) == {
        "sub": userinfo(staff_app, tokens)["sub"],
        "department": "Research",
        "title": "Explorer",
    }
    # OpenID Connect Core 5.4: with an access token, scope claims go to userinfo
    assert "department" not in id_token_claims(tokens)


def test_a_client_may_ask_for_the_claims_in_the_id_token(staff_app, staff_flow, ostiary_app):
    with transaction_root(ostiary_app) as root:
        root.clients.get("demo-rp").always_include_user_claims_in_id_token = True
    tokens = staff_flow.exchange(staff_flow.code(scope="openid department")["code"]).json
    assert id_token_claims(tokens)["department"] == "Research"


def test_claims_that_were_not_asked_for_are_left_out(staff_app, staff_flow):
    tokens = staff_flow.exchange(staff_flow.code(scope="openid email")["code"]).json
    info = userinfo(staff_app, tokens)
    assert "department" not in info and "title" not in info
    assert info["email"] == "alice@example.org"


def test_a_later_plugin_wins_over_the_default_profile_service(staff_app, staff_flow):
    tokens = staff_flow.exchange(staff_flow.code(scope="openid profile")["code"]).json
    info = userinfo(staff_app, tokens)
    assert info["name"] == "Alice Liddell (HR)"  # from the file, over the stored claim
    assert info["given_name"] == "Alice"  # the default profile service still answers the rest


def test_the_consent_page_shows_the_new_scope(staff_app, staff_flow):
    consent = staff_flow.login(staff_flow.authorize(scope="openid department")).maybe_follow()
    assert "Your department" in consent.text
    assert "Your department and job title, from the staff directory" in consent.text


def test_an_inactive_entry_vetoes_sign_in(staff_app, staff_flow):
    response = staff_flow.login(staff_flow.authorize(), username="bob", password="bob-password")
    assert response.status_int == 200
    assert "Invalid username or password." in response.text


def test_an_entry_that_becomes_inactive_stops_refresh(staff_app, staff_flow, staff_file):
    tokens = staff_flow.exchange(staff_flow.code(scope="openid offline_access")["code"]).json
    data = json.loads(staff_file.read_text())
    data["alice"]["active"] = False
    staff_file.write_text(json.dumps(data))
    os.utime(staff_file, ns=(1, 1))  # a clearly different modification time
    staff_app.authorization = ("Basic", ("demo-rp", "demo-secret"))
    refused = staff_app.post(
        "/connect/token", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, expect_errors=True
    )
    assert refused.status_int == 400


def test_a_changed_file_is_read_again(staff_app, staff_flow, staff_file):
    staff_file.write_text(json.dumps({"alice": {"department": "Looking Glass"}}))
    os.utime(staff_file, ns=(2, 2))
    tokens = staff_flow.exchange(staff_flow.code(scope="openid department")["code"]).json
    assert userinfo(staff_app, tokens)["department"] == "Looking Glass"


def test_a_broken_change_keeps_the_last_good_version(staff_app, staff_flow, staff_file):
    staff_file.write_text("{not json")
    os.utime(staff_file, ns=(3, 3))
    tokens = staff_flow.exchange(staff_flow.code(scope="openid department")["code"]).json
    assert userinfo(staff_app, tokens)["department"] == "Research"


def test_entries_may_be_keyed_by_subject(staff_app, staff_flow, staff_file):
    tokens = staff_flow.exchange(staff_flow.code(scope="openid department")["code"]).json
    subject = userinfo(staff_app, tokens)["sub"]
    staff_file.write_text(json.dumps({subject: {"department": "By subject"}, "alice": {"department": "By name"}}))
    os.utime(staff_file, ns=(4, 4))
    assert userinfo(staff_app, tokens)["department"] == "By subject"


def test_access_tokens_carry_none_of_it(staff_app, staff_flow):
    tokens = staff_flow.exchange(staff_flow.code(scope="openid department api")["code"]).json
    payload = tokens["access_token"].split(".")[1]
    import base64

    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert "department" not in claims


@pytest.mark.parametrize("path, message", [("", "required setting is missing"), ("/nonexistent.json", "No such file")])
def test_a_missing_or_unreadable_file_stops_start_up(ostiary_settings, path, message):
    with pytest.raises(SettingsError, match=message):
        main({}, **dict(ostiary_settings, **{"profile_example.path": path}))
