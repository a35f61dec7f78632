"""External sign-ins and multi-factor policy (issue 13): the upstream's
``amr``/``acr`` are taken only from a provider trusted for them."""

from __future__ import annotations

import pytest
from fake_upstream import FakeUpstream
from federation_harness import DOWNSTREAM, Browser, provider_settings

MFA = "urn:ostiary:acr:mfa"


@pytest.fixture
def fake():
    with FakeUpstream() as server:
        server.user["amr"] = ["pwd", "otp"]
        server.user["acr"] = "https://upstream.example/acr/strong"
        yield server


def _sign_in(make_downstream, upstream, fake, trust: bool, **extra):
    settings = provider_settings(fake.url, "fake", trust_amr=str(trust).lower())
    app = make_downstream(providers="fake", **settings)
    browser = Browser(app, upstream.url)
    page = browser.login_page(**extra)
    return app, browser, browser.walk(DOWNSTREAM + browser.provider_href(page, "fake"))


def test_an_untrusted_provider_is_one_factor_named_external(make_downstream, upstream, fake):
    _, browser, result = _sign_in(make_downstream, upstream, fake, trust=False)
    claims = browser.tokens(result)["id_claims"]
    assert claims["amr"] == ["external"] and claims["acr"] == "urn:ostiary:acr:sfa"


def test_a_trusted_provider_gives_its_amr_and_acr(make_downstream, upstream, fake):
    _, browser, result = _sign_in(make_downstream, upstream, fake, trust=True)
    token = browser.tokens(result)
    assert token["id_claims"]["amr"] == ["pwd", "otp", "mfa"]
    assert token["id_claims"]["acr"] == "https://upstream.example/acr/strong"
    assert token["access_claims"]["amr"] == ["pwd", "otp", "mfa"]


def test_a_trusted_multi_factor_upstream_meets_acr_values_without_a_further_step(make_downstream, upstream, fake):
    _, browser, result = _sign_in(make_downstream, upstream, fake, trust=True, acr_values=MFA)
    assert browser.tokens(result)["id_claims"]["amr"] == ["pwd", "otp", "mfa"]


def test_an_untrusted_upstream_with_mfa_demanded_is_access_denied_without_a_factor(make_downstream, upstream, fake):
    """Nothing to set up (no factor plugin here): the client is refused, no session."""
    _, browser, result = _sign_in(make_downstream, upstream, fake, trust=False, acr_values=MFA)
    assert result["at"] == "client" and result.get("error") == "access_denied"
