"""The admin console's tests: the plugin enabled, the demo data, an
administrator (``root``, holding the ``ostiary-admin`` role) and a person
without the role (``alice``)."""

from __future__ import annotations

import pytest

from ostiary.testing import DEMO, form_value, load_data

ADMIN = {
    "username": "root",
    "password": "root-password",
    "email": "root@example.org",
    "claims": {"name": "Root Admin", "roles": ["ostiary-admin"]},
}


@pytest.fixture
def ostiary_settings(ostiary_settings):
    return {**ostiary_settings, "ostiary.plugins": "admin_console"}


@pytest.fixture
def app(ostiary_testapp, ostiary_app):
    load_data(ostiary_app, {**DEMO, "users": [*DEMO["users"], ADMIN]})
    return ostiary_testapp


def _sign_in(app, username="root", password="root-password"):
    page = app.get("/account/login")
    form = {
        "csrf_token": form_value(page.text, "csrf_token"),
        "returnUrl": "",
        "username": username,
        "password": password,
        "action": "login",
    }
    response = app.post("/account/login", form)
    assert response.status_int in (302, 303), response.text
    return response


@pytest.fixture
def sign_in():
    """``sign_in(testapp, username, password)``: sign in on the login page."""
    return _sign_in


@pytest.fixture
def admin_app(app):
    """``app`` with the administrator signed in."""
    _sign_in(app)
    return app
