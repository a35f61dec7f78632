"""Cookie flags and security headers."""

import webtest

from ostiary import main
from ostiary.testing import DEMO, CodeFlow, load_data


def test_csrf_cookie_is_httponly_and_samesite(app, flow):
    page = app.get(flow.authorize().location)
    cookie = [v for k, v in page.headerlist if k == "Set-Cookie" and v.startswith("ostiary_csrf=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "secure" not in cookie.lower()


def test_cookies_are_secure_with_an_https_issuer(ostiary_settings):
    settings = dict(ostiary_settings, **{"ostiary.issuer": "https://id.example.org"})
    wsgi = main({}, **settings)
    load_data(wsgi, DEMO)
    testapp = webtest.TestApp(
        wsgi,
        extra_environ={
            "HTTP_HOST": "id.example.org",
            "wsgi.url_scheme": "https",
            "HTTP_ORIGIN": "https://id.example.org",
        },
    )
    flow = CodeFlow(testapp)
    response = flow.login(flow.authorize())
    cookies = [v for k, v in response.headerlist if k == "Set-Cookie"]
    assert cookies and all("secure" in c.lower() for c in cookies)


def test_json_endpoints_are_not_framed_or_sniffed(app):
    response = app.get("/.well-known/openid-configuration")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_page_forbids_framing(app):
    for path in ("/", "/account/login", "/error"):
        assert "frame-ancestors 'none'" in app.get(path, status="*").headers["Content-Security-Policy"]
