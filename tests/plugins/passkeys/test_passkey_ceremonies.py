"""Passkeys through the real pages, answered by a software authenticator:
registration, a username-less sign-in through an authorization request
with the ID token's amr, and the refusals (a wrong challenge, a replayed
assertion, an unknown credential, another browser, CSRF)."""

from __future__ import annotations

import json

from conftest import options_of
from joserfc import jwt
from joserfc.jwk import KeySet
from soft_authenticator import SoftAuthenticator, b64

from ostiary.testing import form_value


def id_token_claims(app, flow, code):
    tokens = flow.exchange(code).json
    return jwt.decode(tokens["id_token"], KeySet.import_key_set(app.get("/.well-known/jwks.json").json)).claims


def register_and_sign_out(app, passkeys, name="My key"):
    passkeys.sign_in_with_password()
    passkeys.register(name)
    app.reset()  # a new browser: no session, no ceremony cookie


def test_registration_stores_a_named_credential(app, passkeys):
    passkeys.sign_in_with_password()
    done = passkeys.register("Laptop")
    page = app.get(done.location)
    assert "Passkey added." in page.text
    assert "<h2>Laptop</h2>" in page.text
    assert "Not used yet." in page.text


def test_registration_options_ask_for_no_attestation_and_exclude_known_keys(app, passkeys):
    passkeys.sign_in_with_password()
    first = json.loads(options_of(app.get("/account/passkeys")))
    assert first["attestation"] == "none"
    assert first["rp"]["id"] == "localhost"
    assert first["authenticatorSelection"]["residentKey"] == "preferred"
    assert first["excludeCredentials"] == []
    assert first["user"]["name"] == "alice"
    assert first["user"]["id"] != b64(b"alice")  # a random handle, no personal data
    passkeys.register()
    second = json.loads(options_of(app.get("/account/passkeys")))
    assert [d["id"] for d in second["excludeCredentials"]] == [b64(passkeys.authenticator.credentials[0].id)]
    assert second["user"]["id"] == first["user"]["id"]


def test_the_management_page_needs_a_session(app):
    location = app.get("/account/passkeys", status=303).location
    assert "/account/login?" in location and "returnUrl=%2Faccount%2Fpasskeys" in location


def test_a_passkey_alone_signs_in_through_an_authorization_request(app, flow, passkeys):
    register_and_sign_out(app, passkeys)
    login = app.get(flow.authorize().location)
    link = login.html.find("a", string=lambda s: s and "A passkey" in s)
    assert link is not None, "the login page offers no passkey"
    page = app.get(link["href"])
    signed_in = passkeys.post_assertion(page, passkeys.authenticator.get(options_of(page)))
    params = flow.follow_to_client(signed_in)
    claims = id_token_claims(app, flow, params["code"])
    assert claims["amr"] == ["hwk", "user", "mfa"]


def test_without_user_verification_the_amr_says_so(app, flow, passkeys):
    passkeys.authenticator.user_verified = False
    register_and_sign_out(app, passkeys)
    page = app.get(app.get(flow.authorize().location).html.find("a", string=lambda s: s and "A passkey" in s)["href"])
    params = flow.follow_to_client(passkeys.post_assertion(page, passkeys.authenticator.get(options_of(page))))
    assert id_token_claims(app, flow, params["code"])["amr"] == ["hwk", "user"]


def test_last_use_is_recorded(app, passkeys):
    register_and_sign_out(app, passkeys)
    passkeys.sign_in()
    page = app.get("/account/passkeys")
    assert "Not used yet." not in page.text and "Last used on" in page.text


def test_a_replayed_assertion_is_refused(app, passkeys):
    register_and_sign_out(app, passkeys)
    page = passkeys.sign_in_page()
    answer = passkeys.authenticator.get(options_of(page))
    passkeys.post_assertion(page, answer)
    app.reset()
    again = passkeys.sign_in_page()
    refused = passkeys.post_assertion(again, answer, status=400)
    assert "This passkey was not accepted." in refused.text
    assert "ostiary_session" not in app.cookies


def test_a_replayed_assertion_of_a_passkey_without_a_counter_is_refused(app, passkeys):
    """Synced passkeys report a signature counter of 0 every time, so only
    the challenge, taken by its first answer, stops a replay in the same browser."""
    passkeys.authenticator.counts = False
    register_and_sign_out(app, passkeys)
    page = passkeys.sign_in_page()
    answer = passkeys.authenticator.get(options_of(page))
    passkeys.post_assertion(page, answer)
    # the same browser, with a valid token of its new session (from a page that starts no ceremony)
    token = form_value(app.get("/account/logout").text, "csrf_token")
    refused = app.post("/account/passkeys/sign-in", {"csrf_token": token, "credential": answer}, status=400)
    assert "This passkey was not accepted." in refused.text


def test_an_answer_to_a_used_challenge_is_refused(app, passkeys):
    """The challenge is taken by the first answer, even a wrong one."""
    register_and_sign_out(app, passkeys)
    page = passkeys.sign_in_page()
    options = options_of(page)
    passkeys.post_assertion(page, "{}", status=400)
    refused = passkeys.post_assertion(page, passkeys.authenticator.get(options), status=400)
    assert "This passkey was not accepted." in refused.text


def test_a_wrong_challenge_is_refused(app, passkeys):
    register_and_sign_out(app, passkeys)
    page = passkeys.sign_in_page()
    options = json.loads(options_of(page))
    options["challenge"] = b64(b"not the challenge we were given")
    passkeys.post_assertion(page, passkeys.authenticator.get(json.dumps(options)), status=400)


def test_an_assertion_for_another_origin_is_refused(app, passkeys):
    register_and_sign_out(app, passkeys)
    page = passkeys.sign_in_page()
    answer = passkeys.authenticator.get(options_of(page), origin="https://phish.example")
    passkeys.post_assertion(page, answer, status=400)


def test_an_unknown_credential_is_refused(app, passkeys):
    register_and_sign_out(app, passkeys)
    stranger = SoftAuthenticator()
    stranger.create(json.dumps({"rp": {"id": "localhost"}, "user": {"id": b64(b"x" * 32)}, "challenge": "AA"}))
    page = passkeys.sign_in_page()
    passkeys.post_assertion(page, stranger.get(options_of(page)), status=400)


def test_a_challenge_belongs_to_the_browser_it_was_given_to(app, passkeys):
    register_and_sign_out(app, passkeys)
    page = passkeys.sign_in_page()
    answer = passkeys.authenticator.get(options_of(page))
    app.reset()  # another browser posts this browser's answer
    other = passkeys.sign_in_page()
    passkeys.post_assertion(other, answer, status=400)
    passkeys.post_assertion(page, answer, status=400)  # and the original browser's cookie is gone with it


def test_a_cloned_authenticator_is_refused(app, passkeys):
    """A signature counter that goes backwards means a copy of the key."""
    register_and_sign_out(app, passkeys)
    passkeys.sign_in()
    app.reset()
    passkeys.authenticator.credentials[0].sign_count = 0  # the clone has not counted the first use
    page = passkeys.sign_in_page()
    passkeys.post_assertion(page, passkeys.authenticator.get(options_of(page)), status=400)


def test_the_sign_in_form_needs_its_csrf_token(app, passkeys):
    register_and_sign_out(app, passkeys)
    page = passkeys.sign_in_page()
    answer = passkeys.authenticator.get(options_of(page))
    app.post("/account/passkeys/sign-in", {"credential": answer}, status=400)
    assert "ostiary_session" not in app.cookies


def test_the_registration_form_needs_its_csrf_token(app, passkeys):
    passkeys.sign_in_with_password()
    page = app.get("/account/passkeys")
    answer = passkeys.authenticator.create(options_of(page))
    app.post("/account/passkeys/add", {"credential": answer, "name": "x"}, status=400)
    assert "<h2>x</h2>" not in app.get("/account/passkeys").text


def test_garbage_is_a_400_not_a_500(app, passkeys):
    register_and_sign_out(app, passkeys)
    for garbage in ("", "not json", "[]", '{"id": 5}', json.dumps({"id": "AA", "response": {"clientDataJSON": "%%"}})):
        page = passkeys.sign_in_page()
        passkeys.post_assertion(page, garbage, status=400)
    passkeys.sign_in_with_password()
    for garbage in ("", "{}", '{"id": "AA", "response": {}}'):
        page = app.get("/account/passkeys")
        app.post(
            "/account/passkeys/add",
            {"csrf_token": form_value(page.text, "csrf_token"), "credential": garbage},
            status=400,
        )


def test_rename_and_remove(app, passkeys):
    passkeys.sign_in_with_password()
    passkeys.register("Old name")
    page = app.get("/account/passkeys")
    credential_id = form_value(page.text, "credential_id")
    token = form_value(page.text, "csrf_token")
    app.post(
        "/account/passkeys/rename",
        {"csrf_token": token, "credential_id": credential_id, "name": "  New   name "},
        status=303,
    )
    page = app.get("/account/passkeys")
    assert "<h2>New name</h2>" in page.text
    app.post("/account/passkeys/remove", {"csrf_token": token, "credential_id": credential_id}, status=303)
    assert "You have no passkey or security key yet." in app.get("/account/passkeys").text
    app.reset()
    page = passkeys.sign_in_page()
    passkeys.post_assertion(page, passkeys.authenticator.get(options_of(page)), status=400)


def test_nobody_renames_or_removes_someone_elses_credential(app, passkeys, ostiary_app):
    from ostiary.testing import load_data

    passkeys.sign_in_with_password()
    passkeys.register("Alice's key")
    credential_id = form_value(app.get("/account/passkeys").text, "credential_id")
    app.reset()
    load_data(
        ostiary_app, {"users": [{"username": "bob", "password": "bob-password-long", "email": "bob@example.org"}]}
    )
    passkeys.sign_in_with_password("bob", "bob-password-long")
    token = form_value(app.get("/account/passkeys").text, "csrf_token")
    app.post("/account/passkeys/remove", {"csrf_token": token, "credential_id": credential_id}, status=400)
    app.post(
        "/account/passkeys/rename", {"csrf_token": token, "credential_id": credential_id, "name": "mine"}, status=400
    )
