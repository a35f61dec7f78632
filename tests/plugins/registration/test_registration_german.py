"""The registration page in German (Accept-Language): the plugin's own
catalog, and the password policy's messages from ostiary_accounts'."""

from ostiary.testing import form_value

DE = {"Accept-Language": "de"}


def test_registration_page_in_german(app):
    page = app.get("/account/register", headers=DE)
    assert page.html.title.string.startswith("Konto erstellen")
    assert "Benutzername" in page.text
    assert "E-Mail-Adresse" in page.text
    assert "Passwort" in page.text
    assert "Create account" not in page.text


def test_password_policy_messages_in_german(app):
    page = app.get("/account/register", headers=DE)
    form = {"csrf_token": form_value(page.text, "csrf_token"), "username": "bob",
            "email": "bob@example.org", "password": "password1234"}
    refused = app.post("/account/register", form, headers=DE, status=400)
    assert "Bitte korrigieren Sie die markierten Felder." in refused.text
    assert "Dieses Passwort ist zu gängig." in refused.text
