"""ASP.NET Identity two-factor users sign in through the real pages with
the authenticator app and recovery codes they set up in the .NET
application: the password, then core's step page, the codes computed here
independently of the plugin, and what the Identity database says after."""

from __future__ import annotations

import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.testing import CodeFlow, form_value

from .identity_db import V2_SHA1_1000, VECTOR_PASSWORD
from .test_signin import SCOPE, app, aspnet_db, extra_settings, ostiary_settings  # noqa: F401  (fixtures)
from .test_two_factor import add_token, new_authenticator_key, token, totp

CODES = ["8TQ5M-FKW2H", "2GWNJ-7D9XR", "PQ3VY-KHRC4"]


@pytest.fixture
def two_factor_alice(aspnet_db):  # noqa: F811
    user_id = aspnet_db.add_user("alice", V2_SHA1_1000, "alice@example.org", two_factor_enabled=True)
    key = new_authenticator_key()
    add_token(aspnet_db, user_id, "[AspNetUserStore]", "AuthenticatorKey", key)
    add_token(aspnet_db, user_id, "[AspNetUserStore]", "RecoveryCodes", ";".join(CODES))
    return user_id, key


def to_step(app, flow):  # noqa: F811
    """Authorize and pass the password: the step page."""
    response = flow.login(flow.authorize(scope=SCOPE), username="alice", password=VECTOR_PASSWORD)
    assert response.status_int == 303 and "/account/login/step" in response.location, response.text[:300]
    return app.get(response.location)


def post_step(app, page, status=None, **fields):  # noqa: F811
    form = {
        "csrf_token": form_value(page.text, "csrf_token"),
        "returnUrl": form_value(page.text, "returnUrl"),
        "method": form_value(page.text, "method"),
        "action": "check",
        **fields,
    }
    return app.post("/account/login/step", form, status=status)


def id_token_claims(app, flow, params):  # noqa: F811
    tokens = flow.exchange(params["code"]).json
    return jwt.decode(tokens["id_token"], KeySet.import_key_set(app.get("/.well-known/jwks.json").json)).claims


def test_the_authenticator_app_code_completes_the_sign_in(app, aspnet_db, two_factor_alice):  # noqa: F811
    user_id, key = two_factor_alice
    aspnet_db.set(user_id, AccessFailedCount=2)
    flow = CodeFlow(app)
    step = to_step(app, flow)
    assert 'name="code"' in step.text and 'autocomplete="one-time-code"' in step.text
    assert "ostiary_session" not in app.cookies
    params = flow.follow_to_client(post_step(app, step, status=303, code=totp(key, time.time())))
    claims = id_token_claims(app, flow, params)
    assert claims["amr"] == ["pwd", "otp", "mfa"] and claims["acr"] == "urn:ostiary:acr:mfa"
    assert claims["sub"] == user_id
    assert aspnet_db.user(user_id)["AccessFailedCount"] == 0  # the second factor reset it, not the password


@pytest.fixture
def generous_core_throttle(ostiary_settings):  # noqa: F811
    """Core's own budgets out of the way, to see ASP.NET's lockout alone."""
    ostiary_settings.update({"ostiary.login_throttle_failures": "49", "ostiary.max_failed_logins": "50"})


def test_a_wrong_code_counts_in_access_failed_count_and_locks(generous_core_throttle, app, aspnet_db, two_factor_alice):  # noqa: F811
    user_id, key = two_factor_alice
    flow = CodeFlow(app)
    step = to_step(app, flow)
    wrong = f"{(int(totp(key, time.time())) + 7) % 1_000_000:06d}"
    page = post_step(app, step, status=200, code=wrong)
    assert "That code is not right." in page.text
    assert aspnet_db.user(user_id)["AccessFailedCount"] == 1
    for _ in range(4):
        page = post_step(app, page, code=wrong)
    assert aspnet_db.user(user_id)["LockoutEnd"] is not None
    refused = post_step(app, page, status=200, code=totp(key, time.time()))
    assert "ostiary_session" not in app.cookies
    assert "this account is locked for a while" in refused.text


def test_a_code_cannot_sign_in_twice(app, aspnet_db, two_factor_alice):  # noqa: F811
    user_id, key = two_factor_alice
    code = totp(key, time.time())
    flow = CodeFlow(app)
    flow.follow_to_client(post_step(app, to_step(app, flow), status=303, code=code))
    app.reset()
    again = post_step(app, to_step(app, CodeFlow(app)), status=200, code=code)
    assert "That code is not right." in again.text


def test_a_recovery_code_signs_in_once_and_is_written_back(app, aspnet_db, two_factor_alice):  # noqa: F811
    user_id, _ = two_factor_alice
    flow = CodeFlow(app)
    step = to_step(app, flow)
    link = step.html.find("a", string="A recovery code")
    assert link is not None, "no way to use a recovery code"
    page = app.get(link["href"])
    params = flow.follow_to_client(post_step(app, page, status=303, recovery_code="2GWNJ-7D9XR"))
    assert "mfa" in id_token_claims(app, flow, params)["amr"]
    assert token(aspnet_db, user_id, "[AspNetUserStore]", "RecoveryCodes") == "8TQ5M-FKW2H;PQ3VY-KHRC4"
    app.reset()
    flow = CodeFlow(app)
    page = app.get(to_step(app, flow).html.find("a", string="A recovery code")["href"])
    assert "not right" in post_step(app, page, status=200, recovery_code="2GWNJ-7D9XR").text


def test_a_two_factor_user_without_a_factor_ostiary_can_ask_is_still_refused(app, aspnet_db):  # noqa: F811
    """Two factors by email or SMS codes: Ostiary sends neither, so the
    password alone must not let the person in."""
    aspnet_db.add_user("alice", V2_SHA1_1000, "alice@example.org", two_factor_enabled=True)
    flow = CodeFlow(app)
    response = flow.login(flow.authorize(scope=SCOPE), username="alice", password=VECTOR_PASSWORD)
    assert response.status_int == 200 and "Invalid username or password." in response.text


def test_core_throttles_codes_from_one_address_too(app, aspnet_db, two_factor_alice):  # noqa: F811
    """With the default budgets the client's address runs out first (three
    failures), before ASP.NET's lockout (five) would lock the account."""
    user_id, key = two_factor_alice
    page = to_step(app, CodeFlow(app))
    for _ in range(4):
        page = post_step(app, page, status=200, code="000000" if totp(key, time.time()) != "000000" else "111111")
    assert aspnet_db.user(user_id)["AccessFailedCount"] == 3
    assert aspnet_db.user(user_id)["LockoutEnd"] is None


def test_the_step_page_in_german(app, aspnet_db, two_factor_alice):  # noqa: F811
    flow = CodeFlow(app)
    response = flow.login(flow.authorize(scope=SCOPE), username="alice", password=VECTOR_PASSWORD)
    page = app.get(response.location, headers={"Accept-Language": "de"})
    assert "Code aus Ihrer Authenticator-App" in page.text
    assert "Einen Wiederherstellungscode" in page.text


@pytest.fixture
def development(ostiary_settings):  # noqa: F811
    ostiary_settings["ostiary.development"] = "true"


def test_the_gallery_shows_the_two_factor_steps(development, app):  # noqa: F811
    index = app.get("/_gallery")
    for state in (
        "authenticator",
        "authenticator-wrong",
        "authenticator-locked",
        "recovery-code",
        "recovery-code-wrong",
    ):
        assert f"/_gallery/aspnet_identity/{state}" in index.text
    assert "Zu viele falsche Codes" in app.get("/_gallery/aspnet_identity/authenticator-locked?lang=de").text
