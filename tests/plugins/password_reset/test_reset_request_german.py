"""The forgotten-password page in German (Accept-Language), from the plugin's own catalog."""

DE = {"Accept-Language": "de"}


def test_forgot_password_page_in_german(app):
    page = app.get("/account/password/forgot", headers=DE)
    assert page.html.title.string.startswith("Passwort zurücksetzen")
    assert "Geben Sie die E-Mail-Adresse Ihres Kontos ein." in page.text
    assert "E-Mail-Adresse" in page.text
    assert "Link senden" in page.text
    assert "Reset your password" not in page.text
