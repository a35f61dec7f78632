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
