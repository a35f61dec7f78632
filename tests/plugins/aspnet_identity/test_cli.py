"""``ostiary CONFIG user ...`` with the ASP.NET Identity store enabled and the
built-in store disabled: the command manages the Identity users, run for
real against an ini file, a FileStorage and an SQLite Identity database."""

from __future__ import annotations

import pytest

from ostiary.testing import write_ini

from .identity_db import V3_SHA512_100000, VECTOR_PASSWORD


@pytest.fixture
def ostiary_cli(tmp_path, sqlite_identity, ostiary_command_line):
    ini = write_ini(
        tmp_path,
        {
            "ostiary.plugins": "aspnet_identity",
            "ostiary.plugins.disabled": "zodb_users profile",
            "aspnet_identity.url": sqlite_identity.url,
        },
    )

    def run(*args, stdin=""):
        return ostiary_command_line(ini, *args, stdin=stdin)

    return run


def test_user_list_shows_the_identity_users(ostiary_cli, sqlite_identity):
    alice = sqlite_identity.add_user("alice", V3_SHA512_100000, "alice@example.org")
    bob = sqlite_identity.add_user("bob", V3_SHA512_100000)
    code, out, err = ostiary_cli("user", "list")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["SUBJECT", "USERNAME", "EMAIL", "STATE"]
    assert lines[1].split() == [alice, "alice", "alice@example.org", "active"]
    assert lines[2].split() == [bob, "bob", "-", "active"]
    assert ostiary_cli("user", "list", "--search", "ALI")[1].splitlines()[1:] == [lines[1]]


def test_user_add_writes_to_the_identity_database(ostiary_cli, sqlite_identity):
    code, out, err = ostiary_cli(
        "user", "add", "carol", "--email", "carol@example.org", "--password-stdin", stdin="Carol-password-1\n"
    )
    assert (code, err) == (0, "")
    row = sqlite_identity.execute('SELECT * FROM "AspNetUsers" WHERE "UserName" = \'carol\'').mappings().one()
    assert out == f"added user carol (subject {row['Id']})\n"
    assert row["NormalizedUserName"] == "CAROL" and row["Email"] == "carol@example.org"
    assert row["PasswordHash"].startswith("AQAAAA")  # an Identity version 3 hash, not argon2
    assert "carol" in ostiary_cli("user", "list")[1]


def test_user_add_refusal_by_the_store_is_one_line(ostiary_cli, sqlite_identity):
    sqlite_identity.add_user("alice")
    code, out, err = ostiary_cli("user", "add", "alice", "--password", "long-enough-pw")
    assert (code, out, err) == (2, "", "ostiary: Username 'alice' is already taken.\n")


def test_user_disable_locks_the_identity_user_for_good_and_enable_undoes_it(ostiary_cli, sqlite_identity):
    alice = sqlite_identity.add_user("alice", V3_SHA512_100000, access_failed_count=3)
    stamp = sqlite_identity.user(alice)["SecurityStamp"]
    assert ostiary_cli("user", "disable", "alice")[1] == "disabled alice\n"
    row = sqlite_identity.user(alice)
    assert row["LockoutEnabled"] and row["LockoutEnd"].startswith("9999-12-31")
    assert row["SecurityStamp"] != stamp  # its sessions and tokens end
    assert "disabled" in ostiary_cli("user", "list")[1].splitlines()[1]
    assert ostiary_cli("user", "enable", "alice")[1] == "enabled alice\n"
    row = sqlite_identity.user(alice)
    assert row["LockoutEnd"] is None and row["AccessFailedCount"] == 0
    assert ostiary_cli("user", "list")[1].splitlines()[1].split()[-1] == "active"


def test_user_set_password_writes_an_identity_hash(ostiary_cli, sqlite_identity):
    alice = sqlite_identity.add_user("alice", V3_SHA512_100000)
    code, out, _ = ostiary_cli("user", "set-password", "alice", "--password-stdin", stdin="New-password-1\n")
    assert (code, out) == (0, "password of alice changed\n")
    assert sqlite_identity.user(alice)["PasswordHash"] != V3_SHA512_100000
    assert VECTOR_PASSWORD not in out
