"""Blocking the federation plugin turns external login off entirely, even
with a provider left in the ini."""

import pytest

from ostiary.testing import base_settings


@pytest.fixture
def ostiary_settings(tmp_path):
    return dict(base_settings(tmp_path), **{
        "ostiary.plugins.disabled": "federation",
        "ostiary.providers": "corp",
        "ostiary.provider.corp.issuer": "https://id.example.org",
        "ostiary.provider.corp.client_id": "ostiary",
        "ostiary.provider.corp.client_secret": "s3cret",
    })


def test_an_idp_hint_signs_in_locally_instead_of_looping(app, flow):
    login = flow.authorize(acr_values="idp:corp")
    assert "/account/login" in login.location
    page = app.get(login.location)
    assert 'name="password"' in page.text and "/account/external/" not in page.text
    assert "code" in flow.follow_to_client(flow.login(page))


def test_an_existing_session_serves_a_request_with_an_idp_hint(app, flow):
    flow.code()
    again = flow.authorize(acr_values="idp:corp")
    assert again.location.startswith(flow.redirect_uri) and "code=" in again.location


def test_no_external_login_routes_exist(app):
    app.get("/account/external/corp/challenge", status=404)
