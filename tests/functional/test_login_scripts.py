"""Plugins' scripts on the login page (``ostiary_login_scripts``): loaded
from this server, deferred, with their data attributes; one that asks for
passkey autofill puts ``webauthn`` into the username field's autocomplete."""

from __future__ import annotations

import pytest

from ostiary.plugin import hookimpl


class ScriptPlugin:
    def __init__(self, autofill: bool):
        self.autofill = autofill

    @hookimpl
    def ostiary_login_scripts(self, request, context):
        data = {"options": '{"challenge": "a\\"b"}', "client": context.client_id if context else ""}
        return [{"src": "/static/sample.js", "data": data, "webauthn_autofill": self.autofill}]


@pytest.fixture
def autofill():
    return True


@pytest.fixture
def ostiary_plugins(autofill):
    return [("login_script_sample", ScriptPlugin(autofill))]


def test_the_login_page_loads_a_plugins_script_with_its_data(app, flow):
    page = app.get(flow.authorize().location)
    script = page.html.find("script", src="/static/sample.js")
    assert script is not None and script.has_attr("defer")
    assert script["data-options"] == '{"challenge": "a\\"b"}'  # escaped in the attribute, intact for the script
    assert script["data-client"] == "demo-rp"
    assert page.html.find("input", id="username")["autocomplete"] == "username webauthn"


@pytest.mark.parametrize("autofill", [False])
def test_without_autofill_the_username_field_is_as_before(app):
    page = app.get("/account/login")
    assert page.html.find("script", src="/static/sample.js") is not None
    assert page.html.find("input", id="username")["autocomplete"] == "username"
