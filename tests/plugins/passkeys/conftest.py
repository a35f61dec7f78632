"""The passkeys plugin enabled, a software authenticator, and a driver for its pages."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from soft_authenticator import SoftAuthenticator  # noqa: E402

from ostiary.testing import form_value  # noqa: E402


@pytest.fixture
def ostiary_settings(ostiary_settings):
    ostiary_settings.update({"ostiary.plugins": "passkeys"})
    return ostiary_settings


def options_of(page) -> str:
    """The WebAuthn options the page hands its script (``data-options``)."""
    match = re.search(r'data-options="([^"]*)"', page.text)
    assert match, "no passkey form on the page"
    return html.unescape(match.group(1))


class Passkeys:
    """Drive the passkeys pages as the browser and its script would."""

    def __init__(self, app, authenticator):
        self.app = app
        self.authenticator = authenticator

    def sign_in_with_password(self, username="alice", password="alice-password"):
        page = self.app.get("/account/login")
        form = {"csrf_token": form_value(page.text, "csrf_token"), "username": username, "password": password}
        return self.app.post("/account/login", {**form, "action": "login"}, status=303)

    def register(self, name="My key", status=303):
        page = self.app.get("/account/passkeys")
        answer = self.authenticator.create(options_of(page))
        form = {"csrf_token": form_value(page.text, "csrf_token"), "credential": answer, "name": name}
        return self.app.post("/account/passkeys/add", form, status=status)

    def sign_in_page(self, return_url=""):
        return self.app.get("/account/passkeys/sign-in", params={"returnUrl": return_url} if return_url else {})

    def post_assertion(self, page, answer, status=303):
        form = {"csrf_token": form_value(page.text, "csrf_token"), "credential": answer}
        if 'name="returnUrl"' in page.text:
            form["returnUrl"] = form_value(page.text, "returnUrl")
        return self.app.post("/account/passkeys/sign-in", form, status=status)

    def sign_in(self, return_url="", status=303):
        page = self.sign_in_page(return_url)
        return self.post_assertion(page, self.authenticator.get(options_of(page)), status=status)


@pytest.fixture
def authenticator():
    return SoftAuthenticator()


@pytest.fixture
def passkeys(app, authenticator):
    return Passkeys(app, authenticator)
