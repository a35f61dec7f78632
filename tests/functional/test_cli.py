"""The ``ostiary`` command line, run in-process against a real ini file and a
real FileStorage database in a temporary directory."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

import ostiary
from ostiary.cli import main
from ostiary.cli.keys import CLOCK_SKEW
from ostiary.cli.output import when
from ostiary.models.grants import Consent
from ostiary.models.sessions import SSOSession
from ostiary.models.util import now
from ostiary.testing import DEMO, CommandResult, base_settings, close_app, transaction_root

REPO = Path(__file__).resolve().parents[2]

# The [app:main] of etc/test.ini with a database file of the test's own. No
# logging sections: fileConfig would hang a handler on the captured stderr.
INI = """\
[app:main]
use = egg:ostiary
ostiary.issuer = http://localhost
ostiary.development = false
ostiary.argon2_time_cost = 1
ostiary.argon2_memory_cost = 1024
ostiary.argon2_parallelism = 1
zodbconn.uri = {uri}
retry.attempts = 3
{extra}
"""


Result = CommandResult


@pytest.fixture
def db_uri(tmp_path):
    return f"file://{tmp_path}/Data.fs"


@pytest.fixture
def configure(tmp_path, db_uri):
    """Write the ini file, with extra ``[app:main]`` lines; return its path."""

    def write(**extra) -> str:
        path = tmp_path / "ostiary.ini"
        path.write_text(INI.format(uri=db_uri, extra="\n".join(f"{k} = {v}" for k, v in extra.items())))
        return str(path)

    return write


@pytest.fixture
def ini(configure):
    return configure()


@pytest.fixture
def ostiary_cli(ini, ostiary_command_line):
    """Run ``ostiary INI ARGS...``; ``stdin`` is what standard input holds."""

    def run(*args, stdin: str = "") -> Result:
        return ostiary_command_line(ini, *args, stdin=stdin)

    return run


@pytest.fixture
def database(tmp_path, db_uri):
    """Open the same database as a second application would; yields
    ``(root, registry)`` in a transaction committed on success."""

    @contextlib.contextmanager
    def open_database():
        app = ostiary.main({}, **{**base_settings(tmp_path), "zodbconn.uri": db_uri})
        try:
            with transaction_root(app) as root:
                yield root, app.registry
        finally:
            close_app(app)

    return open_database


def one_line(result: Result) -> str:
    """The single error line of a failed command."""
    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("ostiary: ")
    return lines[0]


# -- opening the application ---------------------------------------------------


def test_init_creates_the_database_with_signing_keys(ostiary_cli, database):
    result = ostiary_cli("init")
    assert result.code == 0
    assert "issuer http://localhost" in result.out
    with database() as (root, _):
        assert {k.alg for k in root.keys.keys if k.retired_at is None} == {"RS256", "ES256"}


def test_a_missing_ini_file_is_one_line(tmp_path, capsys):
    assert main([str(tmp_path / "nope.ini"), "init"]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"ostiary: {tmp_path / 'nope.ini'}: no such file\n"


def test_a_bad_setting_is_one_line_naming_it(configure, capsys):
    ini = configure(**{"ostiary.access_token_lifetime": "soon"})
    assert main([ini, "init"]) == 2
    line = capsys.readouterr().err
    assert line.count("\n") == 1
    assert line.startswith("ostiary: ostiary.access_token_lifetime = 'soon':")


def test_an_unknown_command_is_a_usage_error(ini, capsys):
    with pytest.raises(SystemExit) as exc:
        main([ini, "frobnicate"])
    assert exc.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


# -- users -----------------------------------------------------------------------


def test_user_add_stores_an_argon2_hash_of_the_password_from_stdin(ostiary_cli, database):
    result = ostiary_cli("user", "add", "bob", "--email", "bob@example.org", "--password-stdin", stdin="bob-password\n")
    assert result.code == 0
    with database() as (root, registry):
        bob = root.users.by_login("bob")
        assert bob.email == "bob@example.org"
        assert bob.password_hash.startswith("$argon2id$")
        assert registry.ostiary_passwords.verify(bob.password_hash, "bob-password")
        assert result.out == f"added user bob (subject {bob.subject})\n"
        assert "bob-password" not in result.out + result.err
        assert bob.password_hash not in result.out + result.err


def test_user_add_stores_claims_with_json_booleans_and_objects(ostiary_cli, database):
    ostiary_cli(
        "user",
        "add",
        "bob",
        "--password",
        "long-enough-pw",
        "--claim",
        "name=Bob Builder",
        "--claim",
        "email_verified=true",
        "--claim",
        'address={"country": "NL"}',
        "--claim",
        "postal_code=0123",
    )
    with database() as (root, _):
        assert dict(root.users.by_login("bob").claims) == {
            "name": "Bob Builder",
            "email_verified": True,
            "address": {"country": "NL"},
            "postal_code": "0123",
        }


def test_user_add_refuses_a_taken_username(ostiary_cli):
    ostiary_cli("user", "add", "bob", "--password-stdin", stdin="long-enough-pw\n")
    assert one_line(ostiary_cli("user", "add", "BOB", "--password-stdin", stdin="long-enough-pw\n")) == (
        "ostiary: username 'BOB' is taken"
    )


def test_user_add_without_a_password_source_stores_nothing(ostiary_cli, database):
    assert "--password-stdin" in one_line(ostiary_cli("user", "add", "bob"))
    with database() as (root, _):
        assert root.users.by_login("bob") is None


def test_user_add_prompts_twice_for_the_password_in_a_terminal(ini, database):
    # A real pseudo-terminal: getpass reads the controlling terminal.
    code = "import sys; from ostiary.cli import main; sys.exit(main(sys.argv[1:]))"
    try:
        pid, fd = pty.fork()
    except OSError:
        pytest.skip("no pseudo-terminals on this system")
    if pid == 0:  # the child: the command, attached to the terminal
        try:
            os.execv(sys.executable, [sys.executable, "-c", code, ini, "user", "add", "carol"])
        finally:
            os._exit(127)  # never run the rest of the test suite in the child
    transcript = b""
    for prompt in (b"Password: ", b"Repeat the password: "):
        while not transcript.endswith(prompt):
            assert select.select([fd], [], [], 30)[0], transcript
            transcript += os.read(fd, 1024)
        os.write(fd, b"carol-password\n")
    with contextlib.suppress(OSError):  # EIO once the child has gone
        while chunk := os.read(fd, 1024):
            transcript += chunk
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0, transcript
    assert b"added user carol" in transcript
    assert b"carol-password" not in transcript  # the terminal did not echo it
    with database() as (root, registry):
        assert registry.ostiary_passwords.verify(root.users.by_login("carol").password_hash, "carol-password")


def test_user_list_shows_subject_username_email_and_state(ostiary_cli, database):
    ostiary_cli("user", "add", "bob", "--email", "bob@example.org", "--password", "long-enough-pw")
    ostiary_cli("user", "add", "carol", "--password", "long-enough-pw")
    with database() as (root, _):
        root.users.by_login("carol").locked_until = now() + 300
        bob_subject = root.users.by_login("bob").subject
    result = ostiary_cli("user", "list")
    lines = result.out.splitlines()
    assert lines[0].split() == ["SUBJECT", "USERNAME", "EMAIL", "STATE"]
    assert lines[1].split() == [bob_subject, "bob", "bob@example.org", "active"]
    assert lines[2].split()[1:5] == ["carol", "-", "active,", "locked"]
    assert "argon2" not in result.out


def test_user_list_searches_usernames_and_emails_and_limits(ostiary_cli):
    for name, email in (("carol", "c@example.org"), ("alice", "a@corp.example"), ("bob", "bob@corp.example")):
        ostiary_cli("user", "add", name, "--email", email, "--password", "long-enough-pw")

    def names(*args):
        return [line.split()[1] for line in ostiary_cli("user", "list", *args).out.splitlines()[1:]]

    assert names() == ["alice", "bob", "carol"]
    assert names("--search", "CORP") == ["alice", "bob"]
    assert names("--search", "corp", "--limit", "1") == ["alice"]


def test_user_set_password_replaces_the_password_and_unlocks(ostiary_cli, database):
    ostiary_cli("user", "add", "bob", "--password", "old-password")
    with database() as (root, _):
        root.users.by_login("bob").locked_until = now() + 300
    result = ostiary_cli("user", "set-password", "bob", "--password-stdin", stdin="new-password\n")
    assert result.out == "password of bob changed\n"
    with database() as (root, registry):
        bob = root.users.by_login("bob")
        assert registry.ostiary_passwords.verify(bob.password_hash, "new-password")
        assert not registry.ostiary_passwords.verify(bob.password_hash, "old-password")
        assert not bob.is_locked()


def test_user_set_password_of_an_unknown_user_is_one_line(ostiary_cli):
    assert one_line(ostiary_cli("user", "set-password", "nobody", "--password-stdin", stdin="x\n")) == (
        "ostiary: no user 'nobody'"
    )


def test_user_disable_and_enable(ostiary_cli, database):
    ostiary_cli("user", "add", "bob", "--password", "long-enough-pw")
    assert ostiary_cli("user", "disable", "bob").out == "disabled bob\n"
    with database() as (root, _):
        assert root.users.by_login("bob").active is False
    assert "disabled" in ostiary_cli("user", "list").out.splitlines()[1]
    assert ostiary_cli("user", "enable", "bob").out == "enabled bob\n"
    with database() as (root, _):
        assert root.users.by_login("bob").active is True


def test_user_disable_of_an_unknown_user_is_one_line(ostiary_cli):
    assert one_line(ostiary_cli("user", "disable", "nobody")) == "ostiary: no user 'nobody'"


# -- clients ---------------------------------------------------------------------


def test_client_add_generates_a_secret_prints_it_once_and_stores_its_digest(ostiary_cli, database):
    result = ostiary_cli(
        "client",
        "add",
        "web",
        "--name",
        "Web app",
        "--redirect-uri",
        "https://rp.example/cb",
        "--grant-type",
        "authorization_code",
        "--grant-type",
        "refresh_token",
        "--scope",
        "openid profile",
        "--scope",
        "offline_access",
    )
    assert result.code == 0
    secret = result.out.splitlines()[-1].rsplit(" ", 1)[1]
    assert len(secret) >= 43  # 32 random bytes, base64url
    with database() as (root, _):
        web = root.clients.get("web")
        assert web.check_client_secret(secret)
        assert secret not in list(web.secret_digests)
        assert (web.name, web.redirect_uris, web.scopes) == (
            "Web app",
            ("https://rp.example/cb",),
            ("openid", "profile", "offline_access"),
        )
        assert web.grant_types == ("authorization_code", "refresh_token")
        stored_digest = web.secret_digests[0]
    shown = ostiary_cli("client", "show", "web").out
    assert secret not in shown and stored_digest not in shown


def test_client_add_with_a_given_secret_does_not_print_it(ostiary_cli, database):
    result = ostiary_cli("client", "add", "svc", "--grant-type", "client_credentials", "--secret", "s3cret-value")
    assert result.out == "added confidential client svc\n"
    with database() as (root, _):
        assert root.clients.get("svc").check_client_secret("s3cret-value")


def test_client_add_public_without_consent(ostiary_cli, database):
    result = ostiary_cli("client", "add", "spa", "--public", "--no-consent", "--redirect-uri", "https://spa.example/cb")
    assert result.out == "added public client spa\n"
    with database() as (root, _):
        spa = root.clients.get("spa")
        assert spa.is_public and not spa.require_consent and len(spa.secret_digests) == 0


def test_client_add_refuses_a_public_client_with_a_secret(ostiary_cli):
    assert "public client has no secret" in one_line(
        ostiary_cli("client", "add", "spa", "--public", "--secret", "x", "--redirect-uri", "https://spa.example/cb")
    )


def test_client_add_refuses_an_invalid_client_and_stores_nothing(ostiary_cli, database):
    assert one_line(ostiary_cli("client", "add", "web")) == (
        "ostiary: client 'web': --redirect-uri: authorization_code needs at least one redirect URI"
    )
    with database() as (root, _):
        assert root.clients.get("web") is None


def test_client_add_refuses_a_taken_client_id(ostiary_cli):
    ostiary_cli("client", "add", "svc", "--grant-type", "client_credentials")
    assert one_line(ostiary_cli("client", "add", "svc", "--grant-type", "client_credentials")) == (
        "ostiary: client 'svc' exists already"
    )


def test_client_list(ostiary_cli):
    ostiary_cli("client", "add", "svc", "--name", "Back office", "--grant-type", "client_credentials", "--scope", "api")
    lines = ostiary_cli("client", "list").out.splitlines()
    assert lines[0].split("  ")[0] == "CLIENT ID"
    assert [cell for cell in lines[1].split("  ") if cell] == [
        "svc",
        "Back office",
        "confidential",
        "client_credentials",
        "api",
    ]


def test_client_show_prints_json_without_secrets(ostiary_cli):
    ostiary_cli(
        "client",
        "add",
        "svc",
        "--grant-type",
        "client_credentials",
        "--secret",
        "s3cret-value",
        "--access-token-lifetime",
        "600",
    )
    result = ostiary_cli("client", "show", "svc")
    data = json.loads(result.out)
    assert data["client_id"] == "svc"
    assert data["access_token_lifetime"] == 600
    assert data["secrets"] == 1
    assert "secret_digests" not in data and "s3cret-value" not in result.out


def test_client_show_and_remove_of_an_unknown_client_are_one_line(ostiary_cli):
    assert one_line(ostiary_cli("client", "show", "ghost")) == "ostiary: no client 'ghost'"
    assert one_line(ostiary_cli("client", "remove", "ghost")) == "ostiary: no client 'ghost'"


def test_client_remove_revokes_its_refresh_tokens_and_consents(ostiary_cli, database):
    ostiary_cli("load", str(REPO / "etc" / "demo.toml"))
    with database() as (root, _):
        family = root.grants.start_family("demo-rp", "some-subject", None, now() + 3600)
        root.grants.remember_consent(Consent("some-subject", "demo-rp", ["openid"]))
        family_id = family.family_id
    assert ostiary_cli("client", "remove", "demo-rp").out == (
        "removed client demo-rp; revoked 1 refresh-token family\n"
    )
    with database() as (root, _):
        assert root.clients.get("demo-rp") is None
        assert root.grants.family(family_id).revoked
        assert root.grants.consent("some-subject", "demo-rp") is None


# -- keys and housekeeping -------------------------------------------------------


def key_rows(result: Result) -> list[list[str]]:
    """The table rows of ``keys list``, split on white space (no header, no notes)."""
    return [line.split() for line in result.out.splitlines()[1:] if not line.startswith("note: ")]


def key_notes(result: Result) -> list[str]:
    return [line for line in result.out.splitlines() if line.startswith("note: ")]


def test_keys_list_shows_the_active_keys(ostiary_cli, database):
    result = ostiary_cli("keys", "list")
    with database() as (root, _):
        kids = {k.kid: k.alg for k in root.keys.keys}
    lines = result.out.splitlines()
    assert lines[0].split() == ["KID", "ALG", "CREATED", "STATE", "PUBLISHED", "UNTIL"]
    assert {line.split()[0]: line.split()[1] for line in lines[1:]} == kids
    assert all(line.split()[3:] == ["active", "-"] for line in lines[1:])


def test_keys_list_notes_an_active_key_older_than_the_key_lifetime(ostiary_cli, database):
    ostiary_cli("init")
    with database() as (root, _):
        old = root.keys.active("RS256")
        old.created_at = now() - 91 * 86400  # the default key_lifetime is 90 days
    note = ostiary_cli("keys", "list").out.splitlines()[-1]
    assert note == (
        f"note: the active RS256 key {old.kid} is older than ostiary.key_lifetime (90 days): "
        "run `ostiary CONFIG keys rotate`"
    )


def test_keys_list_does_not_ask_for_a_rotation_once_a_successor_is_announced(ostiary_cli, database):
    ostiary_cli("init")
    with database() as (root, _):
        for key in root.keys.keys:
            key.created_at = now() - 91 * 86400
    assert ostiary_cli("keys", "rotate").code == 0
    assert not [note for note in key_notes(ostiary_cli("keys", "list")) if "older than" in note]


def test_keys_list_ignores_old_keys_that_no_longer_sign(ostiary_cli, database):
    ostiary_cli("keys", "rotate", "--now")
    with database() as (root, _):
        for key in root.keys.keys:
            if key.retired_at is not None:
                key.created_at = now() - 200 * 86400
    assert key_notes(ostiary_cli("keys", "list")) == []


def test_keys_rotate_announces_the_new_keys_for_a_day_by_default(ostiary_cli, database):
    with database() as (root, _):
        old = {k.kid: k.alg for k in root.keys.keys}
    start = now()
    result = ostiary_cli("keys", "rotate")
    assert result.code == 0
    with database() as (root, _):
        fresh = [k for k in root.keys.keys if k.kid not in old]
        retiring = [k for k in root.keys.keys if k.kid in old]
        activation = fresh[0].activates_at
        assert start + 86400 <= activation <= now() + 86400
        assert all(k.activates_at == activation for k in fresh)
        assert all(k.retired_at == activation for k in retiring)
        assert {k.alg: k.kid for k in fresh} != {k.alg: k.kid for k in retiring}
        assert {root.keys.active(alg).kid for alg in ("RS256", "ES256")} == set(old)
        assert {k.kid for k in root.keys.published()} == {k.kid for k in root.keys.keys}
    lines = result.out.splitlines()
    assert [line for line in lines if line.startswith("new ")] == [
        f"new {k.alg} key {k.kid}: published now, signs from {when(activation)}" for k in fresh
    ]
    assert [line for line in lines if line.startswith(("RS256 ", "ES256 "))] == [
        f"{k.alg} key {k.kid}: signs until {when(activation)}, published until {when(k.publish_until)}"
        for k in retiring
    ]
    assert "announced for 1 day" in result.out
    listing = ostiary_cli("keys", "list")
    assert [row[3] for row in key_rows(listing)] == ["retiring", "retiring", "announced", "announced"]
    assert key_notes(listing) == [
        f"note: the retiring {k.alg} key {k.kid} signs until {when(activation)}" for k in retiring
    ] + [f"note: the announced {k.alg} key {k.kid} signs from {when(activation)}" for k in fresh]


def test_keys_rotate_announce_overrides_the_setting(ostiary_cli, database, configure):
    configure(**{"ostiary.key_announcement": "3600"})
    start = now()
    ostiary_cli("keys", "rotate")
    with database() as (root, _):
        assert all(start + 3600 <= k.activates_at <= now() + 3600 for k in root.keys.keys[2:])
    start = now()
    result = ostiary_cli("keys", "rotate", "--announce", "600")
    assert "announced for 10 minutes" in result.out
    with database() as (root, _):
        assert all(start + 600 <= k.activates_at <= now() + 600 for k in root.keys.keys[4:])
        # The first successors now retire at the second ones' activation, before their own.
        second = root.keys.keys[4].activates_at
        assert all(k.retired_at == second < k.activates_at for k in root.keys.keys[2:4])
    assert result.out.count("never signs (replaced before its activation)") == 2
    listing = ostiary_cli("keys", "list")
    assert [row[3] for row in key_rows(listing)] == ["retiring"] * 2 + ["superseded"] * 2 + ["announced"] * 2
    assert len(key_notes(listing)) == 4  # when the retiring keys stop and the announced ones start


def test_keys_rotate_now_signs_with_the_new_keys_at_once(ostiary_cli, database):
    with database() as (root, _):
        old = {k.kid for k in root.keys.keys}
    result = ostiary_cli("keys", "rotate", "--now")
    assert result.code == 0
    assert [line.split(": ", 1)[1] for line in result.out.splitlines() if line.startswith("new ")] == [
        "published now, signs from now on"
    ] * 2
    assert "announced for" not in result.out
    with database() as (root, _):
        fresh = {root.keys.active(alg).kid for alg in ("RS256", "ES256")}
        assert not fresh & old
    assert [row[3] for row in key_rows(ostiary_cli("keys", "list"))] == ["retired", "retired", "active", "active"]


def test_keys_rotate_now_replaces_announced_keys_before_they_sign(ostiary_cli, database):
    ostiary_cli("keys", "rotate")
    result = ostiary_cli("keys", "rotate", "--now")
    assert result.out.count("never signs (replaced before its activation)") == 2
    with database() as (root, _):
        newest = root.keys.keys[4:]
        assert {root.keys.active(alg).kid for alg in ("RS256", "ES256")} == {k.kid for k in newest}
        assert root.keys.next_change(now()) is None
    listing = ostiary_cli("keys", "list")
    assert [row[3] for row in key_rows(listing)] == ["retired"] * 4 + ["active"] * 2
    assert key_notes(listing) == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--announce", "soon"], "ostiary: --announce 'soon': expected a whole number of seconds"),
        (["--announce=-60"], "ostiary: --announce '-60': expected 0 to 31536000 seconds (365 days)"),
        (["--announce", "31536001"], "ostiary: --announce '31536001': expected 0 to 31536000 seconds (365 days)"),
        (["--now", "--announce", "60"], "ostiary: --now and --announce exclude each other"),
    ],
)
def test_keys_rotate_with_bad_arguments_is_one_line(ostiary_cli, database, args, message):
    with database() as (root, _):
        version = root.keys.version
    assert one_line(ostiary_cli("keys", "rotate", *args)) == message
    with database() as (root, _):
        assert root.keys.version == version


def test_keys_rotate_keeps_old_keys_published_for_the_longest_token_lifetime(ostiary_cli, database, configure):
    configure(**{"ostiary.access_token_lifetime": "7200"})
    ostiary_cli("client", "add", "slow", "--redirect-uri", "https://rp.example/cb", "--id-token-lifetime", "86400")
    with database() as (root, _):
        old = {k.kid for k in root.keys.keys}
    result = ostiary_cli("keys", "rotate", "--now")
    assert result.code == 0
    assert "longest token lifetime 1 day" in result.out
    with database() as (root, _):
        retired = [k for k in root.keys.keys if k.kid in old]
        fresh = [k for k in root.keys.keys if k.kid not in old]
        assert all(k.publish_until == k.retired_at + 86400 + CLOCK_SKEW for k in retired)
        assert {k.alg for k in fresh if k.retired_at is None} == {"RS256", "ES256"}
        assert {k.kid for k in root.keys.published()} == {k.kid for k in root.keys.keys}
    states = [line.split()[3] for line in ostiary_cli("keys", "list").out.splitlines()[1:]]
    assert states == ["retired", "retired", "active", "active"]


def test_keys_rotate_uses_the_settings_when_no_client_lives_longer(ostiary_cli, database, configure):
    configure(**{"ostiary.access_token_lifetime": "7200"})
    ostiary_cli("keys", "rotate")
    with database() as (root, _):
        retired = [k for k in root.keys.keys if k.retired_at is not None]
        assert len(retired) == 2
        assert all(k.publish_until == k.retired_at + 7200 + CLOCK_SKEW for k in retired)


def test_prune_deletes_expired_items_and_unpublished_keys(ostiary_cli, database):
    ostiary_cli("keys", "rotate", "--now")
    with database() as (root, _):
        for key in root.keys.keys:
            if key.retired_at is not None:
                key.publish_until = now() - 1  # as if the longest token lifetime had passed
        root.sessions.start(SSOSession("some-subject", -10))
        root.sessions.start(SSOSession("some-subject", 3600))
    assert ostiary_cli("prune").out == "pruned 3 expired items\n"
    with database() as (root, _):
        assert len(root.keys.keys) == 2
        assert len(root.sessions.by_sid) == 1


def test_prune_keeps_announced_and_retiring_keys(ostiary_cli, database):
    ostiary_cli("keys", "rotate")
    assert ostiary_cli("prune").out == "pruned 0 expired items\n"
    with database() as (root, _):
        assert len(root.keys.keys) == 4


# -- load ------------------------------------------------------------------------


def test_load_reads_the_demo_file(ostiary_cli, database):
    result = ostiary_cli("load", str(REPO / "etc" / "demo.toml"))
    assert result.out == "loaded 1 resources, 1 clients, 1 users\n"
    with database() as (root, _):
        assert root.clients.get("demo-rp").check_client_secret(DEMO["clients"][0]["secret"])


def test_load_applies_the_password_policy(ostiary_cli, tmp_path, database):
    data = tmp_path / "weak.toml"
    data.write_text('[[users]]\nusername = "weak"\npassword = "password123456"\n')
    assert one_line(ostiary_cli("load", str(data))) == (
        "ostiary: users[0]: password refused by the password policy: "
        "This password is too common. Choose one that is harder to guess."
    )
    with database() as (root, _):
        assert root.users.by_login("weak") is None


def test_user_add_and_set_password_apply_the_password_policy(ostiary_cli, database):
    assert one_line(ostiary_cli("user", "add", "bob", "--password", "short")) == (
        "ostiary: password refused: Use at least 10 characters."
    )
    ostiary_cli("user", "add", "bob", "--email", "bob@example.org", "--password", "long-enough-pw")
    assert one_line(ostiary_cli("user", "set-password", "bob", "--password", "bob@example.org")) == (
        "ostiary: password refused: The password must not be your username or email address."
    )
    with database() as (root, registry):
        assert registry.ostiary_passwords.verify(root.users.by_login("bob").password_hash, "long-enough-pw")


def test_load_of_a_missing_file_is_one_line(ostiary_cli, tmp_path):
    assert one_line(ostiary_cli("load", str(tmp_path / "none.toml"))) == (
        f"ostiary: {tmp_path / 'none.toml'}: No such file or directory"
    )


# -- what the command line refuses, in one line ----------------------------------


@pytest.mark.parametrize(
    "uri, reason",
    [
        ("notaurl", "'notaurl' is not an absolute URI"),
        ("/relative/cb", "'/relative/cb' is not an absolute URI"),
        ("javascript:alert(1)", "the javascript: scheme cannot be a redirect target"),
        ("http://rp.example/cb", "must use https"),
        ("https://rp.example/cb#top", "has a fragment"),
        ("https://*.rp.example/cb", "has a wildcard"),
        ("com.example.app:/cb", "a private-use scheme needs application_type native"),
    ],
)
def test_client_add_refuses_a_bad_redirect_uri_in_one_line_naming_the_option(ostiary_cli, database, uri, reason):
    line = one_line(ostiary_cli("client", "add", "web", "--redirect-uri", uri))
    assert line.startswith("ostiary: client 'web': --redirect-uri: ")
    assert reason in line
    with database() as (root, _):
        assert root.clients.get("web") is None


def test_client_add_refuses_a_bad_post_logout_redirect_uri_naming_the_option(ostiary_cli):
    line = one_line(
        ostiary_cli(
            "client", "add", "web", "--redirect-uri", "https://rp.example/cb", "--post-logout-redirect-uri", "/bye"
        )
    )
    assert line == (
        "ostiary: client 'web': --post-logout-redirect-uri: '/bye' is not an absolute URI (e.g. https://rp.example/cb)"
    )


@pytest.mark.parametrize("uri", ["http://127.0.0.1:9999/cb", "http://[::1]/cb", "http://localhost:8080/cb"])
def test_client_add_accepts_plain_http_to_loopback(ostiary_cli, database, uri):
    assert ostiary_cli("client", "add", "dev", "--redirect-uri", uri, "--secret", "s").code == 0
    with database() as (root, _):
        assert root.clients.get("dev").redirect_uris == (uri,)


def test_client_add_accepts_a_private_use_scheme_for_a_native_client(ostiary_cli, database):
    result = ostiary_cli(
        "client",
        "add",
        "app",
        "--public",
        "--application-type",
        "native",
        "--redirect-uri",
        "com.example.app:/oauth2redirect",
    )
    assert result.code == 0, result.err
    with database() as (root, _):
        client = root.clients.get("app")
        assert (client.application_type, client.redirect_uris) == ("native", ("com.example.app:/oauth2redirect",))


def test_client_add_refuses_javascript_even_for_a_native_client(ostiary_cli):
    line = one_line(
        ostiary_cli(
            "client", "add", "app", "--public", "--application-type", "native", "--redirect-uri", "javascript:alert(1)"
        )
    )
    assert line.startswith("ostiary: client 'app': --redirect-uri: ")


@pytest.mark.parametrize("name", ["", "   "])
def test_user_add_refuses_an_empty_username_and_stores_nothing(ostiary_cli, database, name):
    assert one_line(ostiary_cli("user", "add", name, "--password-stdin", stdin="long-enough-pw\n")) == (
        "ostiary: the username must not be empty"
    )
    with database() as (root, _):
        assert list(root.users) == []


def test_a_mistyped_disabled_plugin_is_one_line_listing_the_known_ones(configure, capsys):
    ini = configure(**{"ostiary.plugins.disabled": "zodb_user"})
    assert main([ini, "init"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("ostiary: ostiary.plugins.disabled: no plugin named 'zodb_user' (known: ")
    assert "zodb_users" in lines[0]


def test_a_missing_database_uri_is_one_line_naming_it(tmp_path, capsys):
    path = tmp_path / "ostiary.ini"
    path.write_text(INI.format(uri="", extra="").replace("zodbconn.uri = \n", ""))
    assert main([str(path), "init"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("ostiary: zodbconn.uri: required setting is missing")


# -- pack ------------------------------------------------------------------------


def rewrite_a_user(tmp_path, times: int) -> None:
    """Change alice ``times`` times, one transaction each: the way sign-ins
    leave old object versions behind in a FileStorage."""
    import transaction
    import ZODB
    from ZODB.FileStorage import FileStorage

    from ostiary.models.root import open_root_from_connection

    db = ZODB.DB(FileStorage(str(tmp_path / "Data.fs")))
    manager = transaction.TransactionManager()
    conn = db.open(transaction_manager=manager)
    try:
        root = open_root_from_connection(conn)
        for turn in range(times):
            with manager:
                root.users.by_login("alice").claims["note"] = f"{turn:04d}" + "x" * 2000
    finally:
        conn.close()
        db.close()


def test_pack_shrinks_a_grown_database_and_keeps_what_is_current(ostiary_cli, database, tmp_path):
    ostiary_cli("load", str(REPO / "etc" / "demo.toml"))
    rewrite_a_user(tmp_path, 300)
    grown = (tmp_path / "Data.fs").stat().st_size
    result = ostiary_cli("pack", "--days", "0")
    assert result.code == 0, result.err
    assert result.out.startswith(f"packed {tmp_path / 'Data.fs'}, keeping 0 days of history: ")
    assert (tmp_path / "Data.fs").stat().st_size < grown / 10
    assert not (tmp_path / "Data.fs.old").exists()
    with database() as (root, registry):
        alice = root.users.by_login("alice")
        assert alice.claims["note"].startswith("0299")
        assert registry.ostiary_passwords.verify(alice.password_hash, "alice-password")
        assert root.clients.get("demo-rp").check_client_secret("demo-secret")


def test_pack_keeps_the_days_of_history_the_setting_asks_for(configure, capsys, tmp_path):
    ini = configure(**{"ostiary.pack_keep_days": "3"})
    assert main([ini, "init"]) == 0
    assert main([ini, "load", str(REPO / "etc" / "demo.toml")]) == 0
    rewrite_a_user(tmp_path, 50)
    grown = (tmp_path / "Data.fs").stat().st_size
    capsys.readouterr()
    assert main([ini, "pack"]) == 0
    assert "keeping 3 days of history" in capsys.readouterr().out
    # Every version is younger than three days: the pack keeps them all.
    assert (tmp_path / "Data.fs").stat().st_size >= grown


def test_pack_refuses_a_negative_number_of_days(ostiary_cli, capsys):
    with pytest.raises(SystemExit) as exc:
        ostiary_cli("pack", "--days", "-1")
    assert exc.value.code == 2
    assert "expected a number of days from 0 to 36500, not '-1'" in capsys.readouterr().err


def test_pack_while_a_server_holds_the_database_is_one_line(ostiary_cli, tmp_path):
    ostiary_cli("init")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from ZODB.FileStorage import FileStorage; "
            "s = FileStorage(sys.argv[1]); print('open', flush=True); sys.stdin.read()",
            str(tmp_path / "Data.fs"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "open\n"
        assert one_line(ostiary_cli("pack")) == (
            "ostiary: the database is in use by another process (a running server?): stop it first, "
            "or let the server pack it itself (ostiary.pack_interval)"
        )
    finally:
        holder.stdin.close()
        holder.wait(10)
