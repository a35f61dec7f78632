"""Signing out of a session that came from an upstream: through the
upstream's end-session endpoint and back, when the provider is set to."""

from __future__ import annotations

import copy
import re
from urllib.parse import urlencode, urljoin

from federation_harness import DOWNSTREAM, Browser, provider_settings

from ostiary.testing import DEMO

FRONTCHANNEL = "http://127.0.0.1:9999/frontchannel-logout"
LOGGED_OUT = "http://127.0.0.1:9999/logged-out"


def _downstream(make_downstream, upstream, end_upstream_session):
    data = copy.deepcopy(DEMO)
    data["clients"][0]["frontchannel_logout_uri"] = FRONTCHANNEL
    return make_downstream(data=data, **provider_settings(upstream.url, end_upstream_session=end_upstream_session))


def _end_session(browser, token):
    query = urlencode({"id_token_hint": token["id_token"], "post_logout_redirect_uri": LOGGED_OUT, "state": "bye"})
    return browser.walk(DOWNSTREAM + "/connect/endsession?" + query)


def _signed_in_upstream(browser, upstream):
    """Whether the upstream still has a session for this browser."""
    return browser.up.get(upstream.url + "/account/applications", allow_redirects=False, timeout=10).status_code == 200


def test_sign_out_passes_through_the_upstream_and_comes_back(make_downstream, upstream):
    browser = Browser(_downstream(make_downstream, upstream, "true"), upstream.url)
    token = browser.tokens(browser.sign_in_upstream(user=("dora", "dora-password")))
    assert _signed_in_upstream(browser, upstream)
    result = _end_session(browser, token)
    assert ("up", 303, "/connect/endsession") in browser.visited
    assert ("up", 303, "/account/logout") in browser.visited  # the upstream (an Ostiary) returns by itself
    assert result["at"] == "/account/external/upstream/signed-out"
    page = result["response"].text
    assert f"{LOGGED_OUT}?state=bye" in page  # the client's post-logout link survives the detour
    assert FRONTCHANNEL in page  # and so do its front-channel logout frames
    assert not _signed_in_upstream(browser, upstream)
    assert browser.down.get("/account/applications").status_int == 303  # signed out here too


def test_without_the_setting_only_the_downstream_session_ends(make_downstream, upstream):
    browser = Browser(_downstream(make_downstream, upstream, "false"), upstream.url)
    token = browser.tokens(browser.sign_in_upstream(user=("dora", "dora-password")))
    result = _end_session(browser, token)
    assert result["at"] == "/account/logout"
    assert f"{LOGGED_OUT}?state=bye" in result["response"].text
    assert _signed_in_upstream(browser, upstream)


def test_a_local_session_signs_out_without_a_detour(make_downstream, upstream):
    browser = Browser(_downstream(make_downstream, upstream, "true"), upstream.url)
    page = browser.login_page()
    token = browser.tokens(browser.walk(urljoin(DOWNSTREAM, browser.local_login(page).location)))
    result = _end_session(browser, token)
    assert result["at"] == "/account/logout"
    assert not any(side == "up" for side, _, _ in browser.visited)


def test_the_confirmed_sign_out_takes_the_same_detour(make_downstream, upstream):
    browser = Browser(_downstream(make_downstream, upstream, "true"), upstream.url)
    browser.tokens(browser.sign_in_upstream(user=("dora", "dora-password")))
    page = browser.down.get("/account/logout")  # no hint: the page asks first
    form = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1), "logoutId": ""}
    posted = browser.down.post("/account/logout", form)
    assert posted.status_int == 303 and posted.location.startswith(upstream.url + "/connect/endsession")


def test_an_unknown_sign_out_state_shows_a_plain_signed_out_page(browser):
    page = browser.down.get("/account/external/upstream/signed-out?state=forged")
    assert page.status_int == 200
    assert "iframe" not in page.text
