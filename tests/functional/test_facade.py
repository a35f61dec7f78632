"""``request.plugins``: one method per hook, each with its combine rule,
exercised through real requests with plugins registered in the test."""

import pytest

from ostiary.facade import concatenated, merged, vetoed
from ostiary.hookspecs import hookimpl


class CountingClients:
    """A client store in front of the built-in one that counts how often it is asked."""

    def __init__(self):
        self.asked = 0

    @hookimpl(tryfirst=True)
    def ostiary_client(self, client_id):
        self.asked += 1  # answers None, so the built-in store answers


class LoginExtras:
    @hookimpl
    def ostiary_login_links(self):
        return [{"href": "/help", "label": "Need help?"}]


class EarlierLinks:
    @hookimpl
    def ostiary_login_links(self):
        return [{"href": "/first", "label": "First"}]


@pytest.fixture
def counting():
    return CountingClients()


@pytest.fixture
def ostiary_plugins(counting):
    return [("earlier", EarlierLinks()), ("counting", counting), ("extras", LoginExtras())]


def test_the_client_is_asked_once_per_authorize_request(app, flow, counting):
    flow.code()  # signed in, consent remembered: the next request goes straight back to the client
    counting.asked = 0
    response = flow.authorize()
    assert response.location.startswith(flow.redirect_uri) and "code=" in response.location
    assert counting.asked == 1


def test_list_hooks_are_concatenated_earlier_plugins_first(app):
    page = app.get("/account/login")
    assert page.text.index("/first") < page.text.index("/help")


def test_merged_lets_the_later_plugin_win():
    # pluggy answers the plugin registered last first
    assert merged([{"name": "Later"}, None, {"name": "Earlier", "locale": "de"}]) == {"name": "Later", "locale": "de"}


def test_concatenated_keeps_registration_order():
    assert concatenated([["c"], None, ["a", "b"]]) == ["a", "b", "c"]


def test_any_false_is_a_veto_and_none_allows():
    assert vetoed([None, True, False]) and not vetoed([None, True])


def test_core_and_bundled_plugins_call_hooks_only_through_the_facade():
    import pathlib
    import re

    top = pathlib.Path(__file__).resolve().parents[2]
    # The facade and the event delivery are the door itself; plugins.py calls the
    # start-up hooks before any request exists; federation calls the two hooks it
    # declares, with their combine rules, in linking.py.
    door = {"core/ostiary/facade.py", "core/ostiary/events.py", "core/ostiary/plugins.py", "core/ostiary/__init__.py"}
    raw = re.compile(r"\.hooks?\.ostiary_(?!external_)")
    offenders = [
        path.relative_to(top).as_posix()
        for folder in ("core/ostiary", "plugins")
        for path in (top / folder).rglob("*.py")
        if path.relative_to(top).as_posix() not in door and raw.search(path.read_text())
    ]
    assert offenders == []


def test_request_hooks_still_works_but_warns(ostiary_app):
    from ostiary.plugins import hooks

    class Request:
        registry = ostiary_app.registry

    with pytest.warns(DeprecationWarning, match="use request.plugins"):
        relay = hooks(Request())
    assert relay is ostiary_app.registry.ostiary_plugins.hook
