"""Any plugin can offer registration for ``prompt=create`` through
``ostiary_registration_url``, not only the bundled registration plugin."""

import pytest

from ostiary.plugin import hookimpl


class SignUpElsewhere:
    @hookimpl
    def ostiary_registration_url(self, request, return_url):
        return "/signup?next=" + (return_url or "")


@pytest.fixture
def ostiary_plugins(ostiary_plugins):
    return [*ostiary_plugins, ("signup", SignUpElsewhere())]


def test_a_third_party_registration_page_takes_prompt_create(app, flow):
    assert "create" in app.get("/.well-known/openid-configuration").json["prompt_values_supported"]
    sent = flow.authorize(prompt="create")
    assert sent.location.startswith("http://localhost/signup?next=/connect/authorize/callback?")
    assert "prompt=create" not in sent.location
