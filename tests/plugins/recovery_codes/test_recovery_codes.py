"""Recovery codes (issue 13): generated at the first factor's enrolment,
shown once, stored hashed, single use, an audit event and a mail on use."""

from __future__ import annotations

import html
import re
import time

from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.testing import form_value, transaction_root
from tests.plugins.totp.test_totp import rfc6238


def _post(app, page, action="check", **fields):
    form = {
        "csrf_token": form_value(page.text, "csrf_token"),
        "returnUrl": form_value(page.text, "returnUrl"),
        "action": action,
        **fields,
    }
    return app.post(page.forms[0].action, form)


def _codes_on(page) -> list[str]:
    return re.findall(r"<li><code>([a-z2-9-]{19})</code></li>", page.text)


def _enrol(app, flow):
    """alice sets up an app for a client that requires MFA; returns (secret, codes, client params)."""
    with transaction_root(app.app) as root:
        root.clients.get("demo-rp").require_mfa = True
    page = app.get(flow.login(flow.authorize()).location)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text).group(1).replace(" ", "")
    response = _post(app, page, code=rfc6238(secret, time.time()))
    assert not app.cookies.get("ostiary_session")  # the codes come before the session
    codes_page = app.get(response.location)
    codes = _codes_on(codes_page)
    params = flow.follow_to_client(_post(app, codes_page))
    return secret, codes, params


def _recovery_page(app, flow):
    step = app.get(flow.login(flow.authorize()).location)
    link = re.search(r'href="([^"]*method=recovery_code[^"]*)"', step.text)
    assert link, "the recovery code is offered beside the app"
    return app.get(html.unescape(link.group(1)))


def test_codes_are_shown_once_at_the_first_enrolment_and_stored_hashed(app, flow):
    secret, codes, params = _enrol(app, flow)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert params["code"]
    with transaction_root(app.app) as root:
        stored = root._p_jar.root()["ostiary_recovery_codes"].by_subject
        digests = [d for code_set in stored.values() for d in code_set.digests]
    assert len(digests) == 10 and not any(code.replace("-", "") in digests for code in codes)


def test_a_recovery_code_signs_in_once_and_tells_the_person(app, flow, outbox, ostiary_app):
    _, codes, _ = _enrol(app, flow)
    app.reset()
    page = _recovery_page(app, flow)
    response = _post(app, page, code=codes[3].upper())  # case does not matter
    params = flow.follow_to_client(response)
    tokens = flow.exchange(params["code"]).json
    claims = jwt.decode(tokens["id_token"], KeySet.import_key_set(app.get("/.well-known/jwks.json").json)).claims
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert len(outbox) == 1
    message = outbox[0]
    assert message.recipients == ["alice@example.org"] and "recovery code was used" in message.subject
    assert "9 unused codes are left" in message.body.data
    # used up: the same code is refused the next time
    app.reset()
    page = _recovery_page(app, flow)
    response = _post(app, page, code=codes[3])
    assert response.status_int == 200 and "used already" in html.unescape(response.text)
    assert not app.cookies.get("ostiary_session")


def test_using_a_code_is_an_audit_event(app, flow, caplog):
    import logging

    caplog.set_level(logging.INFO)
    _, codes, _ = _enrol(app, flow)
    app.reset()
    _post(app, _recovery_page(app, flow), code=codes[0])
    assert any("recovery_code.used" in record.getMessage() for record in caplog.records)
    assert codes[0] not in caplog.text


def test_recovery_codes_alone_are_not_a_factor(app, flow):
    """Codes without another factor do not make a person ask for them."""
    _, codes, _ = _enrol(app, flow)
    with transaction_root(app.app) as root:
        root._p_jar.root()["ostiary_totp"].by_subject.clear()
        root.clients.get("demo-rp").require_mfa = False
    app.reset()
    response = flow.login(flow.authorize())
    assert "/connect/authorize/callback" in response.location


def test_new_codes_on_request_replace_the_old_ones(app, flow):
    from tests.functional.account_helpers import age_sign_in

    _, codes, _ = _enrol(app, flow)
    page = app.get("/account/recovery-codes")
    assert "10 unused recovery codes are left." in " ".join(re.sub(r"<[^>]+>", "", page.text).split())
    shown = app.post(
        "/account/recovery-codes", {"csrf_token": form_value(page.text, "csrf_token"), "action": "regenerate"}
    )
    fresh = _codes_on(shown)
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    # the old codes stop working, the new ones work
    app.reset()
    response = _post(app, _recovery_page(app, flow), code=codes[0])
    assert "used already" in html.unescape(response.text)
    app.reset()
    assert flow.follow_to_client(_post(app, _recovery_page(app, flow), code=fresh[0]))["code"]
    # a stale sign-in must sign in again first
    age_sign_in(app, seconds=3600)
    page = app.get("/account/recovery-codes")
    response = app.post(
        "/account/recovery-codes", {"csrf_token": form_value(page.text, "csrf_token"), "action": "regenerate"}
    )
    assert response.status_int == 303 and "/account/login" in response.location
