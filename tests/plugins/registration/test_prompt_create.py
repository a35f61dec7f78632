"""``prompt=create`` (OpenID Connect "Initiating User Registration via
OpenID Connect 1.0") with the registration plugin enabled: discovery says
so, and the authorize endpoint opens registration, returning to the
authorization afterwards."""

from urllib.parse import parse_qs, urlsplit

from ostiary.protocol.return_urls import is_valid_return_url, return_url_params


def test_discovery_lists_create(app):
    assert "create" in app.get("/.well-known/openid-configuration").json["prompt_values_supported"]


def test_prompt_create_opens_registration_and_returns_to_the_authorization(app, flow):
    sent = flow.authorize(prompt="create consent", state="s1")
    assert sent.status_int == 303 and urlsplit(sent.location).path == "/account/register"
    return_url = parse_qs(urlsplit(sent.location).query)["returnUrl"][0]
    assert is_valid_return_url(return_url)
    params = return_url_params(return_url)
    assert params["prompt"] == "consent" and params["state"] == "s1"  # create is done once
    page = app.get(sent.location)
    assert 'name="returnUrl"' in page.text
