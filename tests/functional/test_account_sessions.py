"""The account console's sessions and devices section: every SSO session
of the person, with where and how it signed in; end one or all others, each
with back-channel logout to its clients."""

from __future__ import annotations

import webtest
from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.testing import CodeFlow, form_value, transaction_root

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def browser(ostiary_app, address, agent) -> tuple[webtest.TestApp, CodeFlow]:
    """A second browser (its own cookies) on the same server."""
    other = webtest.TestApp(ostiary_app, extra_environ={"REMOTE_ADDR": address, "HTTP_USER_AGENT": agent})
    return other, CodeFlow(other)


def sid_of(app, tokens) -> str:
    keys = KeySet.import_key_set(app.get("/.well-known/jwks.json").json)
    return jwt.decode(tokens["id_token"], keys).claims["sid"]


def test_the_section_lists_every_session_with_device_address_method_and_applications(app, ostiary_app):
    laptop, laptop_flow = browser(ostiary_app, "192.0.2.10", FIREFOX)
    phone, phone_flow = browser(ostiary_app, "192.0.2.20", IPHONE)
    laptop_flow.exchange(laptop_flow.code()["code"])
    phone_flow.code()
    page = laptop.get("/account/sessions")
    assert page.status_int == 200
    items = page.html.select("li.session")
    assert len(items) == 2
    first, second = (item.get_text(" ", strip=True) for item in items)
    assert "Firefox 128 on Linux" in first and "(this browser)" in first and "192.0.2.10" in first
    assert "Signed in with password" in first and "Applications Demo application" in first
    assert "Mobile Safari" in second and "iOS" in second and "192.0.2.20" in second
    assert "this browser" not in second
    # the current session has no "sign out this session" form; the other has one
    assert len(page.html.select("li.session form")) == 1


def test_signing_out_another_session_tells_its_clients_by_back_channel(app, ostiary_app, logout_receiver):
    with transaction_root(ostiary_app) as root:
        root.clients.get("demo-rp").update(backchannel_logout_uri=logout_receiver.url)
    laptop, laptop_flow = browser(ostiary_app, "192.0.2.10", FIREFOX)
    phone, phone_flow = browser(ostiary_app, "192.0.2.20", IPHONE)
    laptop_flow.code()
    phone_sid = sid_of(phone, phone_flow.exchange(phone_flow.code()["code"]).json)
    page = laptop.get("/account/sessions")
    form = page.forms[0]
    assert form["sid"].value == phone_sid
    done = form.submit()
    assert done.status_int == 303 and "ended=1" in done.location
    (token,) = logout_receiver.wait_tokens()
    keys = KeySet.import_key_set(laptop.get("/.well-known/jwks.json").json)
    assert jwt.decode(token, keys).claims["sid"] == phone_sid
    # the phone is signed out, the laptop is not
    assert "login" in phone.get("/account/sessions").location
    assert len(laptop.get("/account/sessions").html.select("li.session")) == 1


def test_sign_out_all_other_sessions(app, ostiary_app):
    laptop, laptop_flow = browser(ostiary_app, "192.0.2.10", FIREFOX)
    for n in range(3):
        _, other_flow = browser(ostiary_app, f"192.0.2.{30 + n}", IPHONE)
        other_flow.code()
    laptop_flow.code()
    page = laptop.get("/account/sessions")
    assert len(page.html.select("li.session")) == 4
    done = page.forms[len(page.forms) - 1].submit()
    assert "ended=3" in done.location
    after = done.follow()
    assert len(after.html.select("li.session")) == 1 and "Sessions ended: 3" in after.text


def test_another_persons_session_cannot_be_ended(app, ostiary_app):
    laptop, laptop_flow = browser(ostiary_app, "192.0.2.10", FIREFOX)
    laptop_flow.code()
    browser(ostiary_app, "192.0.2.20", IPHONE)[1].code()  # a second session of alice: the page has forms
    with transaction_root(ostiary_app) as root:
        from ostiary.models.sessions import SSOSession

        stranger = SSOSession("someone-else", 3600)
        root.sessions.start(stranger)
        stranger_sid = stranger.sid
    token = form_value(laptop.get("/account/sessions").text, "csrf_token")
    refused = laptop.post("/account/sessions", {"csrf_token": token, "action": "end", "sid": stranger_sid}, status=400)
    assert "cannot be ended" in refused.text
    with transaction_root(ostiary_app) as root:
        assert root.sessions.by_session_id(stranger_sid) is not None


def test_ending_a_session_needs_the_csrf_token(app, ostiary_app):
    laptop, laptop_flow = browser(ostiary_app, "192.0.2.10", FIREFOX)
    laptop_flow.code()
    _, phone_flow = browser(ostiary_app, "192.0.2.20", IPHONE)
    phone_flow.code()
    sid = laptop.get("/account/sessions").forms[0]["sid"].value
    laptop.post("/account/sessions", {"action": "end", "sid": sid}, status=400)
    with transaction_root(ostiary_app) as root:
        assert root.sessions.by_session_id(sid) is not None


def test_signed_out_the_section_sends_to_sign_in(app):
    assert "/account/login" in app.get("/account/sessions").location
    assert "/account/login" in app.get("/account/history").location


def test_using_a_session_at_authorize_updates_its_last_use(app, ostiary_app, flow):
    flow.code()
    with transaction_root(ostiary_app) as root:
        (session,) = root.sessions.by_cookie.values()
        session.last_used_at -= 3600
        before = session.last_used_at
    assert "code=" in flow.authorize(prompt="none").location
    with transaction_root(ostiary_app) as root:
        (session,) = root.sessions.by_cookie.values()
        assert session.last_used_at >= before + 3600
        written = session.last_used_at
    flow.authorize(prompt="none")  # again within the minute: not written again
    with transaction_root(ostiary_app) as root:
        (session,) = root.sessions.by_cookie.values()
        assert session.last_used_at == written
