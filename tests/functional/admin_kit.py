"""Shared set-up of the admin API tests: clients that hold the admin
scopes, and their tokens."""

from __future__ import annotations

import pytest

from ostiary.models.clients import Client
from ostiary.testing import client_post, transaction_root

API = "/admin/api/v1"

#: client id -> the scopes it may ask for (each has the secret "<id>-secret").
ADMIN_CLIENTS = {
    "automation": ["ostiary:admin", "ostiary:admin.read"],
    "reader": ["ostiary:admin.read"],
    "outsider": ["api"],
}


def add_admin_clients(app) -> None:
    with transaction_root(app) as root:
        for client_id, scopes in ADMIN_CLIENTS.items():
            client = Client(client_id, grant_types=["client_credentials"], scopes=scopes)
            client.add_secret(f"{client_id}-secret")
            root.clients.add(client)


def token_of(testapp, client_id: str, scope: str) -> str:
    response = client_post(
        testapp,
        "/connect/token",
        {"grant_type": "client_credentials", "scope": scope},
        (client_id, f"{client_id}-secret"),
    )
    assert response.status_int == 200, response.text
    return response.json["access_token"]


class Admin:
    """The WebTest app, speaking with one bearer token."""

    def __init__(self, testapp, token: str | None):
        self.testapp = testapp
        self.token = token

    def call(self, method: str, path: str, body=None, *, headers=None, status=None):
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        kwargs = {"headers": headers, "expect_errors": True}
        call = getattr(self.testapp, method.lower())
        if body is not None:
            response = getattr(self.testapp, f"{method.lower()}_json")(API + path, body, **kwargs)
        else:
            response = call(API + path, **kwargs)
        if status is not None:
            assert response.status_int == status, response.text
        return response


@pytest.fixture
def admin_clients(app, ostiary_app):
    add_admin_clients(ostiary_app)


@pytest.fixture
def admin(app, admin_clients) -> Admin:
    return Admin(app, token_of(app, "automation", "ostiary:admin"))


@pytest.fixture
def reader(app, admin_clients) -> Admin:
    return Admin(app, token_of(app, "reader", "ostiary:admin.read"))
