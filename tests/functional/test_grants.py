"""The Applications section of the console (formerly the grants page): list
and revoke what a person consented to."""

from ostiary.testing import form_value


def test_grants_page_lists_the_consented_application(app, flow):
    flow.code(scope="openid profile")
    page = app.get("/account/applications")
    assert "Demo application" in page.text
    assert "Your profile" in page.text


def test_revoking_a_grant_removes_consent_and_refresh_tokens(app, flow):
    tokens = flow.exchange(flow.code(scope="openid offline_access")["code"]).json
    page = app.get("/account/applications")
    response = app.post(
        "/account/applications", {"csrf_token": form_value(page.text, "csrf_token"), "client_id": "demo-rp"}
    )
    assert "Access was revoked." in app.get(response.location).text
    assert "Demo application" not in app.get("/account/applications").text
    assert "/consent" in flow.authorize().location
    app.authorization = ("Basic", ("demo-rp", "demo-secret"))
    refreshed = app.post(
        "/connect/token", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, expect_errors=True
    )
    assert refreshed.json["error"] == "invalid_grant"


def test_grants_page_needs_a_session(app):
    assert "/account/login" in app.get("/account/applications").location


def test_revoke_needs_csrf(app, flow):
    flow.code()
    assert app.post("/account/applications", {"client_id": "demo-rp"}, expect_errors=True).status_int == 400


def test_the_old_grants_url_redirects_to_the_console(app, flow):
    flow.code()
    moved = app.get("/account/grants", status=301)
    assert moved.location.endswith("/account/applications")
    page = app.get("/account/applications")
    # an old form posting to the old URL keeps its method through a 308
    posted = app.post(
        "/account/grants", {"csrf_token": form_value(page.text, "csrf_token"), "client_id": "demo-rp"}, status=308
    )
    assert posted.location.endswith("/account/applications")
