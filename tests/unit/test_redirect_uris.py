"""The rules every registered redirect URI follows (models/clients.py)."""

import pytest

from ostiary.models.clients import redirect_uri_problem


@pytest.mark.parametrize(
    "uri",
    [
        "https://rp.example/cb",
        "https://rp.example:8443/cb?tenant=a",
        "http://127.0.0.1:9999/cb",
        "http://127.0.0.2/cb",
        "http://[::1]:8080/cb",
        "http://localhost/cb",
    ],
)
def test_a_web_client_may_register(uri):
    assert redirect_uri_problem(uri, "web") is None


@pytest.mark.parametrize(
    "uri",
    [
        "",
        " https://rp.example/cb",
        "https://rp.example/c b",
        "notaurl",
        "/relative/cb",
        "//rp.example/cb",
        "javascript:alert(1)",
        "data:text/html,hi",
        "file:///etc/passwd",
        "http://rp.example/cb",
        "http://127.0.0.1.rp.example/cb",
        "https:///cb",
        "https://rp.example:99999/cb",
        "https://rp.example/cb#frag",
        "https://*.rp.example/cb",
        "https://rp.example/*",
        "com.example.app:/cb",
    ],
)
def test_a_web_client_may_not_register(uri):
    assert redirect_uri_problem(uri, "web")


@pytest.mark.parametrize("uri", ["com.example.app:/oauth2redirect", "com.example.app://cb", "http://127.0.0.1:51004/"])
def test_a_native_client_may_also_register_a_private_use_scheme(uri):
    assert redirect_uri_problem(uri, "native") is None


@pytest.mark.parametrize(
    "uri", ["javascript:alert(1)", "com.example.app:", "com.example.app:/cb#x", "http://rp.example/cb"]
)
def test_a_native_client_may_not_register(uri):
    assert redirect_uri_problem(uri, "native")


def test_a_logout_uri_is_a_web_url_even_for_a_native_client():
    assert "not an http(s) URL" in redirect_uri_problem("com.example.app:/fc", "native", custom_schemes=False)
