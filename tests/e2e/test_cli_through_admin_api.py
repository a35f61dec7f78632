"""The ``ostiary`` command while a server holds a FileStorage database
(issue 14): a real server on a loopback port, the real ``ostiary`` console
script in another process, which cannot open the locked database and works
through the server's admin API instead."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from live_server import LiveServer

from ostiary.models.clients import Client
from ostiary.testing import LogoutReceiver, base_settings, transaction_root

OSTIARY = pathlib.Path(sys.executable).with_name("ostiary")

INI = """\
[app:main]
use = egg:ostiary
{settings}
ostiary.admin_api.client_id = {client_id}
"""


@pytest.fixture
def server(tmp_path):
    with LiveServer(tmp_path) as live:
        with transaction_root(live.app) as root:
            client = Client("ops", grant_types=["client_credentials"], scopes=["ostiary:admin"])
            client.add_secret("ops-secret")
            root.clients.add(client)
        yield live


def _ini(tmp_path, server, client_id="ops") -> pathlib.Path:
    settings = {**base_settings(tmp_path), "ostiary.issuer": server.url}
    path = tmp_path / "ostiary.ini"
    path.write_text(INI.format(settings="\n".join(f"{k} = {v}" for k, v in settings.items()), client_id=client_id))
    return path


def _run(ini, *args, secret="ops-secret", stdin=""):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSTIARY_ADMIN")}
    if secret is not None:
        env["OSTIARY_ADMIN_CLIENT_SECRET"] = secret
    return subprocess.run(
        [str(OSTIARY), str(ini), *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def test_client_commands_work_through_the_running_server(tmp_path, server):
    ini = _ini(tmp_path, server)
    added = _run(ini, "client", "add", "shop", "--redirect-uri", "https://shop.example/cb", "--name", "Shop")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added confidential client shop\nclient secret (shown only now")
    updated = _run(ini, "client", "update", "shop", "--name", "The Shop", "--set", "require_consent=false")
    assert updated.stdout == "updated client shop: name, require_consent\n", updated.stderr
    listed = _run(ini, "client", "list")
    assert "The Shop" in listed.stdout
    rotated = _run(ini, "client", "rotate-secret", "shop")
    assert rotated.returncode == 0 and "shown only now" in rotated.stdout
    with transaction_root(server.app) as root:
        shop = root.clients.get("shop")
        assert (shop.name, shop.require_consent, len(shop.secret_digests)) == ("The Shop", False, 1)
    bad = _run(ini, "client", "update", "shop", "--redirect-uri", "http://evil.example/cb")
    assert bad.returncode == 2
    assert bad.stderr.startswith("ostiary: client 'shop': --redirect-uri: 'http://evil.example/cb' must use https")
    removed = _run(ini, "client", "remove", "shop")
    assert removed.stdout == "removed client shop; revoked 0 refresh-token families\n"


def test_user_session_and_error_commands_work_through_the_running_server(tmp_path, server):
    ini = _ini(tmp_path, server)
    added = _run(ini, "user", "add", "bob", "--password-stdin", stdin="bob-password-1\n")
    assert added.returncode == 0, added.stderr
    assert _run(ini, "user", "disable", "bob").stdout == "disabled bob\n"
    assert _run(ini, "user", "enable", "bob").stdout == "enabled bob\n"
    assert _run(ini, "user", "unlock", "bob").stdout == "unlocked bob\n"
    reset = _run(ini, "user", "reset-factors", "bob")
    assert reset.stdout == "reset the factors of bob: none were enrolled\n", reset.stderr
    assert "bob" in _run(ini, "user", "list", "--search", "bo").stdout
    with transaction_root(server.app) as root:
        from ostiary.models.sessions import SSOSession

        subject = root.users.by_login("bob").subject
        session = SSOSession(subject, 3600)
        session.add_client("ops")
        root.sessions.start(session)
        sid = session.sid
    assert sid in _run(ini, "session", "list", "--user", "bob").stdout
    assert _run(ini, "session", "end", sid).stdout == f"ended session {sid}\n"
    assert _run(ini, "session", "end", "--user", "bob").stdout == "ended 0 sessions of bob\n"
    assert (
        _run(ini, "error", "show", "nope").stderr == "ostiary: no error record 'nope' (records are kept for an hour)\n"
    )
    removed = _run(ini, "user", "remove", "bob")
    assert removed.stdout.startswith(f"removed user bob (subject {subject})"), removed.stderr
    with transaction_root(server.app) as root:
        assert root.users.by_login("bob") is None


def test_provider_commands_work_through_the_running_server(tmp_path, server):
    ini = _ini(tmp_path, server)
    add = ["provider", "add", "corp", "--issuer", "https://corp.example.org", "--client-id", "c"]
    added = _run(ini, *add, "--client-secret-stdin", "--claim", "email=mail", stdin="corp-secret\n")
    assert added.stdout == "added OpenID Connect provider corp\n", added.stderr
    updated = _run(ini, "provider", "update", "corp", "--display-name", "Corp SSO", "--link-by-verified-email")
    assert updated.stdout == "updated provider corp: display_name, link_by_verified_email\n", updated.stderr
    listed = _run(ini, "provider", "list").stdout
    assert "Corp SSO" in listed and "database" in listed and "corp-secret" not in listed
    bad = _run(ini, "provider", "update", "corp", "--scopes", "profile")
    assert bad.returncode == 2 and bad.stderr.startswith("ostiary: provider 'corp': --scopes: ")
    with transaction_root(server.app) as root:
        stored = dict(root.federation.providers["corp"])
    assert (stored["client_secret"], stored["display_name"], stored["claims.email"]) == (
        "corp-secret",
        "Corp SSO",
        "mail",
    )
    assert _run(ini, "provider", "remove", "corp").stdout == "removed provider corp\n"
    with transaction_root(server.app) as root:
        assert "corp" not in root.federation.providers


def test_an_error_id_from_the_running_server_is_shown(tmp_path, server):
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(server.url + "/connect/authorize?client_id=ghost&response_type=code")
    except urllib.error.HTTPError as exc:
        location = exc.headers["Location"]
    error_id = location.rpartition("errorId=")[2]
    shown = _run(_ini(tmp_path, server), "error", "show", error_id)
    assert shown.returncode == 0, shown.stderr
    assert f"error id     {error_id}\n" in shown.stdout and "client       ghost" in shown.stdout


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Leave the redirect to the error page unfollowed: its URL holds the id."""

    def redirect_request(self, *args, **kwargs):
        return None


def test_without_an_admin_client_the_command_says_how_in_one_line(tmp_path, server):
    shown = _run(_ini(tmp_path, server), "client", "list", secret=None)
    assert shown.returncode == 2
    assert shown.stderr.count("\n") == 1
    assert "ostiary.admin_api.client_id and OSTIARY_ADMIN_CLIENT_SECRET" in shown.stderr


def test_a_wrong_admin_secret_is_one_line(tmp_path, server):
    shown = _run(_ini(tmp_path, server), "client", "list", secret="wrong")
    assert shown.returncode == 2 and shown.stderr.count("\n") == 1
    assert "the admin client 'ops' got no token" in shown.stderr


def test_keys_list_and_rotate_work_through_the_running_server(tmp_path, server):
    ini = _ini(tmp_path, server)
    rotated = _run(ini, "keys", "rotate", "--now")
    assert rotated.returncode == 0, rotated.stderr
    lines = rotated.stdout.splitlines()
    assert len(lines) == 2 and all(line.endswith("published now, signs from now on") for line in lines)
    listed = _run(ini, "keys", "list").stdout
    assert all(line.split()[3].rstrip(":") in listed for line in lines)  # the new kids
    with transaction_root(server.app) as root:
        assert len(root.keys.keys) == 4


def test_a_command_without_an_api_form_still_says_stop_the_server(tmp_path, server):
    shown = _run(_ini(tmp_path, server), "prune")
    assert shown.returncode == 2
    assert "the database is in use by another process" in shown.stderr


def test_the_back_channel_logout_reaches_the_client_when_the_cli_ends_a_session(tmp_path, server):
    receiver = LogoutReceiver()
    try:
        with transaction_root(server.app) as root:
            from ostiary.models.sessions import SSOSession

            rp = Client("rp", redirect_uris=["https://rp.example/cb"], backchannel_logout_uri=receiver.url)
            root.clients.add(rp)
            session = SSOSession("someone", 3600)
            session.add_client("rp")
            root.sessions.start(session)
            sid = session.sid
        assert _run(_ini(tmp_path, server), "session", "end", sid).returncode == 0
        assert len(receiver.wait_tokens()) == 1
    finally:
        receiver.close()
