"""Passkeys and security keys in core's sign-in steps: asked after a
password (the person has one enrolled), refused, replayed, and set up in
the middle of a sign-in that requires a further factor; a passkey that
verified the person counts as two factors on its own."""

from __future__ import annotations

import json

import pytest
from conftest import options_of
from soft_authenticator import SoftAuthenticator, b64
from test_passkey_ceremonies import id_token_claims, register_and_sign_out

from ostiary.testing import form_value


def password_then_step(app, flow):
    """Start an authorization request, pass the password: the step page."""
    login = app.get(flow.authorize().location)
    form = {
        "csrf_token": form_value(login.text, "csrf_token"),
        "returnUrl": form_value(login.text, "returnUrl"),
        "username": "alice",
        "password": "alice-password",
        "action": "login",
    }
    done = app.post("/account/login", form, status=303)
    assert "/account/login/step" in done.location, "no further step after the password"
    return app.get(done.location)


def test_a_security_key_is_asked_after_the_password(app, flow, passkeys):
    register_and_sign_out(app, passkeys)
    step = password_then_step(app, flow)
    options = json.loads(options_of(step))
    assert [d["id"] for d in options["allowCredentials"]] == [b64(passkeys.authenticator.credentials[0].id)]
    assert "ostiary_session" not in app.cookies  # no session before every step passed
    params = flow.follow_to_client(passkeys.second_factor(step))
    claims = id_token_claims(app, flow, params["code"])
    assert claims["amr"] == ["pwd", "hwk", "user", "mfa"]
    assert claims["acr"] == "urn:ostiary:acr:mfa"


def test_a_key_that_did_not_verify_the_person_still_makes_two_factors(app, flow, passkeys):
    passkeys.authenticator.user_verified = False
    register_and_sign_out(app, passkeys)
    params = flow.follow_to_client(passkeys.second_factor(password_then_step(app, flow)))
    claims = id_token_claims(app, flow, params["code"])
    assert claims["amr"] == ["pwd", "hwk", "user", "mfa"] and claims["acr"] == "urn:ostiary:acr:mfa"


def test_a_wrong_key_in_the_step_is_refused_and_counted(app, flow, passkeys, ostiary_app):
    register_and_sign_out(app, passkeys)
    step = password_then_step(app, flow)
    stranger = SoftAuthenticator()
    stranger.create(json.dumps({"rp": {"id": "localhost"}, "user": {"id": b64(b"x" * 32)}, "challenge": "AA"}))
    refused = passkeys.second_factor(step, stranger.get(options_of(step), stranger.credentials[0]), status=200)
    assert "This passkey was not accepted." in refused.text
    assert "ostiary_session" not in app.cookies
    # the page asks again, with a new challenge, and the right key passes
    assert options_of(refused) != options_of(step)
    flow.follow_to_client(passkeys.second_factor(refused))


def test_a_step_answer_cannot_be_replayed(app, flow, passkeys):
    register_and_sign_out(app, passkeys)
    step = password_then_step(app, flow)
    answer = passkeys.authenticator.get(options_of(step))
    wrong = json.loads(answer)
    wrong["response"]["signature"] = b64(b"\x30\x06\x02\x01\x01\x02\x01\x01")
    refused = passkeys.second_factor(step, json.dumps(wrong), status=200)  # spends the challenge
    assert "This passkey was not accepted." in refused.text
    again = passkeys.second_factor(refused, answer, status=200)  # the old challenge is gone
    assert "This passkey was not accepted." in again.text


def test_no_credential_posted_is_not_counted_as_a_guess(app, flow, passkeys):
    register_and_sign_out(app, passkeys)
    step = password_then_step(app, flow)
    page = passkeys.second_factor(step, "", status=200)
    assert "Your browser sent no passkey." in page.text


def test_the_step_form_needs_its_csrf_token(app, flow, passkeys):
    register_and_sign_out(app, passkeys)
    step = password_then_step(app, flow)
    form = {"method": "webauthn", "credential": passkeys.authenticator.get(options_of(step))}
    app.post("/account/login/step", form, status=400)
    assert "ostiary_session" not in app.cookies


def test_a_verified_passkey_alone_meets_a_multi_factor_demand(app, flow, passkeys):
    register_and_sign_out(app, passkeys)
    login = app.get(flow.authorize(acr_values="urn:ostiary:acr:mfa").location)
    page = app.get(login.html.find("a", string=lambda s: s and "A passkey" in s)["href"])
    params = flow.follow_to_client(passkeys.post_assertion(page, passkeys.authenticator.get(options_of(page))))
    claims = id_token_claims(app, flow, params["code"])
    assert claims["acr"] == "urn:ostiary:acr:mfa"


@pytest.fixture
def mfa_required(ostiary_settings):
    ostiary_settings["ostiary.require_mfa"] = "true"


def test_a_passkey_is_set_up_in_the_middle_of_a_sign_in_that_requires_one(mfa_required, app, flow, passkeys):
    step = password_then_step(app, flow)
    assert 'data-passkey="create"' in step.text
    form = {
        "csrf_token": form_value(step.text, "csrf_token"),
        "method": "webauthn",
        "returnUrl": form_value(step.text, "returnUrl"),
        "name": "Enrolled at sign-in",
        "credential": passkeys.authenticator.create(options_of(step)),
    }
    params = flow.follow_to_client(app.post("/account/login/step", form, status=303))
    claims = id_token_claims(app, flow, params["code"])
    assert "pwd" in claims["amr"] and "mfa" in claims["amr"]
    assert "<h2>Enrolled at sign-in</h2>" in app.get("/account/passkeys").text
