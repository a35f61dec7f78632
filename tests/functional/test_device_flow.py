"""The device authorization grant (RFC 8628): a device polls while a browser approves."""

import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.testing import CodeFlow, client_post, form_value, load_data, transaction_root

GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
def tv(app, ostiary_app):
    """A public device client ``tv``."""
    load_data(
        ostiary_app,
        {
            "clients": [
                {
                    "client_id": "tv",
                    "name": "Living-room TV",
                    "token_endpoint_auth_method": "none",
                    "grant_types": [GRANT, "refresh_token"],
                    "scopes": ["openid", "profile", "offline_access", "api"],
                }
            ]
        },
    )
    return app


def _start(app, scope="openid profile offline_access", client_id="tv"):
    response = app.post("/connect/device_authorization", {"client_id": client_id, "scope": scope}, expect_errors=True)
    return response


def _poll(app, device_code, client_id="tv"):
    form = {"grant_type": GRANT, "device_code": device_code, "client_id": client_id}
    return app.post("/connect/token", form, expect_errors=True)


def _allow_polling_now(ostiary_app):
    """Pretend the device waited its interval since the last poll."""
    with transaction_root(ostiary_app) as root:
        for item in root.device_authorizations.by_device_code.values():
            item.last_poll = 0


def _browser_enters(app, user_code):
    page = app.get("/device")
    return app.post("/device", {"csrf_token": form_value(page.text, "csrf_token"), "user_code": user_code})


def test_a_device_polls_while_a_browser_approves(tv, ostiary_app):
    app = tv
    started = _start(app)
    assert started.status_int == 200, started.text
    body = started.json
    assert body["verification_uri"] == "http://localhost/device"
    assert body["verification_uri_complete"] == "http://localhost/device?user_code=" + body["user_code"]
    assert body["interval"] == 5 and body["expires_in"] == 600
    pending = _poll(app, body["device_code"])
    assert pending.status_int == 400 and pending.json["error"] == "authorization_pending"
    # Too soon again: slow_down.
    assert _poll(app, body["device_code"]).json["error"] == "slow_down"

    # The person opens verification_uri_complete: the code is filled in.
    page = app.get(body["verification_uri_complete"].removeprefix("http://localhost"))
    assert f'value="{body["user_code"]}"' in page.text
    # Typed in lower case without the hyphen, it is still the code.
    response = _browser_enters(app, body["user_code"].replace("-", "").lower())
    assert "/device/confirm" in response.location
    flow = CodeFlow(app, client_id="tv")
    response = flow.login(app.get(response.location))
    assert "/device/confirm" in response.location
    response = app.get(response.location)
    response = flow.consent(response)
    done = app.get(response.location)
    assert "Living-room TV" in done.text and "is connected" in done.text

    _allow_polling_now(ostiary_app)
    tokens = _poll(app, body["device_code"])
    assert tokens.status_int == 200, tokens.text
    assert {"access_token", "id_token", "refresh_token"} <= set(tokens.json)
    keys = KeySet.import_key_set(app.get("/.well-known/jwks.json").json)
    claims = jwt.decode(tokens.json["access_token"], keys).claims
    assert claims["client_id"] == "tv" and claims["sub"] != "tv"
    # Single use; the refresh token works.
    _allow_polling_now(ostiary_app)
    assert _poll(app, body["device_code"]).json["error"] == "invalid_grant"
    refreshed = app.post(
        "/connect/token",
        {"grant_type": "refresh_token", "refresh_token": tokens.json["refresh_token"], "client_id": "tv"},
    )
    assert refreshed.status_int == 200


def test_a_refusal_is_access_denied(tv, ostiary_app):
    app = tv
    body = _start(app).json
    response = _browser_enters(app, body["user_code"])
    flow = CodeFlow(app, client_id="tv")
    response = app.get(flow.login(app.get(response.location)).location)
    response = flow.consent(response, action="deny")
    page = app.get(response.location)
    assert "Device not connected" in page.text
    _allow_polling_now(ostiary_app)
    assert _poll(app, body["device_code"]).json["error"] == "access_denied"


def test_an_expired_device_code_is_expired_token(tv, ostiary_app):
    body = _start(tv).json
    with transaction_root(ostiary_app) as root:
        for item in root.device_authorizations.by_device_code.values():
            item.expires_at = int(time.time()) - 1
    assert _poll(tv, body["device_code"]).json["error"] == "expired_token"
    response = tv.post(
        "/device",
        {"csrf_token": form_value(tv.get("/device").text, "csrf_token"), "user_code": body["user_code"]},
        expect_errors=True,
    )
    assert response.status_int == 400 and "not valid or has expired" in response.text


def test_wrong_user_codes_are_throttled_like_sign_ins(tv):
    body = _start(tv).json
    page = tv.get("/device")
    token = form_value(page.text, "csrf_token")
    for _ in range(3):
        wrong = tv.post("/device", {"csrf_token": token, "user_code": "BCDF-GHJK"}, expect_errors=True)
        assert wrong.status_int == 400
    # Now even the right code is refused from this address for a while.
    blocked = tv.post("/device", {"csrf_token": token, "user_code": body["user_code"]}, expect_errors=True)
    assert blocked.status_int == 429 and "Too many wrong codes" in blocked.text


def test_the_device_endpoint_checks_the_client(tv, app):
    # demo-rp may not use the device grant.
    refused = client_post(app, "/connect/device_authorization", {"scope": "openid"})
    assert refused.status_int == 400 and refused.json["error"] == "unauthorized_client"
    assert _start(tv, scope="openid email").json["error"] == "invalid_scope"
    assert _start(tv, client_id="nobody").json["error"] == "invalid_client"


def test_discovery_names_the_device_endpoint(app):
    doc = app.get("/.well-known/openid-configuration").json
    assert doc["device_authorization_endpoint"] == "http://localhost/connect/device_authorization"
    assert GRANT in doc["grant_types_supported"]


def test_a_confirmation_link_passed_on_approves_nothing(tv, ostiary_app):
    """Someone types their device's code, then sends the confirmation link
    to a signed-in person: that browser only gets the code form."""
    import webtest

    attacker = tv
    body = _start(attacker).json
    link = _browser_enters(attacker, body["user_code"]).location
    victim = webtest.TestApp(ostiary_app, extra_environ={"HTTP_HOST": "localhost"})
    flow = CodeFlow(victim)
    flow.code()  # signed in, with a remembered consent for demo-rp
    page = victim.get(link)
    assert page.status_int == 200 and "Connect a device" in page.text
    assert f'value="{body["user_code"]}"' in page.text
    _allow_polling_now(ostiary_app)
    assert _poll(attacker, body["device_code"]).json["error"] == "authorization_pending"


def test_consent_is_asked_for_every_device_even_when_remembered(tv, ostiary_app):
    app = tv
    flow = CodeFlow(app, client_id="tv")
    for _ in range(2):
        body = _start(app).json
        response = app.get(_browser_enters(app, body["user_code"]).location)
        if "/account/login" in response.location:
            response = app.get(flow.login(response).location)
        assert "/consent?" in response.location  # asked again the second time
        done = app.get(flow.consent(response, remember=True).location)
        assert "is connected" in done.text
