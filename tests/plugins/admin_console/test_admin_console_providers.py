"""The console's providers page through real requests: the list (the ini
file's read-only, the database's editable), create, edit with the version
of the form (a stale one is refused), the secret write-only, delete after a
confirmation and a fresh sign-in, and the refusals (CSRF, non-admin)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from ostiary.testing import TEST_ISSUER, form_fields, form_value, transaction_root

UPSTREAM = {
    "name": "partner",
    "display_name": "Partner",
    "kind": "oidc",
    "issuer": "https://partner.example",
    "client_id": "ostiary",
    "client_secret": "partner-secret",
    "token_endpoint_auth_method": "client_secret_basic",
    "scopes": "openid email",
    "claims": "department = dept\nemail = mail",
    "provisioning": "link",
    "link_by_verified_email": "yes",
}


@pytest.fixture
def ostiary_settings(ostiary_settings):
    """An ini provider (``corp``) beside whatever the database holds."""
    return {
        **ostiary_settings,
        "ostiary.providers": "corp",
        "ostiary.provider.corp.issuer": "https://id.example.org",
        "ostiary.provider.corp.client_id": "ostiary",
        "ostiary.provider.corp.client_secret": "corp-ini-secret",
        "ostiary.provider.corp.display_name": "Corporate",
    }


def _form(page, **fields):
    values = {"csrf_token": form_value(page.text, "csrf_token")}
    values.update(fields)
    return values


def _stored(app, name):
    with transaction_root(app.app) as root:
        raw = root.federation.providers.get(name)
        return dict(raw) if raw is not None else None


def _create(app, **changes):
    page = app.get("/admin/providers/new")
    fields = {**UPSTREAM, **changes}
    return app.post("/admin/providers/new", _form(page, **{k: v for k, v in fields.items() if v is not None}))


def test_the_list_shows_ini_and_database_providers_and_where_each_is_set(admin_app):
    _create(admin_app)
    page = admin_app.get("/admin/providers")
    assert "corp" in page.text and "partner" in page.text
    assert "ini file (read-only)" in page.text and ">database<" in page.text
    assert "https://id.example.org" in page.text and "https://partner.example" in page.text
    assert "corp-ini-secret" not in page.text and "partner-secret" not in page.text


def test_create_a_provider_the_secret_is_never_shown_again(admin_app):
    made = _create(admin_app)
    assert made.status_int == 303 and urlsplit(made.location).path == "/admin/providers/partner"
    page = made.follow()
    assert "Saved." in page.text and "partner-secret" not in page.text
    secret = page.html.find("input", id="provider-client_secret")
    assert secret["type"] == "password" and secret["value"] == ""
    assert "New client secret (empty: keep the stored one)" in page.text
    stored = _stored(admin_app, "partner")
    assert stored["issuer"] == "https://partner.example" and stored["client_secret"] == "partner-secret"
    assert stored["claims.department"] == "dept" and stored["claims.email"] == "mail"
    assert stored["provisioning"] == "link" and stored["link_by_verified_email"] == "true"
    assert "department = dept" in page.text  # the claims mapping, as it was typed


def test_a_plain_oauth2_provider_takes_its_endpoints(admin_app):
    made = _create(
        admin_app,
        name="gh",
        kind="oauth2",
        issuer="https://ignored.example",
        authorization_endpoint="https://gh.example/authorize",
        token_endpoint="https://gh.example/token",
        userinfo_endpoint="https://gh.example/user",
        subject_claim="id",
        scopes="",
    )
    assert made.status_int == 303
    stored = _stored(admin_app, "gh")
    assert "issuer" not in stored and stored["userinfo_endpoint"] == "https://gh.example/user"
    assert "OAuth 2.0" in admin_app.get("/admin/providers").text


def test_bad_settings_are_shown_by_their_field_and_nothing_is_stored(admin_app):
    bad = _create(admin_app, issuer="partner.example")
    assert bad.status_int == 400
    issuer = bad.html.find("input", id="provider-issuer")
    assert issuer["aria-invalid"] == "true" and issuer["aria-describedby"] == "provider-issuer-error"
    assert "absolute http(s) URL" in bad.html.find(id="provider-issuer-error").text and 'role="alert"' in bad.text
    claims = _create(admin_app, claims="just-a-word")
    assert claims.status_int == 400 and 'id="provider-claims-error"' in claims.text
    no_issuer = _create(admin_app, issuer="")
    assert no_issuer.status_int == 400 and "needs its issuer" in no_issuer.text
    name = _create(admin_app, name="Bad Name")
    assert name.status_int == 400 and 'id="provider-name-error"' in name.text
    assert _stored(admin_app, "partner") is None and _stored(admin_app, "Bad Name") is None


@pytest.fixture
def admin_app(admin_app):
    """The console's app; a refused form is a 4xx answer, not an exception."""
    original = admin_app.post

    def post(url, params=None, status=None, **kwargs):
        return original(url, params, status=status if status is not None else "*", **kwargs)

    admin_app.post = post
    return admin_app


def test_a_name_of_the_ini_file_cannot_be_taken(admin_app):
    taken = _create(admin_app, name="corp")
    assert taken.status_int == 409 and "ini file" in taken.text
    assert _stored(admin_app, "corp") is None


def test_edit_a_provider_an_empty_secret_keeps_the_stored_one(admin_app):
    _create(admin_app)
    page = admin_app.get("/admin/providers/partner")
    form = form_fields(page, display_name="Partner Inc.", claims="email = mail", scopes="openid")
    form.pop("link_by_verified_email", None)  # unticked
    saved = admin_app.post("/admin/providers/partner", form)
    assert saved.status_int == 303 and "Saved." in saved.follow().text
    stored = _stored(admin_app, "partner")
    assert stored["display_name"] == "Partner Inc." and stored["client_secret"] == "partner-secret"
    assert stored["link_by_verified_email"] == "false" and "claims.department" not in stored
    assert stored["scopes"] == "openid"
    # a secret typed in replaces the stored one; "remove" forgets it
    page = admin_app.get("/admin/providers/partner")
    admin_app.post("/admin/providers/partner", form_fields(page, client_secret="rotated-secret"))
    assert _stored(admin_app, "partner")["client_secret"] == "rotated-secret"
    page = admin_app.get("/admin/providers/partner")
    removed = admin_app.post(
        "/admin/providers/partner",
        form_fields(page, remove_client_secret="yes", token_endpoint_auth_method="none"),
    )
    assert removed.status_int == 303, removed.text
    assert "client_secret" not in _stored(admin_app, "partner")


def test_a_stale_edit_is_refused_with_a_clear_message(admin_app):
    _create(admin_app)
    page = admin_app.get("/admin/providers/partner")
    other = admin_app.post(
        "/admin/providers/partner", form_fields(admin_app.get("/admin/providers/partner"), display_name="Theirs")
    )
    assert other.status_int == 303
    stale = admin_app.post("/admin/providers/partner", form_fields(page, display_name="Mine"))
    assert stale.status_int == 409
    assert "Someone else changed this provider meanwhile" in stale.text
    assert 'value="Theirs"' in stale.text  # the form shows the current values
    assert _stored(admin_app, "partner")["display_name"] == "Theirs"
    # the form it shows carries the current version: submitting it again works
    again = admin_app.post("/admin/providers/partner", form_fields(stale, display_name="Mine"))
    assert again.status_int == 303 and _stored(admin_app, "partner")["display_name"] == "Mine"


def test_a_corrected_form_keeps_the_version_it_was_loaded_with(admin_app):
    """A form refused for a bad field and then corrected is still checked
    against the provider as it was first read."""
    _create(admin_app)
    page = admin_app.get("/admin/providers/partner")
    bad = admin_app.post("/admin/providers/partner", form_fields(page, claims="nonsense"))
    assert bad.status_int == 400
    admin_app.post(
        "/admin/providers/partner", form_fields(admin_app.get("/admin/providers/partner"), display_name="Theirs")
    )
    corrected = admin_app.post("/admin/providers/partner", form_fields(bad, claims="", display_name="Mine"))
    assert corrected.status_int == 409 and _stored(admin_app, "partner")["display_name"] == "Theirs"


def test_an_ini_provider_is_shown_read_only_and_cannot_be_changed(admin_app):
    page = admin_app.get("/admin/providers/corp")
    assert "set in the ini file" in page.text and "<form" not in page.text.split("</nav>", 1)[1]
    assert "https://id.example.org" in page.text and "corp-ini-secret" not in page.text
    token_page = admin_app.get("/admin/providers/new")  # the read-only page has no form
    changed = admin_app.post("/admin/providers/corp", _form(token_page, display_name="Mine", kind="oidc"))
    assert changed.status_int == 409 and "ini file" in changed.text
    assert "ini file" in admin_app.get("/admin/providers/corp/delete", status=409).text
    deleted = admin_app.post("/admin/providers/corp/delete", _form(token_page))
    assert deleted.status_int == 409
    assert "Corporate" in admin_app.get("/admin/providers").text


def test_delete_a_provider_after_confirming(admin_app):
    _create(admin_app)
    confirm = admin_app.get("/admin/providers/partner/delete")
    assert "Delete provider partner?" in confirm.text
    gone = admin_app.post("/admin/providers/partner/delete", _form(confirm))
    assert gone.status_int == 303 and "The provider was deleted." in gone.follow().text
    assert _stored(admin_app, "partner") is None
    assert admin_app.get("/admin/providers/partner", status=404)
    assert admin_app.post("/admin/providers/partner/delete", _form(confirm)).status_int == 404


def test_deleting_needs_a_fresh_sign_in_and_comes_back_to_the_confirmation(admin_app):
    _create(admin_app)
    confirm = admin_app.get("/admin/providers/partner/delete")
    with transaction_root(admin_app.app) as root:
        for session in list(root.sessions.by_cookie.values()):
            session.auth_time -= 3600
    sent = admin_app.post("/admin/providers/partner/delete", _form(confirm))
    assert sent.status_int == 303 and urlsplit(sent.location).path == "/account/login"
    assert parse_qs(urlsplit(sent.location).query)["returnUrl"] == ["/admin/providers/partner/delete"]
    assert _stored(admin_app, "partner") is not None
    login = admin_app.get(sent.location)
    back = admin_app.post(
        "/account/login",
        {
            "csrf_token": form_value(login.text, "csrf_token"),
            "returnUrl": form_value(login.text, "returnUrl"),
            "username": "root",
            "password": "root-password",
            "action": "login",
        },
    )
    assert back.status_int == 303 and back.location.removeprefix(TEST_ISSUER) == "/admin/providers/partner/delete"
    confirm = admin_app.get(back.location)
    assert admin_app.post("/admin/providers/partner/delete", _form(confirm)).status_int == 303
    assert _stored(admin_app, "partner") is None


@pytest.mark.parametrize(
    "path", ["/admin/providers/new", "/admin/providers/partner", "/admin/providers/partner/delete"]
)
def test_a_post_without_the_csrf_token_is_refused(admin_app, path):
    _create(admin_app, display_name="Before")
    page = admin_app.get("/admin/providers/partner")
    form = form_fields(page, display_name="After", name="other")
    del form["csrf_token"]
    assert admin_app.post(path, form).status_int == 400
    assert _stored(admin_app, "partner")["display_name"] == "Before" and _stored(admin_app, "other") is None


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/admin/providers"),
        ("GET", "/admin/providers/new"),
        ("GET", "/admin/providers/corp"),
        ("GET", "/admin/providers/corp/delete"),
        ("POST", "/admin/providers/new"),
        ("POST", "/admin/providers/corp"),
        ("POST", "/admin/providers/corp/delete"),
    ],
)
def test_a_person_without_the_admin_role_is_refused(app, sign_in, method, path):
    sign_in(app, "alice", "alice-password")
    page = app.get("/account/login")  # any page with the CSRF token
    if method == "GET":
        assert "administrator role" in app.get(path, status=403).text
    else:
        app.post(path, _form(page, **UPSTREAM), status=403)
    with transaction_root(app.app) as root:
        assert "partner" not in root.federation.providers
    app.reset()
    assert app.get("/admin/providers", status=401)


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "saml"},
        {"token_endpoint_auth_method": "private_key_jwt"},
        {"provisioning": "sometimes"},
        {"name": ""},
        {"name": "local"},
        {"claims": "= mail"},
        {"claims": "email ="},
        {"client_secret": "", "token_endpoint_auth_method": "client_secret_post"},
        {"kind": "oauth2", "userinfo_endpoint": ""},
        {"issuer": "https://partner.example?tenant=1"},
        {"end_session_endpoint": "https://partner.example/#end"},
    ],
)
def test_bad_input_is_a_4xx_with_the_reason_never_a_500(admin_app, changes):
    refused = _create(admin_app, **changes)
    assert refused.status_int in (400, 409), refused.text
    assert 'role="alert"' in refused.text
    with transaction_root(admin_app.app) as root:
        assert list(root.federation.providers) == []


def test_bad_input_on_an_edit_changes_nothing(admin_app):
    _create(admin_app)
    before = _stored(admin_app, "partner")
    page = admin_app.get("/admin/providers/partner")
    for changes in ({"kind": "saml"}, {"provisioning": "x"}, {"claims": "x"}, {"issuer": "not a url"}):
        refused = admin_app.post("/admin/providers/partner", form_fields(page, **changes))
        assert refused.status_int == 400 and 'role="alert"' in refused.text
    assert _stored(admin_app, "partner") == before
    assert admin_app.post("/admin/providers/nobody", form_fields(page)).status_int == 404


def test_every_setting_is_on_the_form_and_an_edit_keeps_them(admin_app):
    page = admin_app.get("/admin/providers/new")
    for name in ("forward_prompt", "backchannel_logout"):  # true by default: ticked on a new form
        assert page.html.find("input", id=f"provider-{name}").has_attr("checked")
    assert not page.html.find("input", id="provider-trust_amr").has_attr("checked")
    made = _create(admin_app, icon="/static/partner.svg", trust_amr="yes", backchannel_logout="yes")
    assert made.status_int == 303
    stored = _stored(admin_app, "partner")
    assert (stored["icon"], stored["trust_amr"], stored["forward_prompt"]) == ("/static/partner.svg", "true", "false")
    assert stored["backchannel_logout"] == "true"
    edit = admin_app.get("/admin/providers/partner")
    admin_app.post("/admin/providers/partner", form_fields(edit, display_name="Partner SSO"), status=303)
    again = _stored(admin_app, "partner")
    assert (again["icon"], again["trust_amr"], again["forward_prompt"]) == ("/static/partner.svg", "true", "false")
    assert again["display_name"] == "Partner SSO"
