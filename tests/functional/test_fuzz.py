"""No input a stranger can send gets a 5xx or a traceback.

Every route in the app's route table (read from the Pyramid registry, so a
new route is covered without touching this file) with every method, and
generated query strings, bodies, content types and headers: bytes that are
not UTF-8, bad %-escapes, charset labels, broken multipart, values above
the size limits, Basic credentials of random bytes. Seeded
(``derandomize``) and bounded, so every run tries the same inputs in a
fixed time.
"""

from __future__ import annotations

import base64
import io
import re
from http.cookiejar import CookieJar
from urllib.parse import quote_from_bytes

import pytest
import webtest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyramid.interfaces import IRoutesMapper

from ostiary import main
from ostiary.testing import DEMO, REDIRECT_URI, base_settings, close_app, load_data

METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH")
PROVIDER = "upstream"
#: Small limits, so that values above them are cheap to generate.
MAX_QUERY, MAX_BODY = 1024, 2048
#: Names the views read, so that generated requests get past the first check.
NAMES = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "prompt",
    "max_age",
    "response_mode",
    "code_challenge",
    "code_challenge_method",
    "ui_locales",
    "id_token_hint",
    "post_logout_redirect_uri",
    "returnUrl",
    "errorId",
    "logoutId",
    "grant_type",
    "code",
    "refresh_token",
    "token",
    "token_type_hint",
    "access_token",
    "client_secret",
    "client_assertion",
    "username",
    "password",
    "action",
    "csrf_token",
    "remember",
    "email",
    "logout_token",
    "request",
    "request_uri",
)
VALUES = (
    "demo-rp",
    REDIRECT_URI,
    "code",
    "openid profile",
    "none",
    "login",
    "0",
    "form_post",
    "S256",
    "client_credentials",
    "authorization_code",
    "refresh_token",
    "alice",
    "alice-password",
    "de",
)
CONTENT_TYPES = (
    "",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/x-www-form-urlencoded; charset=utf-8",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/form-data; boundary=b",
    'multipart/form-data; boundary="b"; charset=latin-1',
    "application/json",
    "text/plain",
    "application/jwt",
    "*/*;;",
    'multipart/form-data; boundary="',
)


class NoCookies(CookieJar):
    """Every generated request stands alone (and WebTest's cookie jar cannot
    read a URL that is not UTF-8)."""

    def add_cookie_header(self, request):
        pass

    def extract_cookies(self, response, request):
        pass


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    """One app for every example: the account plugins and an external
    provider on, so that their routes are in the table too."""
    settings = base_settings(tmp_path_factory.mktemp("fuzz"))
    settings.update(
        {
            "ostiary.development": "true",  # the page gallery's routes too
            "ostiary.plugins": "registration password_reset",
            "accounts.mailer": "testing",
            "ostiary.max_query_length": str(MAX_QUERY),
            "ostiary.max_body_size": str(MAX_BODY),
            "ostiary.providers": PROVIDER,
            f"ostiary.provider.{PROVIDER}.authorization_endpoint": "http://127.0.0.1:9/authorize",
            f"ostiary.provider.{PROVIDER}.token_endpoint": "http://127.0.0.1:9/token",
            f"ostiary.provider.{PROVIDER}.userinfo_endpoint": "http://127.0.0.1:9/userinfo",
            f"ostiary.provider.{PROVIDER}.client_id": "ostiary",
            f"ostiary.provider.{PROVIDER}.client_secret": "s",
        }
    )
    app = main({}, **settings)
    load_data(app, DEMO)
    yield app
    close_app(app)


def route_patterns(app) -> list[str]:
    return sorted("/" + route.pattern.lstrip("/") for route in app.registry.getUtility(IRoutesMapper).get_routes())


def test_the_route_table_is_read_from_the_app(fuzz_app):
    """The fuzz test covers the routes of plugins and pages alike."""
    patterns = route_patterns(fuzz_app)
    assert {"/connect/token", "/account/login", "/account/register"} <= set(patterns)
    assert any("{provider" in pattern for pattern in patterns)


# -- strategies -----------------------------------------------------------------

nasty_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
raw_bytes = st.binary(max_size=24)
#: A value as it appears in a query string or form: quoted text, quoted bytes, or raw escapes.
quoted_text = st.sampled_from(VALUES).map(str.encode) | nasty_text.map(str.encode)
#: Values as they appear in a query string or form: ones the views can read...
clean_value = quoted_text.map(quote_from_bytes)
#: ... and ones that no reader can: not UTF-8, broken escapes, above the limits.
dirty_value = st.one_of(
    raw_bytes.map(quote_from_bytes),
    st.sampled_from(("%ff", "%C3", "%ED%A0%80", "%", "%zz", "%00", "\t", '"', "\\", "+", ";", "&&", "==")),
    st.integers(MAX_QUERY - 40, MAX_BODY + 10).map(lambda n: "x" * n),
)
name = st.sampled_from(NAMES) | nasty_text.map(lambda v: quote_from_bytes(v.encode()))


def form_of(values) -> st.SearchStrategy[str]:
    pairs = st.lists(st.tuples(name, values), max_size=6)
    return pairs.map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))


#: Mostly forms a view reads to the end, some with a value no reader can use.
encoded_form = st.one_of(form_of(clean_value), form_of(clean_value), form_of(clean_value | dirty_value))


@st.composite
def multipart_body(draw) -> tuple[str, bytes]:
    boundary = draw(st.sampled_from(("b", "x" * 70, "a b", "---")))
    parts = []
    for name, value in draw(st.lists(st.tuples(st.sampled_from(NAMES), raw_bytes), max_size=3)):
        disposition = draw(st.sampled_from((f'name="{name}"', f'name="{name}"; filename="f.txt"', "", "name=")))
        part_type = draw(
            st.sampled_from(
                (
                    "",
                    "\r\nContent-Type: text/plain; charset=nope",
                    "\r\nContent-Type: multipart/mixed; boundary=c",
                    "\r\nContent-Length: x",
                )
            )
        )
        parts.append(
            b"--%s\r\nContent-Disposition: form-data; %s%s\r\n\r\n%s\r\n"
            % (boundary.encode(), disposition.encode(), part_type.encode(), value)
        )
    body = b"".join(parts) + draw(st.sampled_from((b"--%s--\r\n" % boundary.encode(), b"", b"--")))
    return f'multipart/form-data; boundary="{boundary}"', body


@st.composite
def body_and_type(draw) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(("form", "bytes", "multipart", "none")))
    if kind == "multipart":
        return draw(multipart_body())
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    if kind == "form":
        return content_type, draw(encoded_form).encode("latin-1", "replace")
    if kind == "bytes":
        return content_type, draw(raw_bytes)
    return content_type, b""


def authorization_header(draw) -> str | None:
    kind = draw(st.sampled_from(("none", "basic", "basic-text", "bearer", "raw")))
    if kind == "basic":
        return "Basic " + base64.b64encode(draw(raw_bytes)).decode()
    if kind == "basic-text":
        return "Basic " + draw(st.text(st.characters(max_codepoint=255), max_size=12))
    if kind == "bearer":
        return "Bearer " + draw(st.text(st.characters(max_codepoint=255), max_size=30))
    if kind == "raw":
        return draw(st.text(st.characters(max_codepoint=255), max_size=20))
    return None


latin1_header = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=30)


@st.composite
def fuzzed_request(draw, patterns: list[str]) -> webtest.TestRequest:
    pattern = draw(st.sampled_from(patterns))
    segment = st.sampled_from((PROVIDER, "login", "nobody", "x.css", "ostiary.css", "\xff", "..", "a/b"))
    path = re.sub(r"\{[^}]*\}|\*\w+", lambda _: draw(segment), pattern)
    method = draw(st.sampled_from(("GET", "POST") * 3 + METHODS))
    query = draw(encoded_form | st.text(st.characters(max_codepoint=255), max_size=30))
    content_type, body = draw(body_and_type())
    request = webtest.TestRequest.blank("/", method=method)
    request.environ.update(
        {"PATH_INFO": path, "QUERY_STRING": query, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    )
    if content_type:
        request.environ["CONTENT_TYPE"] = content_type
    headers = {
        "HTTP_AUTHORIZATION": authorization_header(draw),
        "HTTP_COOKIE": draw(st.none() | latin1_header),
        "HTTP_ACCEPT_LANGUAGE": draw(st.sampled_from((None, "de", "*", "xx;q=abc", "\xff\xfe"))),
        "HTTP_HOST": draw(st.sampled_from(("localhost",) * 4 + ("\xff", "a:b", "[::1", ""))),
        "HTTP_ORIGIN": draw(st.none() | st.just("http://localhost") | latin1_header),
        "wsgi.url_scheme": draw(st.sampled_from(("http", "http", "https"))),
    }
    request.environ.update({key: value for key, value in headers.items() if value is not None})
    return request


# -- the tests ------------------------------------------------------------------

#: One fixed request of each kind of input that used to answer 500, sent to
#: every route with every method, so that none is left to chance.
FIXED = (
    ("errorId=%ff&returnUrl=%C3", "", b""),
    ("", "application/x-www-form-urlencoded; charset=latin-1", b"csrf_token=x&username=%E9"),
    ("", "multipart/form-data", b"--x\r\n\r\n"),
    ("client_id=demo-rp&response_type=%22&redirect_uri=http://127.0.0.1:9999/cb%09", "", b""),
    ("x=" + "y" * MAX_QUERY, "application/x-www-form-urlencoded", b"a=" + b"b" * MAX_BODY),
)


@pytest.fixture(scope="module")
def fuzz_client(fuzz_app):
    return webtest.TestApp(fuzz_app, extra_environ={"HTTP_HOST": "localhost"}, cookiejar=NoCookies())


@pytest.fixture(scope="module")
def patterns(fuzz_app):
    return route_patterns(fuzz_app)


def test_every_route_and_method_answers_fixed_bad_input_below_500(fuzz_client, patterns):
    failures = []
    for pattern in patterns:
        path = re.sub(r"\{[^}]*\}|\*\w+", PROVIDER, pattern)
        for method in METHODS:
            for query, content_type, body in FIXED:
                request = webtest.TestRequest.blank(path, method=method)
                request.environ.update(
                    {
                        "QUERY_STRING": query,
                        "wsgi.input": io.BytesIO(body),
                        "CONTENT_LENGTH": str(len(body)),
                        "CONTENT_TYPE": content_type,
                        "HTTP_AUTHORIZATION": "Basic //46/w==",
                    }
                )
                response = fuzz_client.do_request(request, status="*", expect_errors=True)
                if response.status_int >= 500 or b"Traceback" in response.body:
                    failures.append(f"{method} {path}?{query[:40]} {content_type}: {response.status}")
    assert not failures, "\n".join(failures)


@settings(
    derandomize=True,
    database=None,
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_generated_request_gets_a_5xx_or_a_traceback(fuzz_client, patterns, data):
    request = data.draw(fuzzed_request(patterns))
    response = fuzz_client.do_request(request, status="*", expect_errors=True)
    where = f"{request.method} {request.environ['PATH_INFO']!r}?{request.environ['QUERY_STRING']!r}"
    assert response.status_int < 500, f"{where}: {response.status}\n{response.text[:2000]}"
    assert b"Traceback" not in response.body, where
