"""The account console's home, its section hook, the move of the grants
page, and the fresh sign-in that guards sensitive actions (issue 12)."""

from __future__ import annotations

import pytest
from account_helpers import age_sign_in, sign_in
from pyramid.response import Response

from ostiary.plugin import AccountSection, current_user, hookimpl, require_fresh_sign_in
from ostiary.testing import TEST_ISSUER


class BadgePlugin:
    """A third-party plugin: its own section and a sensitive action on it."""

    @hookimpl
    def ostiary_account_sections(self, request):
        return [
            AccountSection(
                name="badges", title="Your badges", url=request.route_path("badges"), order=50, description="Shiny."
            ),
            AccountSection(name="hidden", title="Not for you", url="/account/hidden", available=False),
        ]

    @hookimpl
    def ostiary_configure(self, config):
        config.add_route("badges", "/account/badges")
        config.add_view(self.badges, route_name="badges")
        config.add_route("strict_badges", "/account/badges/strict")
        config.add_view(self.strict_badges, route_name="strict_badges")

    def badges(self, request):
        refusal = require_fresh_sign_in(request)
        if refusal is not None:
            return refusal
        return Response(f"badges of {current_user(request).username}")

    def strict_badges(self, request):
        refusal = require_fresh_sign_in(request, max_age=60)
        return refusal if refusal is not None else Response("strict badges")


@pytest.fixture
def ostiary_plugins(ostiary_plugins):
    return [*ostiary_plugins, ("badges", BadgePlugin())]


def test_the_console_signs_in_first_and_returns_there(app):
    back = sign_in(app, "/account")
    assert back.status_int == 303 and back.location.endswith("/account")
    page = app.get("/account")
    assert "Your account" in page.text and "alice" in page.text


def test_the_console_lists_core_and_plugin_sections_in_order(app):
    sign_in(app)
    page = app.get("/account").text
    assert "Your badges" in page and "Shiny." in page
    assert "/account/applications" in page
    assert page.index("Your badges") < page.index("Your applications")  # order 50 before 600
    assert "Not for you" not in page  # available=False hides it


def test_a_fresh_sign_in_lets_the_action_through(app):
    sign_in(app)
    assert app.get("/account/badges").text == "badges of alice"


def test_a_stale_sign_in_goes_through_sign_in_and_back_to_the_action(app):
    sign_in(app)
    age_sign_in(app, "alice")
    sent = app.get("/account/badges", status=303)
    assert "/account/login" in sent.location and "returnUrl=%2Faccount%2Fbadges" in sent.location
    page = app.get(sent.location)
    assert 'value="alice"' in page.text  # the person confirms it is them
    back = sign_in_again(app, page)
    assert back.location.endswith("/account/badges")
    assert app.get("/account/badges").text == "badges of alice"


def sign_in_again(app, page):
    from ostiary.testing import form_value

    return app.post(
        "/account/login",
        {
            "csrf_token": form_value(page.text, "csrf_token"),
            "returnUrl": form_value(page.text, "returnUrl"),
            "username": "alice",
            "password": "alice-password",
        },
        status=303,
    )


def test_the_reauthentication_window_is_a_setting(app, ostiary_app):
    assert ostiary_app.registry.ostiary_settings.account_reauthenticate_after == 300
    sign_in(app)
    age_sign_in(app, "alice", seconds=200)  # inside five minutes: still fresh
    assert app.get("/account/badges").status_int == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/account",
        "//evil.example/account",
        "/account/../connect/token",
        "/account/logout",
        "https://evil.example/admin",
        "//evil.example/admin",
        "/admin/../connect/token",
        "/admin/%2e%2e/connect/token",
        "/admin\\evil.example",
        "/administrator",
        "/accounting",
        "/admin/api/v1/clients",
    ],
)
def test_only_console_pages_are_return_targets(app, target):
    page = app.get("/account/login", params={"returnUrl": target}, expect_errors=True)
    # not a console return: the login page treats it as an authorization
    # return URL, which it is not, so it ends on the error page
    assert page.status_int in (302, 303) and "/error" in page.location


@pytest.mark.parametrize("target", ["/account/badges", "/admin", "/admin/clients/demo-rp/delete"])
def test_account_and_admin_console_pages_are_return_targets(app, target):
    """Both consoles share the guard: a page under /admin is a way back
    from the login page as one under /account is."""
    page = app.get("/account/login", params={"returnUrl": target})
    assert page.status_int == 200
    back = sign_in_again(app, page)
    assert back.location.removeprefix(TEST_ISSUER) == target


def test_the_guard_takes_a_callers_own_limit(app):
    """``require_fresh_sign_in(request, max_age=...)``: a console with a
    window of its own (the admin console's) passes it."""
    sign_in(app)
    age_sign_in(app, "alice", seconds=120)
    assert app.get("/account/badges").status_int == 200  # inside the account console's 300 seconds
    sent = app.get("/account/badges/strict", status=303)  # outside its own 60
    assert "returnUrl=%2Faccount%2Fbadges%2Fstrict" in sent.location


def test_no_session_means_a_sign_in_not_a_failure(app):
    sent = app.get("/account/applications", status=303)
    assert "returnUrl=%2Faccount%2Fapplications" in sent.location
