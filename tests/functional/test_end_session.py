"""End session (OpenID Connect RP-Initiated Logout 1.0) and the logout page."""

import os

import pytest
import webtest

from ostiary.models.interactions import MAX_STATE, MAX_UI_LOCALES
from ostiary.testing import CodeFlow, form_value, load_data, transaction_root

LOGGED_OUT = "http://127.0.0.1:9999/logged-out"


@pytest.fixture
def id_token(flow):
    return flow.exchange(flow.code()["code"]).json["id_token"]


@pytest.fixture
def manual_return(ostiary_settings):
    """A deployment that keeps the signed-out page with a link."""
    ostiary_settings["ostiary.automatic_redirect_after_sign_out"] = "false"


def _browser(ostiary_app):
    """A second browser (its own cookies) against the same server."""
    return webtest.TestApp(ostiary_app, extra_environ={"HTTP_HOST": "localhost"})


def _signed_in(app) -> bool:
    return "You are signed in" in app.get("/").text


def _logout_records(ostiary_app) -> int:
    """Logout records still to be used (a used one stays, marked, until pruned)."""
    with transaction_root(ostiary_app) as root:
        return sum(1 for record in root.interactions.logouts.values() if not record.used)


def _end_session(app, **params):
    return app.get("/connect/endsession", params=params)


# -- returning to the client ----------------------------------------------------


def test_valid_hint_signs_out_and_returns_to_the_client_with_its_state(app, id_token):
    response = _end_session(app, id_token_hint=id_token, post_logout_redirect_uri=LOGGED_OUT, state="s1")
    back = app.get(response.location)
    assert back.status_int == 303 and back.location == f"{LOGGED_OUT}?state=s1"
    assert not _signed_in(app)


def test_without_automatic_return_the_signed_out_page_links_back(manual_return, app, id_token):
    response = _end_session(app, id_token_hint=id_token, post_logout_redirect_uri=LOGGED_OUT, state="s1")
    page = app.get(response.location)
    assert page.status_int == 200 and "You are signed out" in page.text
    assert f'href="{LOGGED_OUT}?state=s1"' in page.text
    assert "<script" not in page.text
    assert not _signed_in(app)


def test_without_hint_the_user_confirms_first(app, id_token):
    page = app.get(_end_session(app, client_id="demo-rp", post_logout_redirect_uri=LOGGED_OUT).location)
    assert "Do you want to sign out" in page.text
    assert _signed_in(app)
    done = app.post(
        "/account/logout",
        {"csrf_token": form_value(page.text, "csrf_token"), "logoutId": form_value(page.text, "logoutId")},
    )
    assert done.status_int == 303 and done.location == LOGGED_OUT
    assert not _signed_in(app)


def test_signed_out_browser_goes_straight_back_to_the_client(app):
    response = _end_session(app, client_id="demo-rp", post_logout_redirect_uri=LOGGED_OUT, state="s2")
    assert response.status_int == 303 and response.location == f"{LOGGED_OUT}?state=s2"


def test_a_valid_hint_from_a_browser_already_signed_out_still_returns_to_the_client(app, id_token, ostiary_app):
    elsewhere = _browser(ostiary_app)
    response = _end_session(elsewhere, id_token_hint=id_token, post_logout_redirect_uri=LOGGED_OUT, state="s3")
    back = elsewhere.get(response.location)
    assert back.status_int == 303 and back.location == f"{LOGGED_OUT}?state=s3"
    assert _signed_in(app)  # the session of the hint is in another browser: it stays


# -- the hint belongs to the browser that opens the logout page ------------------


def test_a_logout_link_made_in_another_browser_asks_before_signing_out(app, flow, ostiary_app):
    """An attacker's own valid hint makes a logout id; a victim who opens it
    is asked, not signed out."""
    flow.code()  # the victim's browser: signed in
    attacker = _browser(ostiary_app)
    attacker_flow = CodeFlow(attacker)
    hint = attacker_flow.exchange(attacker_flow.code()["code"]).json["id_token"]
    link = _end_session(attacker, id_token_hint=hint).location
    page = app.get(link)
    assert "Do you want to sign out" in page.text
    assert _signed_in(app)


def test_a_logout_link_of_another_users_session_asks_before_signing_out(app, flow, ostiary_app):
    """Bob signs out in his own browser with his valid hint but does not
    follow the redirect: he sends the logout link to Alice instead."""
    load_data(ostiary_app, {"users": [{"username": "bob", "password": "bob-password", "email": "bob@example.org"}]})
    bob = CodeFlow(_browser(ostiary_app))
    signed_in = bob.login(bob.authorize(), username="bob", password="bob-password")
    hint = bob.exchange(bob.follow_to_client(signed_in)["code"]).json["id_token"]
    link = _end_session(bob.app, id_token_hint=hint, post_logout_redirect_uri=LOGGED_OUT).location
    flow.code()  # Alice, in this browser
    page = app.get(link)
    assert "Do you want to sign out" in page.text
    assert _signed_in(app)


def test_a_used_logout_id_does_nothing_when_opened_again(app, id_token, ostiary_app):
    link = _end_session(app, id_token_hint=id_token, post_logout_redirect_uri=LOGGED_OUT, state="s1").location
    assert app.get(link).location == f"{LOGGED_OUT}?state=s1"
    again = app.get(link)
    assert again.status_int == 200 and "There was no active session." in again.text
    assert LOGGED_OUT not in again.text
    assert _logout_records(ostiary_app) == 0


def test_an_unknown_logout_id_asks_when_signed_in(app, flow):
    flow.code()
    page = app.get("/account/logout", params={"logoutId": "no-such-id"})
    assert page.status_int == 200 and "Do you want to sign out" in page.text


def test_logout_post_needs_csrf(app, id_token):
    response = app.post("/account/logout", {"logoutId": "x"}, expect_errors=True)
    assert response.status_int == 400
    assert _signed_in(app)


# -- what counts as an id_token_hint ----------------------------------------------


def test_an_access_token_is_not_an_id_token_hint(app, flow):
    tokens = flow.exchange(flow.code()["code"]).json
    response = _end_session(app, id_token_hint=tokens["access_token"], post_logout_redirect_uri=LOGGED_OUT)
    assert "/error?errorId=" in response.location
    assert app.get(response.location, status=400)
    assert _signed_in(app)


def test_a_logout_token_is_not_an_id_token_hint(app, flow, ostiary_app, logout_receiver):
    with transaction_root(ostiary_app) as root:
        root.clients.get("demo-rp").update(backchannel_logout_uri=logout_receiver.url)
    first = CodeFlow(_browser(ostiary_app))
    first_token = first.exchange(first.code()["code"]).json["id_token"]
    first.app.get(_end_session(first.app, id_token_hint=first_token).location)
    (logout_token,) = logout_receiver.wait_tokens()
    flow.code()
    response = _end_session(app, id_token_hint=logout_token)
    assert "/error?errorId=" in response.location
    assert _signed_in(app)


def test_unregistered_post_logout_uri_never_redirects(app, id_token):
    response = _end_session(app, id_token_hint=id_token, post_logout_redirect_uri="http://evil.example/")
    assert "/error?errorId=" in response.location
    assert "evil.example" not in app.get(response.location, status=400).text


def test_invalid_hint_goes_to_the_error_page(app):
    response = _end_session(app, id_token_hint="a.b.c", post_logout_redirect_uri=LOGGED_OUT)
    assert "/error?errorId=" in response.location


def test_post_logout_uri_without_client_is_refused(app):
    response = _end_session(app, post_logout_redirect_uri=LOGGED_OUT)
    assert "/error?errorId=" in response.location


def test_mismatched_client_id_and_hint_is_refused(app, id_token):
    response = _end_session(app, id_token_hint=id_token, client_id="other")
    assert "/error?errorId=" in response.location


def test_end_session_without_a_session_shows_the_signed_out_page(app):
    page = app.get(_end_session(app).location)
    assert page.status_int == 200
    assert "You are signed out" in page.text and "There was no active session." in page.text


# -- what strangers can make the server store -------------------------------------------


def test_a_stranger_without_session_or_hint_stores_nothing(app, ostiary_app):
    _end_session(app, client_id="demo-rp", state="x" * 1000, ui_locales="de " * 300)
    _end_session(app)
    assert _logout_records(ostiary_app) == 0


def test_a_too_long_state_is_refused_not_cut(app, id_token):
    response = _end_session(
        app, id_token_hint=id_token, post_logout_redirect_uri=LOGGED_OUT, state="s" * (MAX_STATE + 1)
    )
    assert "/error?errorId=" in response.location
    assert _signed_in(app)


def test_a_huge_ui_locales_is_kept_short(app, flow, ostiary_app):
    flow.code()
    # over MAX_UI_LOCALES, under ostiary.max_query_length
    link = _end_session(app, client_id="demo-rp", ui_locales="de " * 2_000).location
    with transaction_root(ostiary_app) as root:
        (record,) = root.interactions.logouts.values()
        assert len(record.ui_locales) <= MAX_UI_LOCALES
    assert "Ja, abmelden" in app.get(link).text


def test_a_rejected_huge_request_barely_grows_the_database(app, ostiary_settings):
    data_fs = ostiary_settings["zodbconn.uri"].removeprefix("file://").split("?")[0]
    before = os.path.getsize(data_fs)
    app.get(
        "/connect/endsession",
        params={"client_id": "x" * 300_000, "post_logout_redirect_uri": "y" * 300_000},
        status=414,
    )
    assert os.path.getsize(data_fs) - before < 20_000
