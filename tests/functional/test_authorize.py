"""The authorization endpoint: validation, prompt, max_age, response modes."""

import time

import pytest

from ostiary.testing import REDIRECT_URI, TEST_ISSUER, transaction_root


def _query(location):
    from urllib.parse import parse_qs, urlsplit

    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_unknown_client_gets_the_error_page_not_a_redirect(app, flow):
    response = app.get("/connect/authorize", params=flow.params(client_id="nobody"))
    assert response.status_int == 303
    assert response.location.startswith("http://localhost/error?errorId=")
    page = app.get(response.location, status=400)
    assert "invalid_client" in page.text
    assert REDIRECT_URI not in page.text


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:9999/cb/",
        "http://127.0.0.1:9999/cb?x=1",
        "http://evil.example/cb",
        "HTTP://127.0.0.1:9999/cb",
        "http://127.0.0.1:9999/CB",
        None,
    ],
)
def test_redirect_uri_must_match_exactly(app, flow, redirect_uri):
    response = app.get("/connect/authorize", params=flow.params(redirect_uri=redirect_uri))
    assert response.status_int == 303
    assert "/error?errorId=" in response.location


def test_unsupported_response_type_goes_back_to_the_validated_redirect(app, flow):
    response = app.get("/connect/authorize", params=flow.params(response_type="token"))
    params = _query(response.location)
    assert response.location.startswith(REDIRECT_URI)
    assert params["error"] == "unsupported_response_type"
    assert params["iss"] == TEST_ISSUER


def test_missing_pkce_is_refused(app, flow):
    response = app.get("/connect/authorize", params=flow.params(code_challenge=None, code_challenge_method=None))
    assert _query(response.location)["error"] == "invalid_request"


def test_plain_pkce_is_refused(app, flow):
    response = app.get("/connect/authorize", params=flow.params(code_challenge_method="plain"))
    assert _query(response.location)["error"] == "invalid_request"


def test_scope_not_allowed_for_the_client_is_invalid_scope(app, flow):
    response = app.get("/connect/authorize", params=flow.params(scope="openid admin"))
    params = _query(response.location)
    assert params["error"] == "invalid_scope"
    assert params["state"].startswith("state-")


def test_no_session_sends_the_browser_to_login_with_a_return_url(app, flow):
    response = flow.authorize()
    assert response.status_int == 303
    assert response.location.startswith("http://localhost/account/login?returnUrl=%2Fconnect%2Fauthorize%2Fcallback")


def test_prompt_none_without_session_returns_login_required(app, flow):
    params = _query(flow.authorize(prompt="none").location)
    assert params["error"] == "login_required"
    assert params["iss"] == TEST_ISSUER


def test_prompt_none_combined_with_other_values_is_invalid(app, flow):
    params = _query(flow.authorize(prompt="none login").location)
    assert params["error"] == "invalid_request"


def test_prompt_none_with_session_but_no_consent_returns_consent_required(app, flow):
    flow.login(flow.authorize())
    params = _query(flow.authorize(prompt="none").location)
    assert params["error"] == "consent_required"


def test_remembered_consent_lets_prompt_none_succeed(app, flow):
    flow.code()
    params = _query(flow.authorize(prompt="none").location)
    assert "code" in params


def test_prompt_login_forces_a_fresh_sign_in(app, flow):
    flow.code()
    response = flow.authorize(prompt="login")
    assert "/account/login" in response.location
    # After signing in again, the flow completes without looping back to login.
    assert "code" in flow.follow_to_client(response)


def test_prompt_consent_asks_again_despite_remembered_consent(app, flow):
    flow.code()
    response = flow.authorize(prompt="consent")
    assert "/consent?returnUrl=" in response.location
    assert "code" in flow.follow_to_client(response)


def test_max_age_exceeded_forces_login(app, flow, ostiary_app):
    flow.code()
    with transaction_root(ostiary_app) as root:
        for session in root.sessions.by_cookie.values():
            session.auth_time -= 120
    response = flow.authorize(max_age="60")
    assert "/account/login" in response.location
    assert "code" in flow.follow_to_client(response)


def test_the_return_url_keeps_prompt_login_and_max_age_as_suppressed(app, flow):
    """The return URL drops what forced the sign-in (no loop after it) but
    keeps it as suppressed_*, so that an external login can pass it on."""
    return_url = _query(flow.authorize(prompt="login consent", max_age="60").location)["returnUrl"]
    resumed = _query(return_url)
    assert resumed["prompt"] == "consent" and "max_age" not in resumed
    assert (resumed["suppressed_prompt"], resumed["suppressed_max_age"]) == ("login", "60")


def test_max_age_not_exceeded_does_not(app, flow):
    flow.code()
    assert "code" in _query(flow.authorize(max_age="3600").location)


def test_bad_max_age_is_invalid_request(app, flow):
    flow.code()
    assert _query(flow.authorize(max_age="soon").location)["error"] == "invalid_request"


def test_login_hint_prefills_the_username(app, flow):
    page = app.get(flow.authorize(login_hint="alice@example.org").location)
    assert 'value="alice@example.org"' in page.text


def test_form_post_response_mode_renders_an_auto_submitting_form(app, flow):
    flow.code()
    response = flow.authorize(response_mode="form_post")
    assert response.status_int == 200
    form = response.forms[0]
    assert form.action == REDIRECT_URI
    assert form.method.upper() == "POST"
    assert set(form.fields) >= {"code", "state", "iss"}
    assert "form-action 'self' " + REDIRECT_URI in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_response_mode_is_invalid_request(app, flow):
    flow.code()
    assert _query(flow.authorize(response_mode="fragment").location)["error"] == "invalid_request"


def test_authorization_response_carries_state_and_iss(app, flow):
    params = flow.code(state="my-state")
    assert params["state"] == "my-state"
    assert params["iss"] == TEST_ISSUER


def test_post_to_authorize_is_accepted(app, flow):
    flow.code()
    response = app.post("/connect/authorize", flow.params())
    assert "code" in _query(response.location)


def test_disabled_user_session_must_sign_in_again(app, flow, ostiary_app):
    flow.code()
    with transaction_root(ostiary_app) as root:
        root.users.by_login("alice").active = False
    response = flow.authorize()
    assert "/account/login" in response.location


def test_code_expires(app, flow, ostiary_app):
    code = flow.code()["code"]
    with transaction_root(ostiary_app) as root:
        for item in root.grants.codes.values():
            item.expires_at = int(time.time()) - 1
    assert flow.exchange(code).json["error"] == "invalid_grant"


def test_a_request_object_is_answered_request_not_supported(app, flow):
    response = app.get("/connect/authorize", params=flow.params(request="eyJhbGciOiJub25lIn0.e30."))
    params = _query(response.location)
    assert response.location.startswith(REDIRECT_URI)
    assert params["error"] == "request_not_supported"
    assert "state" in params and params["iss"] == TEST_ISSUER


def test_a_request_uri_is_answered_request_uri_not_supported(app, flow):
    response = app.get("/connect/authorize", params=flow.params(request_uri="https://rp.example/request.jwt"))
    assert response.location.startswith(REDIRECT_URI)
    assert _query(response.location)["error"] == "request_uri_not_supported"


def test_a_repeated_parameter_at_authorize_is_invalid_request(app, flow):
    # authlib refuses a repeated client_id, redirect_uri, scope, ... itself.
    params = list(flow.params().items()) + [("nonce", "another-nonce")]
    response = app.get("/connect/authorize", params=params)
    query = _query(response.location)
    assert response.location.startswith(REDIRECT_URI)
    assert query["error"] == "invalid_request" and "'nonce'" in query["error_description"]


def test_prompt_create_without_registration_is_refused_and_not_advertised(app, flow):
    """Initiating User Registration 4.1: a prompt value the OP does not
    list in prompt_values_supported is refused with invalid_request."""
    assert "create" not in app.get("/.well-known/openid-configuration").json["prompt_values_supported"]
    sent = flow.authorize(prompt="create", state="s2")
    assert sent.location.startswith(flow.redirect_uri)
    assert "error=invalid_request" in sent.location and "state=s2" in sent.location
