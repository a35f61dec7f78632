"""End session (OpenID Connect RP-Initiated Logout 1.0) and the logout page."""

import pytest

from ostiary.testing import form_value

LOGGED_OUT = "http://127.0.0.1:9999/logged-out"


@pytest.fixture
def id_token(flow):
    return flow.exchange(flow.code()["code"]).json["id_token"]


def test_valid_hint_signs_out_without_confirmation(app, id_token):
    response = app.get("/connect/endsession", params={"id_token_hint": id_token,
                                                      "post_logout_redirect_uri": LOGGED_OUT, "state": "s1"})
    page = app.get(response.location)
    assert "You are signed out" in page.text
    assert f'href="{LOGGED_OUT}?state=s1"' in page.text
    assert "You are signed in" not in app.get("/").text


def test_without_hint_the_user_confirms_first(app, id_token):
    response = app.get("/connect/endsession", params={"client_id": "demo-rp", "post_logout_redirect_uri": LOGGED_OUT})
    page = app.get(response.location)
    assert "Do you want to sign out" in page.text
    assert "You are signed in" in app.get("/").text
    done = app.post("/account/logout", {"csrf_token": form_value(page.text, "csrf_token"),
                                        "logoutId": form_value(page.text, "logoutId")})
    assert LOGGED_OUT in done.text
    assert "You are signed in" not in app.get("/").text


def test_logout_post_needs_csrf(app, id_token):
    response = app.post("/account/logout", {"logoutId": "x"}, expect_errors=True)
    assert response.status_int == 400
    assert "You are signed in" in app.get("/").text


def test_unregistered_post_logout_uri_never_redirects(app, id_token):
    response = app.get("/connect/endsession", params={"id_token_hint": id_token,
                                                      "post_logout_redirect_uri": "http://evil.example/"})
    assert "/error?errorId=" in response.location
    assert "evil.example" not in app.get(response.location).text


def test_invalid_hint_goes_to_the_error_page(app):
    response = app.get("/connect/endsession", params={"id_token_hint": "a.b.c",
                                                      "post_logout_redirect_uri": LOGGED_OUT})
    assert "/error?errorId=" in response.location


def test_post_logout_uri_without_client_is_refused(app):
    response = app.get("/connect/endsession", params={"post_logout_redirect_uri": LOGGED_OUT})
    assert "/error?errorId=" in response.location


def test_mismatched_client_id_and_hint_is_refused(app, id_token):
    response = app.get("/connect/endsession", params={"id_token_hint": id_token, "client_id": "other"})
    assert "/error?errorId=" in response.location


def test_end_session_without_a_session_shows_the_signed_out_page(app):
    response = app.get("/connect/endsession")
    page = app.get(response.location)
    assert page.status_int == 200
    assert "You are signed out" in page.text and "There was no active session." in page.text
