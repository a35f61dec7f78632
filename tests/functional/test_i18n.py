"""Languages: ui_locales of the authorization request, then Accept-Language,
then the configured default; translated messages, scopes and themes."""

import re

import pytest

from ostiary.testing import form_value


def lang_of(page) -> str:
    return re.search(r'<html\s+lang="([^"]+)"', page.text).group(1)


def login_page(app, flow, headers=None, **params):
    response = flow.authorize(**params)
    assert "/account/login" in response.location
    return app.get(response.location, headers=headers or {})


def test_ui_locales_of_the_authorization_request_choose_the_language(app, flow):
    page = login_page(app, flow, ui_locales="de")
    assert lang_of(page) == "de"
    assert "<h1>Anmelden</h1>" in page.text
    assert "Benutzername oder E-Mail-Adresse" in page.text


def test_the_first_offered_language_of_ui_locales_wins(app, flow):
    page = login_page(app, flow, ui_locales="fr-CA de-AT en")
    assert lang_of(page) == "de"


def test_ui_locales_win_over_accept_language(app, flow):
    page = login_page(app, flow, headers={"Accept-Language": "de"}, ui_locales="en")
    assert lang_of(page) == "en" and "<h1>Sign in</h1>" in page.text


def test_accept_language_chooses_when_there_is_no_ui_locales(app):
    page = app.get("/account/login", headers={"Accept-Language": "fr, de-CH;q=0.8, en;q=0.5"})
    assert lang_of(page) == "de"


def test_an_unoffered_language_falls_back_to_the_default(app):
    page = app.get("/account/login", headers={"Accept-Language": "fr"})
    assert lang_of(page) == "en" and "<h1>Sign in</h1>" in page.text


@pytest.fixture
def german_default(ostiary_settings):
    ostiary_settings["pyramid.default_locale_name"] = "de"


def test_the_ini_default_applies_without_any_preference(german_default, app):
    assert lang_of(app.get("/account/login")) == "de"


@pytest.fixture
def english_only(ostiary_settings):
    ostiary_settings["ostiary.languages"] = "en"


def test_only_the_configured_languages_are_offered(english_only, app, flow):
    assert lang_of(login_page(app, flow, headers={"Accept-Language": "de"}, ui_locales="de")) == "en"
    assert app.get("/.well-known/openid-configuration").json["ui_locales_supported"] == ["en"]


def test_discovery_lists_the_offered_languages(app):
    assert app.get("/.well-known/openid-configuration").json["ui_locales_supported"] == ["en", "de"]


def test_a_refused_sign_in_is_explained_in_the_request_language(app, flow):
    page = login_page(app, flow, ui_locales="de")
    response = app.post(
        "/account/login",
        {
            "csrf_token": form_value(page.text, "csrf_token"),
            "returnUrl": form_value(page.text, "returnUrl"),
            "username": "alice",
            "password": "wrong",
            "action": "login",
        },
    )
    assert "Benutzername oder Passwort ist falsch." in response.text
    assert 'aria-describedby="login-error"' in response.text and 'aria-invalid="true"' in response.text


def test_consent_shows_standard_scopes_in_the_request_language(app, flow):
    response = flow.login(flow.authorize(ui_locales="de", scope="openid profile email api"))
    page = app.get(app.get(response.location).location)
    assert "Ihr Profil (Name, Spitzname, Bild, …)" in page.text
    assert "Persönliche Angaben" in page.text and "Erlauben" in page.text
    assert "Demo API" in page.text  # a deployment's own scope stays as it was entered


def test_the_logout_page_follows_ui_locales_of_the_end_session_request(app, flow):
    flow.code()
    response = app.get("/connect/endsession", params={"client_id": "demo-rp", "ui_locales": "de"})
    page = app.get(response.location)
    assert lang_of(page) == "de" and "Ja, abmelden" in page.text


def test_the_error_page_is_translated(app):
    page = app.get("/no-such-page", headers={"Accept-Language": "de"}, status=404)
    assert "Die angeforderte Seite gibt es nicht." in page.text


@pytest.fixture
def nightfall(ostiary_settings):
    ostiary_settings["ostiary.theme"] = "nightfall"


def test_a_theme_translates_its_own_texts_in_its_own_domain(nightfall, app):
    page = app.get("/account/login", headers={"Accept-Language": "de"})
    assert "Ein Schlüssel für jede Tür" in page.text  # domain ostiary_theme_nightfall
    assert "<h1>Anmelden</h1>" in page.text  # domain ostiary, shared with the core
