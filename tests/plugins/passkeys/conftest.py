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

    def sign_in_with_password(self, username="alice", password="alice-password", return_url=""):
        """The password, then the passkey step when core asks for one."""
        page = self.app.get("/account/login", params={"returnUrl": return_url} if return_url else {})
        form = {"csrf_token": form_value(page.text, "csrf_token"), "username": username, "password": password}
        if return_url:
            form["returnUrl"] = return_url
        done = self.app.post("/account/login", {**form, "action": "login"}, status=303)
        if "/account/login/step" in done.location:
            done = self.second_factor(self.app.get(done.location))
        return done

    def second_factor(self, page, answer=None, status=303):
        """Answer the passkey step of a sign-in (``page``: the step page),
        or set a passkey up there when the sign-in requires a factor."""
        if answer is None and 'data-passkey="create"' in page.text:
            answer = self.authenticator.create(options_of(page))
        form = {
            "csrf_token": form_value(page.text, "csrf_token"),
            "method": form_value(page.text, "method"),
            "returnUrl": form_value(page.text, "returnUrl"),
            "credential": answer if answer is not None else self.authenticator.get(options_of(page)),
        }
        return self.app.post("/account/login/step", form, status=status)

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
