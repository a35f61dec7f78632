"""Helpers for the account plugins' tests: pyramid_mailer's testing mailer
(the only thing that is not real: no SMTP server) and a small driver for
their pages. Each test directory enables the plugins it tests in its own
conftest (``ostiary_settings``), so other plugins' tests here are untouched."""

from __future__ import annotations

import collections.abc
import contextlib
import re

import pytest
import transaction
from pyramid_mailer.interfaces import IMailer

from ostiary.models.util import now
from ostiary.testing import TEST_ISSUER, form_value

#: A password the policy accepts.
GOOD_PASSWORD = "correct horse battery staple"


class Outbox(collections.abc.Sequence):
    """pyramid_mailer's DummyMailer outbox, read after the background
    sender has handed it every queued message (mail leaves after the
    request, see ``ostiary_accounts.delivery``)."""

    def __init__(self, registry):
        self.registry = registry

    def _messages(self) -> list:
        assert self.registry.ostiary_mail_delivery.flush(10), "mail still queued after 10 s"
        return self.registry.getUtility(IMailer).outbox

    def __getitem__(self, index):
        return self._messages()[index]

    def __len__(self):
        return len(self._messages())

    def __eq__(self, other):
        return list(self._messages()) == list(other)

    def __repr__(self):
        return repr(self._messages())


@pytest.fixture
def outbox(ostiary_app):
    """Every message the app mailed, in order (pyramid_mailer's DummyMailer)."""
    return Outbox(ostiary_app.registry)


class Accounts:
    """Drive the account pages as a browser would."""

    def __init__(self, testapp, wsgi_app, outbox):
        self.app = testapp
        self.wsgi_app = wsgi_app
        self.outbox = outbox

    def submit(self, page, to, status=None, **fields):
        """POST the form of ``page`` (its CSRF token and returnUrl) with ``fields``."""
        form = {"csrf_token": form_value(page.text, "csrf_token")}
        if 'name="returnUrl"' in page.text:
            form["returnUrl"] = form_value(page.text, "returnUrl")
        form.update(fields)
        return self.app.post(to, form, status=status)

    def register(self, username="bob", email="bob@example.org", password=GOOD_PASSWORD, return_url="", status=200):
        page = self.app.get("/account/register", params={"returnUrl": return_url} if return_url else {})
        return self.submit(page, "/account/register", status=status, username=username, email=email, password=password)

    def link(self, path, message=None) -> str:
        """The path and query of the link to ``path`` in ``message`` (default: the last mail)."""
        message = message if message is not None else self.outbox[-1]
        match = re.search(rf"{re.escape(TEST_ISSUER)}({re.escape(path)}\?token=[\w-]+)", message.body.data)
        assert match, f"no link to {path} in the mail:\n{message.body.data}"
        return match.group(1)

    def confirm(self, link, status=303):
        """Open a confirmation link and press its button."""
        page = self.app.get(link)
        return self.submit(page, "/account/register/verify", status=status, token=form_value(page.text, "token"))

    def login(self, username, password, status=None):
        page = self.app.get("/account/login")
        return self.submit(page, "/account/login", status=status, username=username, password=password, action="login")

    @contextlib.contextmanager
    def data(self, key):
        """A plugin's container, in a transaction of its own (committed on success)."""
        manager = transaction.TransactionManager()
        conn = self.wsgi_app.registry._zodb_databases[""].open(transaction_manager=manager)
        try:
            with manager:
                yield conn.root()[key]
        finally:
            conn.close()

    def expire_links(self, key):
        """Let every mailed link of a plugin expire, as time would."""
        with self.data(key) as data:
            for record in data.tokens.tokens.values():
                record.expires_at = now() - 1


@pytest.fixture
def accounts(app, ostiary_app, outbox):
    return Accounts(app, ostiary_app, outbox)
