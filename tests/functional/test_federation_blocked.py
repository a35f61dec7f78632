"""Blocking the federation plugin turns external login off entirely, even
with a provider left in the ini."""

import pytest

from ostiary.hookspecs import hookimpl
from ostiary.testing import base_settings


@pytest.fixture
def ostiary_settings(tmp_path):
    return dict(
        base_settings(tmp_path),
        **{
            "ostiary.plugins.disabled": "federation",
            "ostiary.providers": "corp",
            "ostiary.provider.corp.issuer": "https://id.example.org",
            "ostiary.provider.corp.client_id": "ostiary",
            "ostiary.provider.corp.client_secret": "s3cret",
        },
    )


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


def test_its_hooks_leave_the_contract(ostiary_app):
    hook = ostiary_app.registry.ostiary_plugins.hook
    assert not hasattr(hook, "ostiary_external_claims") or not hook.ostiary_external_claims.has_spec()


class ClaimMapper:
    @hookimpl(optionalhook=True)
    def ostiary_external_claims(self, provider, claims):
        return {}


def test_a_plugin_for_its_hooks_still_starts_when_marked_optional(ostiary_settings):
    from ostiary.plugins import build_plugin_manager
    from ostiary.settings import parse_settings

    pm = build_plugin_manager(parse_settings(ostiary_settings), [("mapper", ClaimMapper())])
    assert "mapper" in dict(pm.list_name_plugin())


def test_enabled_federation_adds_its_hooks(tmp_path):
    from ostiary.plugins import build_plugin_manager
    from ostiary.settings import parse_settings

    pm = build_plugin_manager(parse_settings(base_settings(tmp_path)), [("mapper", ClaimMapper())])
    assert pm.hook.ostiary_external_claims.has_spec()
