"""Registration reaches users only through the user-store hooks: with
another store plugin in front, the account lands there, not in ZODB."""

import secrets
from types import SimpleNamespace

import pytest

from ostiary.hookspecs import hookimpl
from ostiary.testing import transaction_root

GOOD = "correct horse battery staple"


class MemoryStore:
    """A user store of its own, registered after the built-in one."""

    def __init__(self):
        self.users = {}
        self.calls = []
        self.refusal = None

    def _find(self, login):
        return next(
            (u for u in self.users.values() if login.casefold() in (u.username.casefold(), (u.email or "").casefold())),
            None,
        )

    @hookimpl
    def ostiary_user_by_username(self, username):
        return self._find(username)

    @hookimpl
    def ostiary_user_by_subject(self, subject):
        return self.users.get(subject)

    @hookimpl
    def ostiary_verify_credentials(self, username, password):
        user = self._find(username)
        if user is None:
            return None
        return user if user.password == password else False

    @hookimpl
    def ostiary_create_user(self, username, email, password, claims):
        self.calls.append("create")
        if self.refusal:
            raise ValueError(self.refusal)
        user = SimpleNamespace(
            subject="mem-" + secrets.token_hex(4),
            username=username,
            email=email,
            password=password,
            claims=dict(claims),
            active=True,
        )
        self.users[user.subject] = user
        return user

    @hookimpl
    def ostiary_update_claims(self, subject, claims):
        self.calls.append("update_claims")
        self.users[subject].claims.update(claims)
        return True


@pytest.fixture
def store():
    return MemoryStore()


@pytest.fixture
def ostiary_plugins(store):
    return [("memory_store", store)]


def test_the_account_is_created_and_confirmed_through_the_hooks(accounts, store):
    accounts.register()
    accounts.confirm(accounts.link("/account/register/verify"))
    [user] = store.users.values()
    assert (user.username, user.email, user.claims) == ("bob", "bob@example.org", {"email_verified": True})
    assert store.calls == ["create", "update_claims"]
    with transaction_root(accounts.wsgi_app) as root:
        assert root.users.by_login("bob") is None


def test_a_store_that_refuses_shows_its_message(accounts, store):
    store.refusal = "This directory accepts no new accounts."
    page = accounts.register(status=400)
    assert "This directory accepts no new accounts." in page.text
    assert accounts.outbox == []
