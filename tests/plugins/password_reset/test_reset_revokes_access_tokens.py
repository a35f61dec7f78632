"""A password reset revokes the access tokens of the person's grants, not
only their sessions and refresh tokens (RFC 7009, section 2.1)."""

import webtest

from ostiary.testing import form_value

GOOD = "correct horse battery staple"


def _introspect(app, token):
    app.authorization = ("Basic", ("demo-rp", "demo-secret"))
    try:
        return app.post("/connect/introspect", {"token": token}).json
    finally:
        app.authorization = None


def _reset_password(accounts):
    page = accounts.app.get("/account/password/forgot")
    accounts.submit(page, "/account/password/forgot", email="alice@example.org")
    page = accounts.app.get(accounts.link("/account/password/reset"))
    accounts.submit(page, "/account/password/reset", status=200, token=form_value(page.text, "token"), password=GOOD)


def test_a_reset_makes_the_access_tokens_from_before_invalid(app, flow, accounts, ostiary_app):
    tokens = flow.exchange(flow.code(scope="openid offline_access")["code"]).json
    phone = webtest.TestApp(ostiary_app, extra_environ={"HTTP_HOST": "localhost"})  # another device
    _reset_password(type(accounts)(phone, ostiary_app, accounts.outbox))
    userinfo = app.get(
        "/connect/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}, expect_errors=True
    )
    assert userinfo.status_int == 401 and userinfo.json["error"] == "invalid_token"
    assert _introspect(app, tokens["access_token"]) == {"active": False}
