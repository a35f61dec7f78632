"""``request.interaction.context_or_error``: the one answer of every page to
its ``returnUrl`` (login, consent, external login and the account plugins'
pages use it), tried from a plugin's page as docs/interaction.md shows."""

from urllib.parse import parse_qs, urlsplit

import pytest
from pyramid.response import Response

from ostiary.plugin import hookimpl


class ResumingPage:
    """``/account/resume-example``: which client the return URL is for."""

    @hookimpl
    def ostiary_configure(self, config):
        config.add_route("resume_example", "/account/resume-example")
        config.add_view(self.view, route_name="resume_example", request_method="GET")

    @staticmethod
    def view(request):
        required = request.params.get("required") == "yes"
        context, failure = request.interaction.context_or_error(request.params.get("returnUrl"), required=required)
        if failure is not None:
            return failure
        return Response(f"client={context.client_id if context else None}", content_type="text/plain")


@pytest.fixture
def ostiary_plugins(ostiary_plugins):
    return [*ostiary_plugins, ("resume_example", ResumingPage())]


@pytest.fixture
def return_url(flow):
    """A good return URL: the one the authorize endpoint sends to the login page."""
    return parse_qs(urlsplit(flow.authorize().location).query)["returnUrl"][0]


def _error_of(app, response):
    assert response.status_int == 303 and "/error?errorId=" in response.location
    return app.get(response.location, status=400)


def test_without_a_return_url_the_page_stands_on_its_own(app):
    assert app.get("/account/resume-example").text == "client=None"


def test_a_page_that_requires_one_sends_its_absence_to_the_error_page(app):
    page = _error_of(app, app.get("/account/resume-example", params={"required": "yes"}))
    assert "The request was not valid." in page.text


@pytest.mark.parametrize(
    "bad",
    [
        "https://evil.example/connect/authorize?client_id=demo-rp",
        "/connect/authorize?client_id=nobody&redirect_uri=https://x.example/cb",
        "/account/applications",
    ],
)
def test_a_return_url_that_is_not_ours_is_the_error_page(app, bad):
    _error_of(app, app.get("/account/resume-example", params={"returnUrl": bad}))


def test_a_good_return_url_gives_its_authorization_context(app, return_url):
    for required in ("no", "yes"):
        page = app.get("/account/resume-example", params={"returnUrl": return_url, "required": required})
        assert page.text == "client=demo-rp"
