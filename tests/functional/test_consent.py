"""The consent page."""

from ostiary.testing import form_value, transaction_root


def _consent_page(app, flow, **extra):
    response = flow.login(flow.authorize(**extra))
    response = app.get(response.location)
    assert "/consent" in response.location
    return app.get(response.location)


def test_consent_lists_scopes_with_display_names(app, flow):
    page = _consent_page(app, flow, scope="openid profile api")
    assert "Demo application" in page.text
    assert "Your profile" in page.text and "Demo API" in page.text


def test_optional_scope_can_be_unchecked_and_tokens_carry_only_the_grant(app, flow):
    page = _consent_page(app, flow, scope="openid profile email")
    response = flow.consent(page, scopes=["openid", "email"])
    params = flow.follow_to_client(response)
    tokens = flow.exchange(params["code"]).json
    assert tokens["scope"] == "openid email"
    info = app.get("/connect/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}).json
    assert "name" not in info and info["email"] == "alice@example.org"


def test_required_scope_cannot_be_dropped(app, flow):
    page = _consent_page(app, flow, scope="openid profile")
    # Submitting without openid: the required scope is granted anyway.
    response = flow.consent(page, scopes=["profile"])
    params = flow.follow_to_client(response)
    assert flow.exchange(params["code"]).json["scope"] == "openid profile"


def test_deny_returns_access_denied(app, flow):
    page = _consent_page(app, flow)
    params = flow.follow_to_client(flow.consent(page, action="deny"))
    assert params["error"] == "access_denied"


def test_remember_false_asks_again_next_time(app, flow):
    page = _consent_page(app, flow)
    flow.follow_to_client(flow.consent(page, remember=False))
    assert "/consent" in flow.authorize().location


def test_remembered_consent_is_stored_per_user_and_client(app, flow, ostiary_app):
    flow.code()
    with transaction_root(ostiary_app) as root:
        user = root.users.by_login("alice")
        consent = root.grants.consent(user.subject, "demo-rp")
        assert consent is not None and "openid" in consent.scopes


def test_client_without_consent_requirement_skips_the_page(app, flow, ostiary_app):
    with transaction_root(ostiary_app) as root:
        root.clients.get("demo-rp").require_consent = False
    response = app.get(flow.login(flow.authorize()).location)
    assert response.location.startswith(flow.redirect_uri)


def test_consent_page_needs_a_session(app, flow):
    return_url = "/connect/authorize/callback?" + "&".join(f"{k}={v}" for k, v in flow.params().items())
    response = app.get("/consent", params={"returnUrl": return_url})
    assert "/account/login" in response.location


def test_unknown_action_is_an_invalid_selection(app, flow):
    page = _consent_page(app, flow)
    response = app.post(
        "/consent",
        {
            "csrf_token": form_value(page.text, "csrf_token"),
            "returnUrl": form_value(page.text, "returnUrl"),
            "action": "maybe",
        },
    )
    assert "Invalid selection." in response.text


def test_the_consent_page_checks_its_return_url_afresh_on_every_request(app, flow, ostiary_app):
    """The authorization context is worked out once per request (the view and
    the page it renders share it), never kept across requests: a redirect URI
    removed between two requests for the same page is refused at once."""
    flow.code()
    consent_url = flow.authorize(prompt="consent").location
    page = app.get(consent_url)
    assert page.status_int == 200 and 'name="scope"' in page.text
    with transaction_root(ostiary_app) as root:
        root.clients.get("demo-rp").redirect_uris = ("http://127.0.0.1:9999/elsewhere",)
    refused = app.get(consent_url)
    assert refused.status_int in (302, 303) and "/error" in refused.location
