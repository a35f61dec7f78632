"""The error page, unknown routes and internal errors."""

import pytest

from ostiary.hookspecs import hookimpl


def test_unknown_route_renders_the_error_page_with_404(app):
    response = app.get("/no/such/page", status=404)
    assert "Sorry, there was an error" in response.text
    assert "not_found" in response.text


def test_unknown_error_id_shows_a_generic_page_with_404(app):
    """Unknown or expired: the URL names a record that is not (or no longer)
    there, as any stale link; the request itself was well formed."""
    response = app.get("/error", params={"errorId": "garbage"}, status=404)
    assert "unknown_error" in response.text


def test_error_detail_is_hidden_in_production(app, flow):
    response = app.get(app.get("/connect/authorize", params=flow.params(client_id="nobody")).location, status=400)
    assert "The client does not exist" not in response.text
    assert "error-id" in response.text


def test_an_unknown_client_at_authorize_ends_on_an_error_page_with_400(app, flow):
    response = app.get("/connect/authorize", params=flow.params(client_id="nobody"))
    page = app.get(response.location, status=400)
    assert "<code>invalid_client</code>" in page.text


def test_an_unregistered_redirect_uri_ends_on_an_error_page_with_400(app, flow):
    response = app.get("/connect/authorize", params=flow.params(redirect_uri="http://evil.example/cb"))
    assert "/error?errorId=" in response.location
    app.get(response.location, status=400)


def test_an_internal_errors_id_shows_the_error_page_with_500(app):
    import re

    page = app.get("/boom", status=500)
    error_id = re.search(r'class="error-id">([^<]+)<', page.text).group(1)
    again = app.get("/error", params={"errorId": error_id}, status=500)
    assert "server_error" in again.text


def test_a_huge_unregistered_redirect_uri_is_kept_only_in_part(app, flow, ostiary_app):
    from urllib.parse import parse_qs, urlsplit

    from ostiary.models.interactions import MAX_URI
    from ostiary.testing import transaction_root

    huge = "http://evil.example/" + "a" * 6_000  # over MAX_URI, under ostiary.max_query_length
    response = app.get("/connect/authorize", params=flow.params(redirect_uri=huge))
    error_id = parse_qs(urlsplit(response.location).query)["errorId"][0]
    with transaction_root(ostiary_app) as root:
        record = root.interactions.error(error_id)
        assert record.redirect_uri.startswith("http://evil.example/aaa")
        assert len(record.redirect_uri) <= MAX_URI


def test_a_huge_rejected_authorization_request_barely_grows_the_database(app, flow, ostiary_settings):
    import os

    data_fs = ostiary_settings["zodbconn.uri"].removeprefix("file://").split("?")[0]
    before = os.path.getsize(data_fs)
    app.get("/connect/authorize", params=flow.params(redirect_uri="http://evil.example/" + "a" * 300_000), status=414)
    assert os.path.getsize(data_fs) - before < 20_000


class Boom:
    """A plugin whose page raises."""

    @hookimpl
    def ostiary_configure(self, config):
        def explode(request):
            raise RuntimeError("secret internal detail /srv/app.py")

        def forbid(request):
            from pyramid.httpexceptions import HTTPForbidden

            raise HTTPForbidden("secret reason from the plugin")

        config.add_route("boom", "/boom")
        config.add_view(explode, route_name="boom")
        config.add_route("forbidden", "/forbidden")
        config.add_view(forbid, route_name="forbidden")


@pytest.fixture
def ostiary_plugins():
    return [("boom", Boom())]


def test_internal_error_shows_no_traceback(app):
    response = app.get("/boom", status=500)
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    assert "server_error" in response.text


def test_development_mode_shows_the_detail(ostiary_settings, ostiary_plugins):
    import webtest

    from ostiary import main

    settings = dict(ostiary_settings, **{"ostiary.development": "true"})
    settings["ostiary_testing_plugins"] = ostiary_plugins
    testapp = webtest.TestApp(main({}, **settings))
    assert "secret internal detail" in testapp.get("/boom", status=500).text


def test_internal_error_detail_is_kept_behind_the_error_id(app, ostiary_app):
    import re

    from ostiary.testing import transaction_root

    page = app.get("/boom", status=500)
    error_id = re.search(r'class="error-id">([^<]+)<', page.text).group(1)
    with transaction_root(ostiary_app) as root:
        record = root.interactions.error(error_id)
        assert record.error == "server_error"
        assert "secret internal detail" in record.description


def test_a_4xx_raised_by_a_page_keeps_its_status_on_the_error_page(app):
    """Not Pyramid's bare default page with the exception's detail."""
    response = app.get("/forbidden", status=403)
    assert "Sorry, there was an error" in response.text
    assert "secret reason" not in response.text


def test_a_form_posted_over_https_from_another_origin_gets_the_error_page(app):
    """Pyramid's origin check (https only) raises BadCSRFOrigin, which is not
    a BadCSRFToken: it must still end on our page, not Pyramid's default
    one naming the origin."""
    https = {"wsgi.url_scheme": "https", "HTTP_HOST": "localhost:443"}
    page = app.get("/account/login", extra_environ=https)
    token = page.html.find("input", {"name": "csrf_token"})["value"]
    response = app.post(
        "/account/login",
        {"csrf_token": token, "username": "alice", "password": "x"},
        headers={"Origin": "https://evil.example"},
        extra_environ=https,
        status=400,
    )
    assert "Sorry, there was an error" in response.text
    assert "evil.example" not in response.text


class TermsPlugin:
    """Registers an error code of its own, as a plugin's ostiary_configure would."""

    @hookimpl
    def ostiary_configure(self, config):
        config.add_error_message("terms_refused", "You must accept the terms to continue.", status=403)
        config.add_route("terms_refuse", "/terms/refuse")
        config.add_view(
            lambda request: request.interaction.error_redirect("terms_refused", "declined"), route_name="terms_refuse"
        )


def test_a_plugin_registers_its_error_message_and_status(ostiary_settings):
    import webtest

    from ostiary import main
    from ostiary.testing import close_app

    app = main({}, **dict(ostiary_settings, ostiary_testing_plugins=[("terms", TermsPlugin())]))
    try:
        browser = webtest.TestApp(app)
        page = browser.get(browser.get("/terms/refuse").location, status=403)
        assert "You must accept the terms to continue." in page.text
    finally:
        close_app(app)


def test_error_messages_of_one_application_do_not_leak_into_another(ostiary_app):
    assert "terms_refused" not in ostiary_app.registry.ostiary_error_messages
