"""The account console on a user store that can change nothing, and with
self-deletion turned off: the actions are not offered, and asking for them
anyway sends the person back to the console, never to a failure."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from account_helpers import sign_in

from ostiary.plugin import AccountCapabilities, hookimpl

ALICE = SimpleNamespace(subject="ro-alice", username="alice", email="alice@example.org", claims={}, active=True)


class ReadOnlyStore:
    """A directory Ostiary may only read (think LDAP with a read-only bind)."""

    @hookimpl
    def ostiary_user_by_username(self, request, username):
        return ALICE if username == "alice" else None

    @hookimpl
    def ostiary_user_by_subject(self, request, subject):
        return ALICE if subject == ALICE.subject else None

    @hookimpl
    def ostiary_verify_credentials(self, request, username, password):
        return ALICE if (username, password) == ("alice", "alice-password") else None

    @hookimpl
    def ostiary_account_capabilities(self, request, subject):
        return AccountCapabilities() if subject == ALICE.subject else None  # holds her, may change nothing


@pytest.fixture
def ostiary_plugins(ostiary_plugins):
    return [*ostiary_plugins, ("read-only", ReadOnlyStore())]


@pytest.fixture
def ostiary_settings(ostiary_settings):
    ostiary_settings["ostiary.plugins.disabled"] = "zodb_users"
    ostiary_settings["pyramid.includes"] = "pyramid_mailer.testing"
    return ostiary_settings


def test_a_read_only_store_shows_no_actions(ostiary_testapp):
    app = ostiary_testapp
    sign_in(app)
    page = app.get("/account").text
    for path in ("/account/profile", "/account/email", "/account/password", "/account/delete"):
        assert f'href="{path}"' not in page
    assert 'href="/account/applications"' in page and 'href="/account/export"' in page


@pytest.mark.parametrize("path", ["/account/email", "/account/password", "/account/delete"])
def test_asking_for_a_hidden_action_goes_back_to_the_console(ostiary_testapp, path):
    sign_in(ostiary_testapp)
    assert ostiary_testapp.get(path, status=303).location.endswith("/account")


def test_a_read_only_profile_says_so_and_refuses_edits(ostiary_testapp):
    sign_in(ostiary_testapp)
    assert "Your profile cannot be changed here." in ostiary_testapp.get("/account/profile").text
