"""Sign-in as steps (issue 13): a further factor after the password, through
the real pages, with a test method whose codes the test knows."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from ostiary.plugin import AuthenticationMethod, StepResult, hookimpl, render_page
from ostiary.testing import client_post, form_value, load_data, transaction_root

MFA = "urn:ostiary:acr:mfa"
SFA = "urn:ostiary:acr:sfa"


class CodeMethod(AuthenticationMethod):
    """A further factor for tests: each enrolled person has one fixed code
    (kept on the plugin object, which lives as long as the test's app)."""

    name = "testcode"
    title = "Test code"
    amr = ("otp",)
    can_enrol = True

    def __init__(self):
        self.codes: dict[str, str] = {}

    def enrolled(self, request, user):
        return user.subject in self.codes

    def render(self, request, step):
        values = {**step.page, "fields": [{"name": "code", "label": "Code", "autocomplete": "one-time-code"}]}
        if step.enrolling:
            step.state.setdefault("offered", "777777")
            values["intro"] = "Your new code is " + step.state["offered"]
        return render_page(request, "login_step.pt", values)

    def check(self, request, step):
        code = request.POST.get("code", "")
        if not code:
            return StepResult.failed("Enter the code.", guessed=False)
        expected = step.state.get("offered") if step.enrolling else self.codes.get(step.user.subject)
        if code != expected:
            return StepResult.failed("Wrong code.")
        if step.enrolling:
            self.codes[step.user.subject] = code
        return StepResult.passed()


class CodePlugin:
    def __init__(self):
        self.method = CodeMethod()
        self.check_codes = False  # the flaw of issue 13: a code checked in ostiary_check_login

    @hookimpl
    def ostiary_authentication_methods(self, request):
        return [self.method]

    @hookimpl
    def ostiary_login_fields(self, context):
        return [{"name": "otp", "label": "One-time code", "type": "text"}] if self.check_codes else []

    @hookimpl
    def ostiary_check_login(self, params):
        if self.check_codes and params.get("otp") != "123456":
            return "Wrong code."
        return None


@pytest.fixture
def plugin():
    return CodePlugin()


@pytest.fixture
def ostiary_plugins(plugin):
    return [("testcode", plugin)]


@pytest.fixture
def enrolled(app, plugin):
    """alice has the test code 123456 set up."""
    with transaction_root(app.app) as root:
        subject = root.users.by_login("alice").subject
    plugin.method.codes[subject] = "123456"
    return subject


def _password(app, flow, **params):
    """The login page after authorize, password posted; the response."""
    return flow.login(flow.authorize(**params))


def _submit(app, page, code, action="check", **environ):
    form = {
        "csrf_token": form_value(page.text, "csrf_token"),
        "returnUrl": form_value(page.text, "returnUrl"),
        "method": form_value(page.text, "method"),
        "code": code,
        "action": action,
    }
    return app.post("/account/login/step", form, extra_environ=environ)


def _to_client(flow, response) -> dict:
    return flow.follow_to_client(response)


def _claims(app, token):
    keys = KeySet.import_key_set(app.get("/.well-known/jwks.json").json)
    return jwt.decode(token, keys).claims


def _has_session(app) -> bool:
    return bool(app.cookies.get("ostiary_session"))


# -- the password alone, as before -------------------------------------------------


def test_a_person_without_a_factor_signs_in_with_the_password_alone(app, flow):
    response = _password(app, flow)
    assert "/connect/authorize/callback" in response.location
    tokens = flow.exchange(_to_client(flow, response)["code"]).json
    claims = _claims(app, tokens["id_token"])
    assert claims["amr"] == ["pwd"] and claims["acr"] == SFA


def test_discovery_advertises_the_acr_values(app):
    assert app.get("/.well-known/openid-configuration").json["acr_values_supported"] == [SFA, MFA]


# -- an enrolled factor is always asked --------------------------------------------


def test_an_enrolled_factor_is_asked_and_no_session_exists_before_it(app, flow, enrolled):
    response = _password(app, flow)
    assert response.location.startswith("http://localhost/account/login/step?")
    assert not _has_session(app)
    page = app.get(response.location)
    assert "Confirm it is you" in page.text and "Test code" in page.text
    response = _submit(app, page, "123456")
    assert _has_session(app)
    tokens = flow.exchange(_to_client(flow, response)["code"]).json
    id_claims = _claims(app, tokens["id_token"])
    assert id_claims["amr"] == ["pwd", "otp", "mfa"] and id_claims["acr"] == MFA
    assert abs(id_claims["auth_time"] - time.time()) < 30
    access = _claims(app, tokens["access_token"])
    assert access["amr"] == ["pwd", "otp", "mfa"] and access["acr"] == MFA
    assert access["auth_time"] == id_claims["auth_time"]
    body = client_post(app, "/connect/introspect", {"token": tokens["access_token"]}).json
    assert body["amr"] == ["pwd", "otp", "mfa"] and body["acr"] == MFA and body["auth_time"] == id_claims["auth_time"]


def test_refresh_token_introspection_and_refreshed_tokens_keep_amr_and_acr(app, flow, enrolled):
    page = app.get(_password(app, flow, scope="openid offline_access").location)
    params = _to_client(flow, _submit(app, page, "123456"))
    tokens = flow.exchange(params["code"]).json
    body = client_post(
        app, "/connect/introspect", {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"}
    ).json
    assert body["amr"] == ["pwd", "otp", "mfa"] and body["acr"] == MFA
    app.authorization = ("Basic", ("demo-rp", "demo-secret"))
    refreshed = app.post("/connect/token", {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    app.authorization = None
    assert _claims(app, refreshed.json["access_token"])["acr"] == MFA


def test_a_wrong_code_is_refused_and_counts(app, flow, enrolled):
    page = app.get(_password(app, flow).location)
    response = _submit(app, page, "000000")
    assert response.status_int == 200 and "Wrong code." in response.text
    assert not _has_session(app)
    with transaction_root(app.app) as root:
        assert any(not key.startswith("account:") for key in root.login_throttle.entries.keys())
        assert root.login_throttle.entries.get("account:" + enrolled) is not None
    # the right code still passes afterwards
    response = _submit(app, response, "123456")
    assert _has_session(app) and "/connect/authorize/callback" in response.location


def test_an_empty_code_is_not_a_guess(app, flow, enrolled):
    page = app.get(_password(app, flow).location)
    response = _submit(app, page, "")
    assert "Enter the code." in response.text
    with transaction_root(app.app) as root:
        assert root.login_throttle.entries.get("account:" + enrolled) is None


def test_failed_codes_lock_the_account_whatever_the_address(app, flow, enrolled):
    """Five wrong codes from five addresses lock alice: the right password
    afterwards does not reset it, so codes cannot be guessed for ever."""
    for attempt in range(5):
        page = app.get(_password(app, flow).location)
        response = _submit(app, page, "000000", REMOTE_ADDR=f"192.0.2.{attempt + 1}")
        assert "Wrong code." in response.text
    # the password step itself is refused now, from any address, with the usual answer
    page = app.get(flow.authorize().location)
    response = app.post(
        "/account/login",
        {
            "csrf_token": form_value(page.text, "csrf_token"),
            "returnUrl": form_value(page.text, "returnUrl"),
            "username": "alice",
            "password": "alice-password",
            "action": "login",
        },
        extra_environ={"REMOTE_ADDR": "192.0.2.100"},
    )
    assert response.status_int == 200 and "Invalid username or password." in response.text


def test_a_blocked_address_is_refused_at_the_step(app, flow, enrolled):
    """Three wrong codes block the address: the right code is then refused
    unchecked, with the same answer."""
    page = app.get(_password(app, flow).location)
    for _ in range(3):
        page = _submit(app, page, "000000")
    response = _submit(app, page, "123456")
    assert response.status_int == 200 and not _has_session(app)
    assert "That did not work." in response.text


def test_cancel_ends_with_access_denied(app, flow, enrolled):
    page = app.get(_password(app, flow).location)
    response = _submit(app, page, "", action="cancel")
    params = _to_client(flow, response)
    assert params["error"] == "access_denied"
    assert not _has_session(app)
    # the partial sign-in is gone: the step page now ends the request
    assert app.get("/account/login/step").status_int == 303


def test_an_expired_partial_sign_in_ends_with_login_required(app, flow, enrolled):
    page = app.get(_password(app, flow).location)
    with transaction_root(app.app) as root:
        for record in root.signins.by_cookie.values():
            record.expires_at = 0
    response = _submit(app, page, "123456")
    assert not _has_session(app)
    assert _to_client(flow, response)["error"] == "login_required"


def test_a_partial_sign_in_is_used_once(app, flow, enrolled):
    page = app.get(_password(app, flow).location)
    cookie = app.cookies["ostiary_session_signin"]
    _submit(app, page, "123456")
    assert _has_session(app)
    app.set_cookie("ostiary_session_signin", cookie)
    app.reset()  # another browser holding the old cookie: no session, the record is used up
    app.set_cookie("ostiary_session_signin", cookie)
    response = app.get("/account/login/step")
    assert response.status_int == 303 and response.location.endswith("/account/login")


def test_the_partial_sign_in_is_bound_to_its_browser(app, flow, enrolled):
    page = app.get(_password(app, flow).location)
    app.reset()  # another browser, without the cookie, opens the step URL
    response = app.get(page.request.url)
    assert response.status_int == 303 and not _has_session(app)
    assert _to_client(flow, response)["error"] == "login_required"


# -- policy: the client, the server, acr_values ---------------------------------------


def _require_mfa(app):
    with transaction_root(app.app) as root:
        root.clients.get("demo-rp").require_mfa = True


def test_a_client_with_require_mfa_takes_a_person_without_a_factor_through_enrolment(app, flow, plugin):
    _require_mfa(app)
    response = _password(app, flow)
    assert "/account/login/step" in response.location and not _has_session(app)
    page = app.get(response.location)
    assert "Set up a further sign-in step" in page.text and "Your new code is 777777" in page.text
    response = _submit(app, page, "777777")
    assert plugin.method.codes  # enrolled now
    tokens = flow.exchange(_to_client(flow, response)["code"]).json
    assert _claims(app, tokens["id_token"])["acr"] == MFA


def test_require_mfa_loads_from_the_setup_data(app):
    load_data(
        app.app,
        {
            "clients": [
                {
                    "client_id": "strict",
                    "secret": "s",
                    "redirect_uris": ["http://127.0.0.1:9999/cb"],
                    "require_mfa": True,
                }
            ]
        },
    )
    with transaction_root(app.app) as root:
        assert root.clients.get("strict").require_mfa is True


def test_no_factor_that_can_be_set_up_is_access_denied(app, flow, plugin):
    plugin.method.can_enrol = False  # no method the person could set up
    _require_mfa(app)
    response = app.get(_password(app, flow).location)
    assert _to_client(flow, response)["error"] == "access_denied"
    assert not _has_session(app)


def test_acr_values_asking_for_mfa_steps_a_session_up(app, flow, enrolled, plugin):
    """A password-only session (alice signed in before setting the code up)
    asked for the multi-factor acr: only the code is asked, and the session
    keeps its sid."""
    codes = dict(plugin.method.codes)
    plugin.method.codes.clear()
    first = flow.exchange(_to_client(flow, _password(app, flow))["code"]).json
    sid = _claims(app, first["id_token"])["sid"]
    plugin.method.codes.update(codes)
    response = flow.authorize(acr_values=MFA)
    assert "/account/login/step-up" in response.location
    step = app.get(response.location)
    page = app.get(step.location)
    assert 'name="password"' not in page.text and "Test code" in page.text
    params = _to_client(flow, _submit(app, page, "123456"))
    claims = _claims(app, flow.exchange(params["code"]).json["id_token"])
    assert claims["sid"] == sid and claims["acr"] == MFA and claims["amr"] == ["pwd", "otp", "mfa"]


def test_prompt_none_with_a_step_up_due_is_login_required(app, flow, enrolled, plugin):
    codes = dict(plugin.method.codes)
    plugin.method.codes.clear()
    _to_client(flow, _password(app, flow))
    plugin.method.codes.update(codes)
    location = flow.authorize(acr_values=MFA, prompt="none").location
    assert parse_qs(urlsplit(location).query)["error"] == ["login_required"]


def test_a_multi_factor_session_serves_acr_values_without_asking(app, flow, enrolled):
    page = app.get(_password(app, flow).location)
    _to_client(flow, _submit(app, page, "123456"))
    response = flow.authorize(acr_values=MFA)
    assert response.location.startswith("http://127.0.0.1:9999/cb")


def test_max_age_re_asks_every_factor(app, flow, enrolled):
    page = app.get(_password(app, flow).location)
    _to_client(flow, _submit(app, page, "123456"))
    with transaction_root(app.app) as root:
        for session in root.sessions.by_cookie.values():
            session.auth_time -= 100
    response = flow.authorize(max_age="10")
    assert "/account/login?" in response.location
    response = flow.login(response)
    assert "/account/login/step" in response.location  # the code again, not just the password
    params = _to_client(flow, _submit(app, app.get(response.location), "123456"))
    claims = _claims(app, flow.exchange(params["code"]).json["id_token"])
    assert claims["amr"] == ["pwd", "otp", "mfa"] and time.time() - claims["auth_time"] < 30


def test_prompt_login_re_asks_every_factor(app, flow, enrolled):
    page = app.get(_password(app, flow).location)
    _to_client(flow, _submit(app, page, "123456"))
    response = flow.login(flow.authorize(prompt="login"))
    assert "/account/login/step" in response.location


# -- the flaw of ostiary_check_login ----------------------------------------------------


def test_codes_checked_in_check_login_lock_the_account(app, flow, plugin):
    """Issue 13: 20 wrong codes with the right password never locked alice.
    Now each refusal counts against the account, from any address."""
    plugin.check_codes = True
    for attempt in range(5):
        page = app.get(flow.authorize().location)
        form = page.forms[0]
        form["username"], form["password"], form["otp"] = "alice", "alice-password", "000000"
        response = form.submit("action", value="login", extra_environ={"REMOTE_ADDR": f"198.51.100.{attempt}"})
        assert "Wrong code." in response.text
    page = app.get(flow.authorize().location)
    form = page.forms[0]
    form["username"], form["password"], form["otp"] = "alice", "alice-password", "123456"
    response = form.submit("action", value="login", extra_environ={"REMOTE_ADDR": "198.51.100.77"})
    assert response.status_int == 200 and not _has_session(app)
