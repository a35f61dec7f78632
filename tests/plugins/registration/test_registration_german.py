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
    form = {
        "csrf_token": form_value(page.text, "csrf_token"),
        "username": "bob",
        "email": "bob@example.org",
        "password": "password1234",
    }
    refused = app.post("/account/register", form, headers=DE, status=400)
    assert "Bitte korrigieren Sie die markierten Felder." in refused.text
    assert "Dieses Passwort ist zu gängig." in refused.text


def test_the_mail_to_the_owner_of_a_known_address_in_german(app, outbox):
    page = app.get("/account/register", headers=DE)
    form = {
        "csrf_token": form_value(page.text, "csrf_token"),
        "username": "bob",
        "email": "alice@example.org",
        "password": "correct horse battery staple",
    }
    app.post("/account/register", form, headers=DE)
    [message] = outbox
    assert message.subject == "Jemand wollte sich mit Ihrer E-Mail-Adresse registrieren"
    assert "Es wurde kein" in message.body.data
