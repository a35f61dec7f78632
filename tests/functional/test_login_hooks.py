"""Plugins extend the login page: links, extra fields, checks, providers."""

import pytest

from ostiary.hookspecs import hookimpl


class TermsPlugin:
    @hookimpl
    def ostiary_login_links(self, context):
        return [{"href": "/register", "label": "Create an account"}]

    @hookimpl
    def ostiary_login_fields(self, context):
        return [{"name": "otp", "label": "One-time code", "type": "text"}]

    @hookimpl
    def ostiary_check_login(self, user, params):
        if params.get("otp") != "123456":
            return "The one-time code is wrong."
        return None

    @hookimpl
    def ostiary_login_providers(self, context):
        return [{"name": "upstream", "display_name": "Upstream IdP", "href": "/external/upstream"}]


@pytest.fixture
def ostiary_plugins():
    return [("terms", TermsPlugin())]


def test_links_fields_and_providers_appear(app, flow):
    page = app.get(flow.authorize().location)
    assert 'href="/register"' in page.text and "Create an account" in page.text
    assert 'name="otp"' in page.text and 'for="field-otp"' in page.text
    assert "Upstream IdP" in page.text


def test_a_check_can_refuse_the_sign_in(app, flow):
    page = app.get(flow.authorize().location)
    form = page.forms[0]
    form["username"], form["password"], form["otp"] = "alice", "alice-password", "000000"
    response = form.submit("action", value="login")
    assert "The one-time code is wrong." in response.text


def test_a_check_can_allow_the_sign_in(app, flow):
    page = app.get(flow.authorize().location)
    form = page.forms[0]
    form["username"], form["password"], form["otp"] = "alice", "alice-password", "123456"
    response = form.submit("action", value="login")
    assert response.status_int == 303 and "/connect/authorize/callback" in response.location
