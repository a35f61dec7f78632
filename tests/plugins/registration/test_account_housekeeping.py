"""The account plugins' expired records go with Ostiary's own pruning
(``ostiary_housekeeping``): by ``ostiary prune`` and by the pruner thread,
no longer on the submit of a form."""

from __future__ import annotations

import contextlib
import time

import transaction
import webtest

import ostiary
from ostiary.cli import main as ostiary_cli
from ostiary.models.util import now
from ostiary.testing import base_settings, close_app, form_value

KEYS = ("ostiary_registration", "ostiary_password_reset")
PLUGINS = {"ostiary.plugins": "registration password_reset", "accounts.mailer": "testing"}


@contextlib.contextmanager
def _data(app, key):
    """A plugin's container, in a transaction of its own (committed on success)."""
    manager = transaction.TransactionManager()
    conn = app.registry._zodb_databases[""].open(transaction_manager=manager)
    try:
        with manager:
            yield conn.root()[key]
    finally:
        conn.close()


def _expire(app, keys=KEYS) -> int:
    """Let every record of the plugins expire, as time would; return how many there are."""
    count = 0
    for key in keys:
        with _data(app, key) as data:
            for record in data.tokens.tokens.values():
                record.expires_at = now() - 1
            for name, (_ends, hits) in list(data.limits.counters.items()):
                data.limits.counters[name] = (now() - 1, hits)
            data.pruned_at = 0  # and the five minutes the old throttle waited between prunes
            count += len(data.tokens.tokens) + len(data.limits.counters)
    return count


def _records(app) -> int:
    total = 0
    for key in KEYS:
        with _data(app, key) as data:
            total += len(data.tokens.tokens) + len(data.limits.counters)
    return total


def _post(testapp, path, **fields):
    page = testapp.get(path)
    return testapp.post(path, {"csrf_token": form_value(page.text, "csrf_token"), **fields})


def _app_with_records(settings):
    """An app with both plugins, a registration link and a reset link mailed."""
    app = ostiary.main({}, **settings)
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
    _post(
        testapp, "/account/register", username="bob", email="bob@example.org", password="correct horse battery staple"
    )
    _post(testapp, "/account/password/forgot", email="bob@example.org")
    return app


def test_ostiary_prune_removes_the_plugins_expired_records(tmp_path, capsys):
    settings = {**base_settings(tmp_path), **PLUGINS}
    app = _app_with_records(settings)
    try:
        expired = _expire(app)
        assert expired >= 3  # the two links and at least a counter
    finally:
        close_app(app)
    ini = tmp_path / "ostiary.ini"
    ini.write_text("[app:main]\nuse = egg:ostiary\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
    capsys.readouterr()
    assert ostiary_cli([str(ini), "prune"]) == 0
    assert capsys.readouterr().out == f"pruned {expired} expired items\n"
    app = ostiary.main({}, **settings)
    try:
        assert _records(app) == 0
    finally:
        close_app(app)


def test_the_pruner_thread_removes_the_plugins_expired_records(tmp_path):
    app = _app_with_records({**base_settings(tmp_path), **PLUGINS, "ostiary.prune_interval": "1"})
    try:
        _expire(app)
        deadline = time.time() + 10
        while _records(app) and time.time() < deadline:
            time.sleep(0.1)
        assert _records(app) == 0
    finally:
        close_app(app)


def test_a_submit_no_longer_prunes(accounts, ostiary_app):
    accounts.register()
    _expire(ostiary_app, ["ostiary_registration"])
    with accounts.data("ostiary_registration") as data:
        stale = len(data.tokens.tokens)
    accounts.register(username="carol", email="carol@example.org")
    with accounts.data("ostiary_registration") as data:
        assert len(data.tokens.tokens) == stale + 1  # the expired link waits for the pruner
