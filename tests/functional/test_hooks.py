"""Hooks that only the built-in plugins implemented so far, each used by a
plugin registered in the test, as a third-party plugin would."""

import pytest

from ostiary.hookspecs import hookimpl
from ostiary.models.resources import Resource
from ostiary.testing import form_value


class TeamPlugin:
    """Adds a ``team`` claim to the ``profile`` scope and supplies it."""

    @hookimpl
    def ostiary_resources(self):
        return [Resource("profile", "identity", "Your profile", claims=("name", "given_name", "team"))]

    @hookimpl
    def ostiary_profile_claims(self, requested_claims):
        return {"team": "blue"} if "team" in requested_claims else {}


class Detours:
    """Sends the login page and the signed-out page elsewhere, and refuses
    existing sessions for requests that ask for a fresh sign-in."""

    @hookimpl
    def ostiary_login_redirect(self, request, context):
        return "/elsewhere/login" if context is not None and "detour" in context.acr_values else None

    @hookimpl
    def ostiary_logout_redirect(self, session):
        return "/elsewhere/signed-out?who=" + session.subject

    @hookimpl
    def ostiary_session_fits(self, params):
        return False if "fresh" in (params.get("acr_values") or "").split() else None


@pytest.fixture
def ostiary_plugins():
    return [("team", TeamPlugin()), ("detours", Detours())]


def test_a_resource_plugin_redefines_a_scope_and_its_claims_reach_userinfo(app, flow):
    tokens = flow.exchange(flow.code(scope="openid profile")["code"]).json
    info = app.get("/connect/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}).json
    assert info["team"] == "blue" and info["given_name"] == "Alice"


def test_a_login_redirect_plugin_skips_the_login_page(app, flow):
    login = flow.authorize(acr_values="detour")
    assert app.get(login.location).location.endswith("/elsewhere/login")


def test_a_session_fits_veto_sends_the_person_to_sign_in_again(app, flow):
    flow.code()
    assert "/account/login" in flow.authorize(acr_values="fresh").location
    assert flow.authorize().location.startswith(flow.redirect_uri)


def test_a_logout_redirect_plugin_takes_the_browser_elsewhere_after_sign_out(app, flow):
    flow.code()
    page = app.get("/account/logout")
    signed_out = app.post("/account/logout", {"csrf_token": form_value(page.text, "csrf_token"), "logoutId": ""})
    assert signed_out.location.endswith("/elsewhere/signed-out?who=" + flow_subject(app))


def flow_subject(app):
    from ostiary.testing import transaction_root

    with transaction_root(app.app) as root:
        return root.users.by_login("alice").subject
