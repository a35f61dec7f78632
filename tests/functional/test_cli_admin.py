"""The commands of issue 14 on the database itself (the e2e tests run them
through a running server's admin API): ``client update``, ``client
rotate-secret``, ``user remove``, ``user unlock``, ``session list|end``,
``error show``, and ``ostiary load`` checking fields as the API does."""

from __future__ import annotations

import pytest

import ostiary
from ostiary.models.interactions import ErrorRecord
from ostiary.models.sessions import SSOSession
from ostiary.testing import base_settings, close_app, transaction_root

INI = """\
[app:main]
use = egg:ostiary
{settings}
"""


@pytest.fixture
def ini(tmp_path):
    path = tmp_path / "ostiary.ini"
    path.write_text(INI.format(settings="\n".join(f"{k} = {v}" for k, v in base_settings(tmp_path).items())))
    return path


@pytest.fixture
def cli(ini, ostiary_command_line):
    def run(*args, stdin=""):
        return ostiary_command_line(ini, *args, stdin=stdin)

    return run


@pytest.fixture
def database(tmp_path):
    import contextlib

    @contextlib.contextmanager
    def open_database():
        app = ostiary.main({}, **base_settings(tmp_path))
        try:
            with transaction_root(app) as root:
                yield root
        finally:
            close_app(app)

    return open_database


def test_client_update_changes_only_the_fields_given(cli, database):
    cli("client", "add", "web", "--redirect-uri", "https://rp.example/cb", "--name", "Web")
    result = cli(
        "client", "update", "web", "--scope", "openid profile", "--set", "backchannel_logout_uri=https://rp.example/bc"
    )
    assert result.out == "updated client web: backchannel_logout_uri, scopes\n", result.err
    with database() as root:
        web = root.clients.get("web")
        assert (web.name, web.scopes, web.backchannel_logout_uri) == (
            "Web",
            ("openid", "profile"),
            "https://rp.example/bc",
        )
        assert web.redirect_uris == ("https://rp.example/cb",)


def test_client_update_refuses_with_the_service_s_one_line(cli):
    cli("client", "add", "web", "--redirect-uri", "https://rp.example/cb")
    assert (
        cli("client", "update", "web", "--set", "colour=blue").err
        == "ostiary: client 'web': colour: unknown client field 'colour'\n"
    )
    assert cli("client", "update", "web", "--set", "require_pkce=maybe").err == (
        "ostiary: client 'web': require_pkce: expected true or false\n"
    )
    assert cli("client", "update", "web").err.startswith("ostiary: nothing to change")
    assert cli("client", "update", "ghost", "--name", "x").err == "ostiary: no client 'ghost'\n"


def test_client_rotate_secret_shows_the_new_one_once_and_drops_the_old(cli, database):
    old = cli("client", "add", "web", "--redirect-uri", "https://rp.example/cb").out.rsplit(" ", 1)[1].strip()
    result = cli("client", "rotate-secret", "web")
    new = result.out.rsplit(" ", 1)[1].strip()
    assert result.out.startswith("new secret of client web; the old secret no longer works\n")
    with database() as root:
        web = root.clients.get("web")
        assert web.check_client_secret(new) and not web.check_client_secret(old)
    cli("client", "rotate-secret", "web", "--keep-old")
    with database() as root:
        assert len(root.clients.get("web").secret_digests) == 2
    cli("client", "add", "spa", "--public", "--redirect-uri", "https://spa.example/cb")
    assert cli("client", "rotate-secret", "spa").err == "ostiary: client 'spa' authenticates without a shared secret\n"


def test_user_remove_and_unlock(cli, database):
    cli("user", "add", "bob", "--password", "bob-password-1")
    with database() as root:
        bob = root.users.by_login("bob")
        bob.locked_until = 2**40
        subject = bob.subject
        root.sessions.start(SSOSession(subject, 3600))
    assert cli("user", "unlock", "bob").out == "unlocked bob\n"
    with database() as root:
        assert not root.users.get(subject).is_locked()
    removed = cli("user", "remove", "bob")
    assert removed.out == (
        f"removed user bob (subject {subject}); ended 1 session and revoked its tokens, consents and linked logins\n"
    )
    with database() as root:
        assert root.users.by_login("bob") is None and root.sessions.of_subject(subject) == []
    assert cli("user", "remove", "bob").err == "ostiary: no user 'bob'\n"


def test_session_list_and_end(cli, database):
    cli("user", "add", "bob", "--password", "bob-password-1")
    with database() as root:
        subject = root.users.by_login("bob").subject
        sessions = [SSOSession(subject, 3600), SSOSession(subject, 3600)]
        for session in sessions:
            root.sessions.start(session)
        sids = [s.sid for s in sessions]
    listed = cli("session", "list", "--user", "bob").out
    assert all(sid in listed for sid in sids)
    assert cli("session", "end", sids[0]).out == f"ended session {sids[0]}\n"
    assert cli("session", "end", sids[0]).err == f"ostiary: no session {sids[0]!r}\n"
    assert cli("session", "end", "--user", "bob").out == "ended 1 session of bob\n"
    with database() as root:
        assert root.sessions.of_subject(subject) == []


def test_error_show_prints_the_record(cli, database):
    cli("init")
    with database() as root:
        error_id = root.interactions.put_error(ErrorRecord("invalid_client", "no such client", client_id="ghost"))
    shown = cli("error", "show", error_id)
    assert shown.code == 0
    assert f"error id     {error_id}\n" in shown.out and "description  no such client\n" in shown.out
    assert cli("error", "show", "nope").err == "ostiary: no error record 'nope' (records are kept for an hour)\n"


def test_load_checks_client_fields_as_the_admin_api_does(cli, tmp_path, database):
    data = tmp_path / "set-up.toml"
    data.write_text(
        '[[clients]]\nclient_id = "web"\nsecret = "s"\nredirect_uris = ["https://rp.example/cb"]\nrequire_pkce = "no"\n'
    )
    assert cli("load", str(data)).err == "ostiary: clients[0]: require_pkce: expected true or false\n"
    with database() as root:
        assert root.clients.get("web") is None
