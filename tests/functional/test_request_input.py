"""Input no reader can use gets a 4xx, never a 500: the protocol's JSON
error on API endpoints, the error page on pages (one test per kind of input
that used to answer 500), and requests are bounded in size."""

from __future__ import annotations

import base64
import io
from urllib.parse import parse_qs, urlsplit

import pytest
import webtest

from ostiary.testing import form_value

LOGIN_FORM = "application/x-www-form-urlencoded"
#: The browser pages whose form POSTs read request.POST (the CSRF check at least).
FORM_PAGES = ("/account/login", "/consent", "/account/logout", "/account/applications")


@pytest.fixture
def ostiary_settings(ostiary_settings):
    """Small limits, so that the tests above them stay small."""
    ostiary_settings.update({"ostiary.max_query_length": "2048", "ostiary.max_body_size": "4096"})
    return ostiary_settings


def assert_error_page(response, status):
    assert response.status_int == status
    assert "Sorry, there was an error" in response.text
    assert "Traceback" not in response.text


def assert_json_error(response, status, error="invalid_request"):
    assert response.status_int == status
    assert response.content_type == "application/json"
    assert response.json["error"] == error
    return response.json.get("error_description", "")


def raw_request(app, method, path, query="", body=b"", content_type=None, **environ):
    """A request with exactly these bytes, where WebTest would re-encode them."""
    request = webtest.TestRequest.blank(path, method=method, environ=environ)
    request.environ["QUERY_STRING"] = query
    request.environ["wsgi.input"] = io.BytesIO(body)
    request.environ["CONTENT_LENGTH"] = str(len(body))
    if content_type is not None:
        request.environ["CONTENT_TYPE"] = content_type
    return app.do_request(request, status="*")


# -- 1. authorize: characters an error description may not hold -------------


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:9999/cb\t",
        'http://127.0.0.1:9999/"cb',
        "http://127.0.0.1:9999/\\",
        "http://127.0.0.1:9999/cb/é",
    ],
)
def test_authorize_with_an_unquotable_redirect_uri_ends_on_the_error_page(app, flow, redirect_uri):
    response = flow.authorize(redirect_uri=redirect_uri)
    assert response.status_int == 303 and urlsplit(response.location).path == "/error"
    page = app.get(response.location, status=400)
    assert "invalid_request" in page.text


@pytest.mark.parametrize("response_type", ['"', "code\t", "cöde", "\\"])
def test_authorize_with_an_unquotable_response_type_tells_the_client_it_is_unsupported(flow, response_type):
    response = flow.authorize(response_type=response_type)
    assert response.status_int == 302 and response.location.startswith(flow.redirect_uri)
    params = parse_qs(urlsplit(response.location).query)
    assert params["error"] == ["unsupported_response_type"]


def test_authorize_with_an_unquotable_response_type_and_an_unknown_client_ends_on_the_error_page(app, flow):
    response = flow.authorize(response_type='"', client_id="nobody")
    assert response.status_int == 303 and urlsplit(response.location).path == "/error"
    assert "unsupported_response_type" in app.get(response.location, status=400).text


# -- 2. Basic credentials that are not UTF-8 --------------------------------


@pytest.mark.parametrize("path", ["/connect/token", "/connect/introspect", "/connect/revocation"])
def test_basic_credentials_that_are_not_utf8_are_an_invalid_client(app, path):
    response = app.post(
        path,
        {"grant_type": "client_credentials", "token": "x"},
        headers={"Authorization": "Basic //46/w=="},
        expect_errors=True,
    )
    assert_json_error(response, 401, "invalid_client")
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_basic_credentials_of_random_bytes_are_an_invalid_client(app):
    credentials = base64.b64encode(bytes(range(128, 256))).decode()
    response = app.post(
        "/connect/token",
        {"grant_type": "client_credentials"},
        headers={"Authorization": "Basic " + credentials},
        expect_errors=True,
    )
    assert_json_error(response, 401, "invalid_client")


def test_a_basic_header_with_nothing_after_the_scheme_is_an_invalid_client(app):
    response = app.post(
        "/connect/token",
        {"grant_type": "client_credentials"},
        headers={"Authorization": "Basic \t"},
        expect_errors=True,
    )
    assert_json_error(response, 401, "invalid_client")


# -- 4. forms labelled with another charset ---------------------------------


@pytest.mark.parametrize("path", FORM_PAGES)
def test_a_latin1_form_on_a_page_gets_the_error_page(app, path):
    response = raw_request(
        app, "POST", path, body=b"csrf_token=x&name=%E9", content_type=LOGIN_FORM + "; charset=latin-1"
    )
    assert_error_page(response, 400)


@pytest.mark.parametrize("path", ["/connect/userinfo", "/connect/token"])
def test_a_latin1_form_at_an_api_endpoint_gets_a_json_error(app, path):
    response = raw_request(app, "POST", path, body=b"access_token=%E9", content_type=LOGIN_FORM + "; charset=latin-1")
    assert "UTF-8" in assert_json_error(response, 400)


def test_a_latin1_form_at_end_session_gets_the_error_page(app):
    response = raw_request(
        app, "POST", "/connect/endsession", body=b"state=%E9", content_type=LOGIN_FORM + "; charset=latin-1"
    )
    assert_error_page(response, 400)


def test_an_ascii_form_labelled_latin1_is_read_as_utf8(app, flow):
    """Some HTTP libraries label every form ISO-8859-1; ASCII reads the same."""
    page = app.get(flow.authorize().location)
    form = {
        "csrf_token": form_value(page.text, "csrf_token"),
        "returnUrl": form_value(page.text, "returnUrl"),
        "username": "alice",
        "password": "alice-password",
        "action": "login",
    }
    response = app.post("/account/login", form, content_type=LOGIN_FORM + "; charset=ISO-8859-1")
    assert response.status_int == 303 and "/connect/authorize/callback" in response.location


def test_a_token_request_labelled_latin1_is_answered(app):
    app.authorization = ("Basic", ("demo-rp", "demo-secret"))
    response = app.post(
        "/connect/token", "grant_type=client_credentials&scope=api", content_type=LOGIN_FORM + "; charset=ISO-8859-1"
    )
    assert "access_token" in response.json


def test_a_token_request_answers_alike_with_and_without_content_type_parameters(app):
    """Parameters are looked for only after a ``;`` (the parser is skipped
    without one): both requests get the same status, headers and claims."""
    answers = []
    for content_type in (LOGIN_FORM, LOGIN_FORM + ";charset=UTF-8", LOGIN_FORM + "; charset=ISO-8859-1"):
        response = raw_request(
            app,
            "POST",
            "/connect/token",
            body=b"grant_type=client_credentials&scope=api",
            content_type=content_type,
            HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"demo-rp:demo-secret").decode(),
        )
        body = response.json
        answers.append((response.status, sorted(response.headers.keys()), sorted(body), body["scope"]))
    assert answers[0][0] == "200 OK"
    assert answers[0] == answers[1] == answers[2]


# -- 5. multipart without a valid boundary ----------------------------------


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data", "multipart/form-data; boundary=", 'multipart/form-data; boundary="a\tb"']
)
def test_a_multipart_form_without_a_valid_boundary_gets_the_error_page(app, content_type):
    response = raw_request(app, "POST", "/account/login", body=b"--x\r\n\r\n", content_type=content_type)
    assert_error_page(response, 400)


def test_a_multipart_form_without_a_boundary_at_the_token_endpoint_gets_a_json_error(app):
    response = raw_request(app, "POST", "/connect/token", body=b"a=b", content_type="multipart/form-data")
    assert "boundary" in assert_json_error(response, 400)


def test_a_multipart_login_form_with_a_file_gets_the_error_page(app, flow):
    """No page takes a file: one where a field should be is refused."""
    page = app.get(flow.authorize().location)
    fields = [
        ("csrf_token", form_value(page.text, "csrf_token")),
        ("returnUrl", form_value(page.text, "returnUrl")),
        ("password", "alice-password"),
        ("action", "login"),
    ]
    response = app.post(
        "/account/login", fields, upload_files=[("username", "alice.txt", b"alice")], expect_errors=True
    )
    assert_error_page(response, 400)


def test_a_multipart_part_in_a_charset_no_codec_knows_gets_the_error_page(app):
    body = (
        b'--b\r\nContent-Disposition: form-data; name="username"\r\n'
        b"Content-Type: text/plain; charset=no-such-codec\r\n\r\nalice\r\n--b--\r\n"
    )
    response = raw_request(app, "POST", "/account/login", body=body, content_type="multipart/form-data; boundary=b")
    assert_error_page(response, 400)


def test_a_multipart_login_form_still_signs_in(app, flow):
    page = app.get(flow.authorize().location)
    fields = [
        ("csrf_token", form_value(page.text, "csrf_token")),
        ("returnUrl", form_value(page.text, "returnUrl")),
        ("username", "alice"),
        ("password", "alice-password"),
        ("action", "login"),
    ]
    response = app.post("/account/login", fields, content_type="multipart/form-data")
    assert response.status_int == 303 and "/connect/authorize/callback" in response.location


# -- 6. query strings that are not UTF-8 ------------------------------------


@pytest.mark.parametrize(
    "path, query",
    [
        ("/error", "errorId=%ff"),
        ("/connect/authorize", "client_id=%ff"),
        ("/account/login", "returnUrl=%ff"),
        ("/consent", "returnUrl=%C3"),
        ("/connect/endsession", "id_token_hint=%ED%A0%80"),
    ],
)
def test_a_query_string_that_is_not_utf8_gets_the_error_page(app, path, query):
    assert_error_page(raw_request(app, "GET", path, query), 400)


def test_a_query_string_that_is_not_utf8_at_userinfo_gets_a_json_error(app):
    assert "UTF-8" in assert_json_error(raw_request(app, "GET", "/connect/userinfo", "access_token=%ff"), 400)


def test_a_form_body_that_is_not_utf8_at_the_token_endpoint_gets_a_json_error(app):
    response = raw_request(app, "POST", "/connect/token", body=b"grant_type=%ff", content_type=LOGIN_FORM)
    assert "UTF-8" in assert_json_error(response, 400)


# -- bounded requests ---------------------------------------------------------


def test_a_query_string_above_the_limit_gets_414_on_a_page(app):
    response = app.get("/account/login", params={"returnUrl": "x" * 2048}, status=414)
    assert_error_page(response, 414)


def test_a_query_string_above_the_limit_gets_414_as_json_at_userinfo(app):
    response = app.get("/connect/userinfo", params={"access_token": "x" * 2048}, status=414)
    assert "2048" in assert_json_error(response, 414)


def test_a_query_string_at_the_limit_is_read(app):
    # read, not refused with 414: an error id nobody issued is then a 404
    app.get("/error", params={"errorId": "x" * (2048 - len("errorId="))}, status=404)


def test_a_body_above_the_limit_gets_413_as_json_at_the_token_endpoint(app):
    response = app.post("/connect/token", {"grant_type": "client_credentials", "scope": "x" * 4096}, status=413)
    assert "4096" in assert_json_error(response, 413)


def test_a_body_above_the_limit_gets_413_on_a_page(app):
    assert_error_page(app.post("/account/login", {"username": "x" * 4096}, status=413), 413)


def test_a_body_without_content_length_is_read_only_up_to_the_limit(app):
    """A chunked body (no Content-Length): the app stops reading after the limit."""
    body = io.BytesIO(b"scope=" + b"x" * 100_000)
    request = webtest.TestRequest.blank("/connect/token", method="POST", content_type=LOGIN_FORM)
    request.environ.update({"wsgi.input": body, "wsgi.input_terminated": True})
    request.environ.pop("CONTENT_LENGTH", None)
    response = app.do_request(request, status="*")
    assert_json_error(response, 413)
    assert body.tell() <= 4097


def test_a_body_without_content_length_below_the_limit_is_read(app):
    body = io.BytesIO(b"grant_type=client_credentials&scope=api")
    request = webtest.TestRequest.blank("/connect/token", method="POST", content_type=LOGIN_FORM)
    request.environ.update({"wsgi.input": body, "wsgi.input_terminated": True})
    request.environ.pop("CONTENT_LENGTH", None)
    request.authorization = ("Basic", base64.b64encode(b"demo-rp:demo-secret").decode())
    assert "access_token" in app.do_request(request, status=200).json


def test_the_servers_own_limits_in_the_ini_files_are_above_the_apps():
    """So that clients get the app's answers, not the server's plain 413/431."""
    from configparser import ConfigParser
    from pathlib import Path

    from ostiary.settings import parse_settings

    etc = Path(__file__).resolve().parents[2] / "etc"
    for name, section, body, header in (
        ("development.ini", "server:main", None, "max_header_size"),
        ("development.ini", "server:debug", "max_request_body_size", "max_request_header_size"),
        ("production.ini", "server:main", None, "max_header_size"),
    ):
        ini = ConfigParser(interpolation=None)
        ini.read(etc / name)
        app = parse_settings({k: v for k, v in ini["app:main"].items() if k.startswith("ostiary.")})
        server = ini[section]
        assert int(server[header]) > app.max_query_length, name
        if body is not None:
            assert int(server[body]) > app.max_body_size, name
