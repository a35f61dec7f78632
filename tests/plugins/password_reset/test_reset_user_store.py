"""Password reset reaches users only through the user-store hooks."""

from types import SimpleNamespace

import pytest

from ostiary.hookspecs import hookimpl

GOOD = "correct horse battery staple"


class DirectoryStore:
    """One account, kept outside ZODB; records the passwords it is given."""

    def __init__(self):
        self.user = SimpleNamespace(
            subject="dir-1", username="carol", email="carol@example.org", claims={"email_verified": True}, active=True
        )
        self.passwords = []

    @hookimpl
    def ostiary_user_by_username(self, username):
        return self.user if username.casefold() in ("carol", "carol@example.org") else None

    @hookimpl
    def ostiary_user_by_subject(self, subject):
        return self.user if subject == "dir-1" else None

    @hookimpl
    def ostiary_set_password(self, subject, password):
        if subject != "dir-1":
            return None
        self.passwords.append(password)
        return True


@pytest.fixture
def store():
    return DirectoryStore()


@pytest.fixture
def ostiary_plugins(store):
    return [("directory_store", store)]


def test_the_new_password_goes_to_the_store_that_holds_the_account(accounts, store):
    page = accounts.app.get("/account/password/forgot")
    accounts.submit(page, "/account/password/forgot", email="Carol@example.org")
    assert accounts.outbox[0].recipients == ["carol@example.org"]
    link = accounts.link("/account/password/reset")
    form = accounts.app.get(link)
    accounts.submit(form, "/account/password/reset", token=link.split("token=")[1], password=GOOD)
    assert store.passwords == [GOOD]
