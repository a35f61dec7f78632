"""Single sign-out: front-channel iframes and back-channel logout tokens."""

from urllib.parse import parse_qs

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from signed_out_kit import frame_urls

from ostiary.testing import TEST_ISSUER, LogoutReceiver, form_value, load_data, transaction_root

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


@pytest.fixture
def receiver(logout_receiver):
    return logout_receiver


def _configure(app, **fields):
    with transaction_root(app) as root:
        root.clients.get("demo-rp").update(**fields)


def _frame_src(page) -> str:
    """The front-channel logout URL the signed-out page embeds: an <object>
    in a sandboxed srcdoc iframe (signed_out.pt says why)."""
    return frame_urls(page.html)[0]


def _sign_out(app, id_token):
    response = app.get("/connect/endsession", params={"id_token_hint": id_token})
    return app.get(response.location)


def test_signed_out_page_loads_each_clients_frontchannel_uri(app, flow, ostiary_app):
    _configure(ostiary_app, frontchannel_logout_uri="http://127.0.0.1:9999/fc")
    tokens = flow.exchange(flow.code()["code"]).json
    sid = jwt.decode(tokens["id_token"], KeySet.import_key_set(app.get("/.well-known/jwks.json").json)).claims["sid"]
    page = _sign_out(app, tokens["id_token"])
    src = _frame_src(page)
    assert src.startswith("http://127.0.0.1:9999/fc?")
    assert parse_qs(src.split("?", 1)[1]) == {"iss": [TEST_ISSUER], "sid": [sid]}
    policy = page.headers["Content-Security-Policy"]
    assert "frame-src http://127.0.0.1:9999;" in policy and "object-src http://127.0.0.1:9999;" in policy


def test_frontchannel_without_session_parameters_when_not_required(app, flow, ostiary_app):
    _configure(
        ostiary_app, frontchannel_logout_uri="http://127.0.0.1:9999/fc", frontchannel_logout_session_required=False
    )
    page = _sign_out(app, flow.exchange(flow.code()["code"]).json["id_token"])
    assert _frame_src(page) == "http://127.0.0.1:9999/fc"


def test_backchannel_logout_token_is_posted_and_valid(app, flow, ostiary_app, receiver):
    _configure(ostiary_app, backchannel_logout_uri=receiver.url)
    tokens = flow.exchange(flow.code()["code"]).json
    keys = KeySet.import_key_set(app.get("/.well-known/jwks.json").json)
    id_claims = jwt.decode(tokens["id_token"], keys).claims
    _sign_out(app, tokens["id_token"])
    ((content_type, body),) = receiver.wait()
    assert content_type == "application/x-www-form-urlencoded"
    decoded = jwt.decode(body["logout_token"][0], keys)
    assert decoded.header["typ"] == "logout+jwt"
    claims = decoded.claims
    assert claims["iss"] == TEST_ISSUER and claims["aud"] == "demo-rp"
    assert claims["sid"] == id_claims["sid"] and claims["sub"] == id_claims["sub"]
    assert claims["events"] == {BACKCHANNEL_EVENT: {}}
    assert "nonce" not in claims and {"iat", "jti"} <= set(claims)


def test_a_failing_backchannel_client_does_not_stop_the_logout(app, flow, ostiary_app, caplog):
    failing = LogoutReceiver(status=500)
    try:
        _configure(ostiary_app, backchannel_logout_uri=failing.url)
        page = _sign_out(app, flow.exchange(flow.code()["code"]).json["id_token"])
        assert "You are signed out" in page.text
        assert len(failing.wait(count=2)) == 2  # one retry, then it gives up
    finally:
        failing.close()
    assert "You are signed in" not in app.get("/").text


def test_unreachable_backchannel_client_is_logged_not_fatal(app, flow, ostiary_app):
    _configure(ostiary_app, backchannel_logout_uri="http://127.0.0.1:9/unreachable")
    page = _sign_out(app, flow.exchange(flow.code()["code"]).json["id_token"])
    assert "You are signed out" in page.text


def test_logout_revokes_session_refresh_tokens_when_the_client_asks(app, flow, ostiary_app):
    _configure(ostiary_app, logout_revokes_refresh_tokens=True)
    tokens = flow.exchange(flow.code(scope="openid offline_access")["code"]).json
    _sign_out(app, tokens["id_token"])
    app.authorization = ("Basic", ("demo-rp", "demo-secret"))
    refreshed = app.post(
        "/connect/token", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, expect_errors=True
    )
    assert refreshed.json["error"] == "invalid_grant"


def test_refresh_tokens_survive_logout_by_default(app, flow):
    tokens = flow.exchange(flow.code(scope="openid offline_access")["code"]).json
    _sign_out(app, tokens["id_token"])
    app.authorization = ("Basic", ("demo-rp", "demo-secret"))
    refreshed = app.post("/connect/token", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert "access_token" in refreshed.json


def test_every_client_of_the_session_is_notified(app, flow, ostiary_app, receiver):
    load_data(
        ostiary_app,
        {
            "clients": [
                {
                    "client_id": "second",
                    "secret": "second-secret",
                    "redirect_uris": ["http://127.0.0.1:9999/cb"],
                    "scopes": ["openid"],
                    "require_consent": False,
                    "backchannel_logout_uri": receiver.url + "/2",
                    "frontchannel_logout_uri": "http://127.0.0.1:9998/fc",
                }
            ]
        },
    )
    _configure(ostiary_app, backchannel_logout_uri=receiver.url + "/1")
    from ostiary.testing import CodeFlow

    tokens = flow.exchange(flow.code()["code"]).json
    CodeFlow(app, client_id="second").code(scope="openid")
    page = _sign_out(app, tokens["id_token"])
    assert len(receiver.wait(count=2)) == 2
    assert {json_aud(item) for item in receiver.received} == {"demo-rp", "second"}
    assert "http://127.0.0.1:9998/fc" in page.text


def json_aud(item):
    import base64
    import json

    payload = item[1]["logout_token"][0].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["aud"]


def test_discovery_advertises_logout_support(app):
    doc = app.get("/.well-known/openid-configuration").json
    assert doc["end_session_endpoint"] == TEST_ISSUER + "/connect/endsession"
    for name in (
        "frontchannel_logout_supported",
        "frontchannel_logout_session_supported",
        "backchannel_logout_supported",
        "backchannel_logout_session_supported",
    ):
        assert doc[name] is True


def test_confirmation_page_signs_out_on_post(app, flow, ostiary_app, receiver):
    _configure(ostiary_app, backchannel_logout_uri=receiver.url)
    flow.code()
    page = app.get(app.get("/connect/endsession").location)
    assert receiver.received == []
    app.post(
        "/account/logout",
        {"csrf_token": form_value(page.text, "csrf_token"), "logoutId": form_value(page.text, "logoutId")},
    )
    assert len(receiver.wait()) == 1


def test_with_frames_the_signed_out_page_returns_to_the_client_once_they_loaded(app, flow, ostiary_app):
    """No 303: the frames must load first; the page's own nonce'd script
    leaves afterwards, and the link stays for browsers without script."""
    import re

    _configure(ostiary_app, frontchannel_logout_uri="http://127.0.0.1:9999/fc")
    tokens = flow.exchange(flow.code()["code"]).json
    response = app.get(
        "/connect/endsession",
        params={
            "id_token_hint": tokens["id_token"],
            "state": "s1",
            "post_logout_redirect_uri": "http://127.0.0.1:9999/logged-out",
        },
    )
    page = app.get(response.location)
    assert page.status_int == 200 and _frame_src(page).startswith("http://127.0.0.1:9999/fc?")
    assert 'href="http://127.0.0.1:9999/logged-out?state=s1"' in page.text
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    script = re.search(r'<script nonce="([^"]+)">(.*?)</script>', page.text, re.S)
    assert script.group(1) == nonce
    assert "location.replace" in script.group(2)


def test_without_a_post_logout_uri_the_signed_out_page_stays(app, flow, ostiary_app):
    _configure(ostiary_app, frontchannel_logout_uri="http://127.0.0.1:9999/fc")
    page = _sign_out(app, flow.exchange(flow.code()["code"]).json["id_token"])
    assert "You are signed out" in page.text
    assert "<script nonce=" not in page.text  # no redirect script (the receipts' script stays)
