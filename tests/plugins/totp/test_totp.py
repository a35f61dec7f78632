"""Authenticator apps (issue 13): enrolment before the session, sign-in with
a code, replay, drift, through the real pages. Codes are computed here with
RFC 6238's own arithmetic (hmac + struct), not with the plugin's library."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import struct
import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.testing import form_value, transaction_root

MFA = "urn:ostiary:acr:mfa"


def rfc6238(secret: str, when: float, offset: int = 0) -> str:
    """The 6-digit SHA-1 TOTP code of ``secret`` (base32) at ``when``."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int(when // 30) + offset
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    start = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[start : start + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def _claims(app, token):
    return jwt.decode(token, KeySet.import_key_set(app.get("/.well-known/jwks.json").json)).claims


def _post_step(app, page, code, action="check", **environ):
    form = {
        "csrf_token": form_value(page.text, "csrf_token"),
        "returnUrl": form_value(page.text, "returnUrl"),
        "method": form_value(page.text, "method"),
        "code": code,
        "action": action,
    }
    return app.post(page.forms[0].action, form, extra_environ=environ)


def _require_mfa(app):
    with transaction_root(app.app) as root:
        root.clients.get("demo-rp").require_mfa = True


def _secret_on(page) -> str:
    match = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text)
    assert match, "the enrolment page shows the key for entry by hand"
    return match.group(1).replace(" ", "")


def _enrol(app, flow):
    """alice, required to use MFA, sets up an app; returns (secret, client params)."""
    _require_mfa(app)
    page = app.get(flow.login(flow.authorize()).location)
    secret = _secret_on(page)
    response = _post_step(app, page, rfc6238(secret, time.time()))
    return secret, flow.follow_to_client(response)


def test_enrolment_shows_a_server_side_qr_code_and_the_key_once(app, flow, caplog):
    _require_mfa(app)
    page = app.get(flow.login(flow.authorize()).location)
    assert "<svg" in page.text and "<img" not in page.text.split("<main", 1)[1]
    secret = _secret_on(page)
    assert len(secret) >= 32
    # the QR code encodes the provisioning URI of that secret (segno draws paths: check the key text instead)
    assert "Set up your authenticator app" in page.text
    # a reload shows the same key (kept in the partial sign-in), not a second one
    assert _secret_on(app.get(page.request.url)) == secret
    response = _post_step(app, page, rfc6238(secret, time.time()))
    params = flow.follow_to_client(response)
    tokens = flow.exchange(params["code"]).json
    claims = _claims(app, tokens["id_token"])
    assert claims["amr"] == ["pwd", "otp", "mfa"] and claims["acr"] == MFA
    assert secret not in caplog.text  # never logged
    # never shown again: the next sign-in asks for a code, with no key on the page
    app.get("/account/logout")
    app.reset()
    page = app.get(flow.login(flow.authorize()).location)
    assert secret not in page.text and secret[:4] + " " not in page.text and "<svg" not in page.text
    with transaction_root(app.app) as root:
        assert root.signins is not None


def test_enrolment_refuses_a_wrong_first_code(app, flow):
    _require_mfa(app)
    page = app.get(flow.login(flow.authorize()).location)
    secret = _secret_on(page)
    wrong = f"{(int(rfc6238(secret, time.time())) + 1) % 1_000_000:06d}"
    response = _post_step(app, page, wrong)
    assert response.status_int == 200 and "That code is not right." in html.unescape(response.text)
    assert not app.cookies.get("ostiary_session")
    assert _secret_on(response) == secret  # the same key, to try again


def test_sign_in_with_the_app_and_replay_is_refused(app, flow):
    secret, _ = _enrol(app, flow)
    app.reset()
    # the enrolment code's step is used up: wait for nothing, use the next step's code (drift window 1)
    page = app.get(flow.login(flow.authorize()).location)
    assert "Authenticator app" in page.text
    code = rfc6238(secret, time.time(), offset=1)
    response = _post_step(app, page, code)
    params = flow.follow_to_client(response)
    claims = _claims(app, flow.exchange(params["code"]).json["id_token"])
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    # the same code again, in another browser, within its window: refused
    app.reset()
    page = app.get(flow.login(flow.authorize()).location)
    response = _post_step(app, page, code)
    assert response.status_int == 200 and "That code is not right." in html.unescape(response.text)
    assert not app.cookies.get("ostiary_session")


def test_codes_outside_the_drift_window_are_refused(app, flow):
    secret, _ = _enrol(app, flow)
    app.reset()
    page = app.get(flow.login(flow.authorize()).location)
    response = _post_step(app, page, rfc6238(secret, time.time(), offset=3))
    assert "That code is not right." in html.unescape(response.text)


def test_spaces_in_a_code_are_fine(app, flow):
    secret, _ = _enrol(app, flow)
    app.reset()
    page = app.get(flow.login(flow.authorize()).location)
    code = rfc6238(secret, time.time(), offset=1)
    response = _post_step(app, page, code[:3] + " " + code[3:])
    assert flow.follow_to_client(response)["code"]


def test_a_person_with_an_app_is_asked_even_without_a_client_policy(app, flow):
    secret, _ = _enrol(app, flow)
    with transaction_root(app.app) as root:
        root.clients.get("demo-rp").require_mfa = False
    app.reset()
    response = flow.login(flow.authorize())
    assert "/account/login/step" in response.location


def test_the_step_page_is_german_too(app, flow):
    _enrol(app, flow)
    app.reset()
    page = app.get(flow.login(flow.authorize(ui_locales="de")).location, headers={"Accept-Language": "de"})
    assert "Authentifizierungs-App" in page.text


@pytest.mark.parametrize(
    "name",
    [
        "totp/step",
        "totp/step-wrong-code",
        "totp/enrol",
        "totp/enrol-wrong-code",
        "totp/console-off",
        "totp/console-on-refused",
    ],
)
def test_the_gallery_shows_every_state(ostiary_settings, name):
    from webtest import TestApp

    from ostiary import main

    ostiary_settings["ostiary.development"] = "true"
    app = TestApp(main({}, **ostiary_settings))
    for lang in ("en", "de"):
        assert app.get(f"/_gallery/{name}", params={"lang": lang}).status_int == 200
