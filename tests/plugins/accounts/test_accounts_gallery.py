"""The account plugins show every state of their pages in the theme gallery."""

import re

import pytest

REGISTRATION = {
    "register",
    "register-for-client",
    "register-errors",
    "register-rate-limited",
    "sent",
    "resent",
    "verify",
    "link-invalid",
    "resend",
    "resend-error",
}
PASSWORD_RESET = {
    "forgot",
    "forgot-error",
    "forgot-rate-limited",
    "sent",
    "reset",
    "reset-error",
    "done",
    "link-invalid",
}


@pytest.fixture
def ostiary_settings(ostiary_settings):
    ostiary_settings["ostiary.development"] = "true"
    return ostiary_settings


def test_the_gallery_lists_every_state_and_each_renders(app):
    listed = set(re.findall(r'href="/_gallery/([^"?]+)"', app.get("/_gallery").text))
    expected = {f"registration/{name}" for name in REGISTRATION} | {f"password_reset/{n}" for n in PASSWORD_RESET}
    assert expected <= listed
    for name in sorted(expected):
        page = app.get(f"/_gallery/{name}")
        assert "<main" in page.text, name


def test_the_error_states_tie_messages_to_their_fields(app):
    page = app.get("/_gallery/registration/register-errors")
    assert 'aria-describedby="username-error"' in page.text
    assert 'aria-describedby="password-hint password-error"' in page.text
    assert 'id="form-error" class="alert" role="alert"' in page.text
