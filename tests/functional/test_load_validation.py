"""The TOML loader applies the same URI rules as the command line, and says
where in the file a bad value is."""

import pytest

from ostiary.loader import LoadError, load
from ostiary.testing import transaction_root


@pytest.fixture
def transaction_app_root(ostiary_app):
    """``(root, passwords)`` of a real database, in a transaction."""
    with transaction_root(ostiary_app) as root:
        yield root, ostiary_app.registry.ostiary_passwords


def _client(**fields):
    spec = {"client_id": "rp", "secret": "s", "redirect_uris": ["https://rp.example/cb"]}
    spec.update(fields)
    return {"clients": [spec]}


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("redirect_uris", ["notaurl"], "clients[0]: redirect_uris: 'notaurl' is not an absolute URI"),
        ("redirect_uris", ["http://rp.example/cb"], "clients[0]: redirect_uris: 'http://rp.example/cb' must use https"),
        (
            "post_logout_redirect_uris",
            ["javascript:alert(1)"],
            "clients[0]: post_logout_redirect_uris: 'javascript:alert(1)'",
        ),
        (
            "frontchannel_logout_uri",
            "com.example.app:/fc",
            "clients[0]: frontchannel_logout_uri: 'com.example.app:/fc' is not an http(s) URL",
        ),
        (
            "backchannel_logout_uri",
            "http://rp.example/bc",
            "clients[0]: backchannel_logout_uri: 'http://rp.example/bc' must use https",
        ),
        ("application_type", "desktop", "clients[0]: application_type: expected one of web, native"),
    ],
)
def test_load_refuses_a_bad_client_uri_naming_the_key(transaction_app_root, field, value, message):
    root, passwords = transaction_app_root
    with pytest.raises(LoadError) as excinfo:
        load(root, passwords, _client(**{field: value}))
    assert str(excinfo.value).startswith(message)


def test_load_accepts_a_native_client_with_a_private_use_scheme(transaction_app_root):
    root, passwords = transaction_app_root
    load(root, passwords, _client(application_type="native", redirect_uris=["com.example.app:/cb"]))
    assert root.clients.get("rp").redirect_uris == ("com.example.app:/cb",)


def test_load_refuses_an_empty_username(transaction_app_root):
    root, passwords = transaction_app_root
    with pytest.raises(LoadError, match=r"users\[0\]: the username must not be empty"):
        load(root, passwords, {"users": [{"username": "", "password": "pw"}]})
