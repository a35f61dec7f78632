"""The forgotten-password page in German (Accept-Language), from the plugin's own catalog."""

DE = {"Accept-Language": "de"}


def test_forgot_password_page_in_german(app):
    page = app.get("/account/password/forgot", headers=DE)
    assert page.html.title.string.startswith("Passwort zurücksetzen")
    assert "Geben Sie die E-Mail-Adresse Ihres Kontos ein." in page.text
    assert "E-Mail-Adresse" in page.text
    assert "Link senden" in page.text
    assert "Reset your password" not in page.text


def test_the_reset_mail_in_german(accounts):
    accounts.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "de"
    page = accounts.app.get("/account/password/forgot")
    accounts.submit(page, "/account/password/forgot", status=200, email="alice@example.org")
    [message] = accounts.outbox
    body = message.body.data
    assert message.subject == "Passwort zurücksetzen"
    assert body.startswith("Hallo alice,")
    assert "für 60 Minuten" in body
    assert "Hello" not in body


def test_the_reset_mail_falls_back_to_english(accounts):
    accounts.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = accounts.app.get("/account/password/forgot")
    accounts.submit(page, "/account/password/forgot", status=200, email="alice@example.org")
    [message] = accounts.outbox
    assert message.body.data.startswith("Hello alice,")
