"""Plugins: registered like built-ins, blocked by name, results merged."""

import pytest

from ostiary.hookspecs import hookimpl, hookspec
from ostiary.plugins import build_plugin_manager
from ostiary.settings import parse_settings


class ExtraClaims:
    """A profile-service plugin that adds a claim and overrides another."""

    @hookimpl
    def ostiary_profile_claims(self, subject, requested_claims, caller):
        return {"name": "Overridden", "department": caller}


class Auditor:
    def __init__(self):
        self.events = []

    @hookimpl
    def ostiary_event(self, event):
        self.events.append(event.name)


@pytest.fixture
def auditor():
    return Auditor()


@pytest.fixture
def ostiary_plugins(auditor):
    return [("extra", ExtraClaims()), ("auditor", auditor)]


def test_later_profile_plugin_wins_and_adds(app, flow):
    tokens = flow.exchange(flow.code(scope="openid profile")["code"]).json
    info = app.get("/connect/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}).json
    assert info["name"] == "Overridden"
    assert info["given_name"] == "Alice"


def test_events_reach_plugins(app, flow, auditor):
    flow.exchange(flow.code()["code"])
    assert "login.succeeded" in auditor.events
    assert "consent.granted" in auditor.events
    assert "token.issued" in auditor.events


def test_builtin_plugins_can_be_blocked(ostiary_settings):
    settings = parse_settings(dict(ostiary_settings, **{"ostiary.plugins.disabled": "zodb_users audit_log"}))
    pm = build_plugin_manager(settings)
    names = {name for name, plugin in pm.list_name_plugin() if plugin is not None}
    assert "zodb_users" not in names and "audit_log" not in names and "profile" in names


def test_a_misspelt_hook_fails_at_start_up(ostiary_settings):
    class Typo:
        @hookimpl
        def ostiary_profile_claim(self):
            return {}

    settings = parse_settings(ostiary_settings)
    with pytest.raises(Exception, match="unknown hook"):
        build_plugin_manager(settings, [("typo", Typo())])


def test_failing_event_plugin_does_not_break_sign_in(ostiary_settings, ostiary_app):
    from ostiary.events import emit

    class Broken:
        @hookimpl
        def ostiary_event(self, event):
            raise RuntimeError("auditor down")

    ostiary_app.registry.ostiary_plugins.register(Broken(), name="broken")

    class FakeRequest:
        registry = ostiary_app.registry

    assert emit(FakeRequest(), "login.succeeded", subject="x").name == "login.succeeded"


def test_the_old_start_up_hook_name_still_works_with_a_deprecation_warning(ostiary_settings):
    from ostiary import main
    from ostiary.testing import close_app

    class OldStyle:
        configured = False

        @hookimpl
        def ostiary_add_pages(self, config):
            OldStyle.configured = True

    settings = dict(ostiary_settings, ostiary_testing_plugins=[("old_style", OldStyle())])
    with pytest.warns(DeprecationWarning, match="rename it ostiary_configure"):
        app = main({}, **settings)
    try:
        assert OldStyle.configured
    finally:
        close_app(app)


class WidgetSpecs:
    """A third-party plugin's own hook specification."""

    @staticmethod
    @hookspec
    def widget_colour():
        """Return a colour for the widget."""


class WidgetPlugin:
    @hookimpl
    def ostiary_add_hookspecs(self, plugin_manager):
        plugin_manager.add_hookspecs(WidgetSpecs)


class RedWidget:
    @hookimpl
    def widget_colour(self):
        return "red"


def test_a_plugin_adds_hooks_that_another_plugin_implements(ostiary_settings):
    settings = parse_settings(ostiary_settings)
    pm = build_plugin_manager(settings, [("red", RedWidget()), ("widgets", WidgetPlugin())])
    assert pm.hook.widget_colour() == ["red"]
