"""The passkeys pages' other sides: German, the gallery's states, the
static script, settings refused at start-up, and expired challenges."""

from __future__ import annotations

import pytest
from conftest import options_of

from ostiary import main
from ostiary.plugin import SettingsError


@pytest.fixture
def development(ostiary_settings):
    ostiary_settings["ostiary.development"] = "true"


def test_the_gallery_shows_every_passkey_state_in_both_languages(development, app):
    index = app.get("/_gallery")
    for state in (
        "sign-in",
        "sign-in-refused",
        "manage-empty",
        "manage",
        "manage-error",
        "step",
        "step-refused",
        "step-enrol",
    ):
        assert f"/_gallery/passkeys/{state}" in index.text
    german = app.get("/_gallery/passkeys/manage?lang=de")
    assert "Passkeys und Sicherheitsschlüssel" in german.text
    assert "Synchronisierter Passkey" in german.text
    assert "Mit einem Passkey anmelden" in app.get("/_gallery/passkeys/sign-in?lang=de").text
    assert 'data-passkey="create"' in app.get("/_gallery/passkeys/step-enrol").text
    assert 'data-passkey="get"' in app.get("/_gallery/passkeys/step").text


def test_the_sign_in_page_in_german(app):
    page = app.get("/account/passkeys/sign-in", headers={"Accept-Language": "de"})
    assert "Passkey verwenden" in page.text


def test_the_script_is_served_from_the_plugin_under_the_page_csp(app):
    page = app.get("/account/passkeys/sign-in")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    src = page.html.find("script")["src"]
    assert src.startswith("/passkeys-static/passkeys.js")
    script = app.get(src)
    assert "navigator.credentials.get" in script.text


def test_an_expired_challenge_is_refused(app, passkeys, ostiary_app):
    import transaction

    passkeys.sign_in_with_password()
    passkeys.register()
    app.reset()
    page = passkeys.sign_in_page()
    answer = passkeys.authenticator.get(options_of(page))
    manager = transaction.TransactionManager()
    conn = ostiary_app.registry._zodb_databases[""].open(transaction_manager=manager)
    with manager:
        for ceremony in conn.root()["ostiary_passkeys"].ceremonies.values():
            ceremony.expires_at -= 10_000
    conn.close()
    passkeys.post_assertion(page, answer, status=400)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("passkeys.rp_id", "https://example.org"),
        ("passkeys.user_verification", "sometimes"),
        ("passkeys.origins", "ftp://example.org"),
        ("passkeys.challenge_lifetime", "0"),
    ],
)
def test_a_malformed_setting_stops_start_up(ostiary_settings, key, value):
    with pytest.raises(SettingsError, match=key):
        main({}, **{**ostiary_settings, key: value})


@pytest.fixture
def rp_id_override(ostiary_settings):
    ostiary_settings["passkeys.rp_id"] = "example.org"


def test_the_rp_id_can_be_a_parent_domain(rp_id_override, app, passkeys):
    import json

    passkeys.sign_in_with_password()
    assert json.loads(options_of(app.get("/account/passkeys")))["rp"]["id"] == "example.org"


@pytest.fixture
def uv_required(ostiary_settings):
    ostiary_settings["passkeys.user_verification"] = "required"


def test_required_user_verification_refuses_an_authenticator_that_skipped_it(uv_required, app, passkeys):
    passkeys.sign_in_with_password()
    passkeys.register()
    app.reset()
    passkeys.authenticator.user_verified = False
    passkeys.sign_in(status=400)
    passkeys.authenticator.user_verified = True
    passkeys.sign_in()


def test_the_login_page_offers_passkeys_in_the_username_autofill(app, passkeys):
    """Conditional mediation: the login page's script tag carries sign-in
    options; the browser's answer to them signs in at the passkey page."""
    import html as htmllib

    from ostiary.testing import form_value

    passkeys.sign_in_with_password()
    passkeys.register()
    app.reset()
    login = app.get("/account/login")
    assert login.html.find("input", id="username")["autocomplete"] == "username webauthn"
    tag = login.html.find("script", attrs={"data-passkey-options": True})
    assert (
        tag["src"].startswith("/passkeys-static/passkeys.js")
        and tag["data-passkey-action"] == "/account/passkeys/sign-in"
    )
    answer = passkeys.authenticator.get(htmllib.unescape(tag["data-passkey-options"]))
    form = {"csrf_token": form_value(login.text, "csrf_token"), "credential": answer}
    done = app.post(tag["data-passkey-action"], form, status=303)
    assert done.location.endswith("/") and "ostiary_session" in app.cookies


def test_unanswered_challenges_go_with_cores_pruning(app, ostiary_app):
    import transaction

    from ostiary.models.database import database
    from ostiary.models.root import prune_apart
    from ostiary.plugins import housekeeping

    app.get("/account/passkeys/sign-in")  # one ceremony, never answered
    manager = transaction.TransactionManager()
    conn = ostiary_app.registry._zodb_databases[""].open(transaction_manager=manager)
    with manager:
        ceremonies = conn.root()["ostiary_passkeys"].ceremonies
        assert len(ceremonies) == 1
        prune_apart(database(ostiary_app.registry), housekeeping(ostiary_app.registry))
    with manager:
        assert len(conn.root()["ostiary_passkeys"].ceremonies) == 1  # still live: kept
        for ceremony in conn.root()["ostiary_passkeys"].ceremonies.values():
            ceremony.expires_at -= 10_000
    prune_apart(database(ostiary_app.registry), housekeeping(ostiary_app.registry))
    with manager:
        assert len(conn.root()["ostiary_passkeys"].ceremonies) == 0
    conn.close()
