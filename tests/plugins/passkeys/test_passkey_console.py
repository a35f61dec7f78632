"""Passkeys as a section of the account console: listed on /account, behind
a fresh sign-in (an old one goes through the login page, with the passkey
step, and comes back), the last required factor kept, and the person's
data download and account deletion."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import options_of

from ostiary.testing import form_value, transaction_root

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "functional"))
from account_helpers import age_sign_in  # noqa: E402


def test_the_console_lists_the_passkeys_section(app, passkeys):
    passkeys.sign_in_with_password()
    console = app.get("/account")
    link = console.html.find("a", href="/account/passkeys")
    assert link is not None and "Passkeys and security keys" in console.text


def test_an_old_sign_in_is_asked_again_and_comes_back_to_the_section(app, passkeys):
    passkeys.sign_in_with_password()
    passkeys.register("Laptop")
    age_sign_in(app, seconds=3600)
    sent = app.get("/account/passkeys", status=303)
    assert "/account/login?" in sent.location
    # a POST with a valid token is refused too, not carried out
    page_token = form_value(app.get(sent.location).text, "csrf_token")
    app.post("/account/passkeys/remove", {"csrf_token": page_token, "credential_id": "x"}, status=303)
    # signing in again: the password, then the passkey step, then back to the section
    back = passkeys.sign_in_with_password(return_url="/account/passkeys")
    assert back.location.endswith("/account/passkeys")
    assert "<h2>Laptop</h2>" in app.get(back.location).text


@pytest.fixture
def mfa_required(ostiary_settings):
    ostiary_settings["ostiary.require_mfa"] = "true"


def test_the_last_factor_of_a_person_who_needs_one_stays(mfa_required, app, passkeys):
    # set up at sign-in (policy demands a factor), then try to remove it
    passkeys.sign_in_with_password()
    page = app.get("/account/passkeys")
    assert "<h2>" in page.text
    credential_id = form_value(page.text, "credential_id")
    token = form_value(page.text, "csrf_token")
    refused = app.post("/account/passkeys/remove", {"csrf_token": token, "credential_id": credential_id}, status=409)
    assert "This is your last way to confirm a sign-in" in refused.text
    # with a second one, the first can go
    passkeys.register("Second")
    page = app.get("/account/passkeys")
    app.post(
        "/account/passkeys/remove",
        {"csrf_token": form_value(page.text, "csrf_token"), "credential_id": credential_id},
        status=303,
    )


def test_the_data_download_names_the_keys_without_their_secrets(app, ostiary_app, passkeys):
    passkeys.sign_in_with_password()
    passkeys.register("Laptop")
    with transaction_root(ostiary_app) as root:
        subject = root.users.by_login("alice").subject
    from pyramid.scripting import prepare

    with prepare(registry=ostiary_app.registry) as env:
        request = env["request"]
        with request.tm:  # one transaction, committed, as a request's
            exported = request.plugins.account_export(subject)
            request.plugins.account_deleted(subject)
    assert exported["passkeys"][0]["name"] == "Laptop"
    assert "public_key" not in exported["passkeys"][0]
    app.reset()
    page = passkeys.sign_in_page()
    passkeys.post_assertion(page, passkeys.authenticator.get(options_of(page)), status=400)
