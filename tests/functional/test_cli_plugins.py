"""The command line and third-party plugins: commands a plugin adds
(``ostiary_commands``), ``ostiary user`` on a store without every hook,
and ``ostiary plugins``.

Each plugin here is a real installed distribution: a module and a
``.dist-info`` with its entry point in a directory put on ``sys.path``,
found by ``importlib.metadata`` as pip's would be.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from importlib.metadata import version

import pytest

from ostiary.testing import write_ini

#: A plugin with a command of its own and two settings, one of them secret.
GREETING = """
from ostiary.plugin import CommandError, Setting, hookimpl, plugin_settings, positive_int

@hookimpl
def ostiary_settings():
    return [Setting("greeting.word", "hello", str.strip, "The word to greet with."),
            Setting("greeting.times", "1", positive_int, "How often."),
            Setting("greeting.token", "", str.strip, "A secret.", secret=True)]

@hookimpl
def ostiary_commands(subparsers):
    greet = subparsers.add_parser("greet", help="greet a user")
    greet.add_argument("username")
    greet.set_defaults(handler=greet_user)

def greet_user(app, args):
    user = app.request.plugins.user_by_username(args.username)
    if user is None:
        raise CommandError(f"nobody called {args.username!r} to greet")
    settings = plugin_settings(app.registry, "greeting")
    print(" ".join([settings.word] * settings.times), user.username, user.subject)
"""

#: A read-only user store: it finds and lists users, nothing more.
DIRECTORY = """
from types import SimpleNamespace
from ostiary.plugin import hookimpl

PEOPLE = [SimpleNamespace(subject="s-" + name, username=name, email=None, claims={}, active=True)
          for name in ("alice", "bob")]

@hookimpl
def ostiary_user_by_username(request, username):
    return next((p for p in PEOPLE if p.username == username), None)

@hookimpl
def ostiary_list_users(request, offset, limit, search):
    return PEOPLE[offset:]
"""

#: A store that can only be disabled and enabled; it records the calls.
SWITCH = """
from types import SimpleNamespace
from ostiary.plugin import hookimpl

CALLS = []
CAROL = SimpleNamespace(subject="s-carol", username="carol", email=None, claims={}, active=True)

@hookimpl
def ostiary_user_by_username(request, username):
    return CAROL if username == "carol" else None

@hookimpl
def ostiary_set_active(request, subject, active):
    CALLS.append((subject, active))
    return True if subject == CAROL.subject else None
"""


@pytest.fixture
def install(tmp_path, monkeypatch):
    """Install plugin ``name`` (entry point and module ``test_cli_<name>``)
    from ``source`` as distribution ``ostiary-test-<name>`` ``version``."""
    site = tmp_path / "site"

    def install_plugin(name: str, source: str, dist_version: str = "1.0") -> None:
        module = f"ostiary_test_cli_{name}"
        info = site / f"ostiary_test_{name}-{dist_version}.dist-info"
        info.mkdir(parents=True)
        (site / f"{module}.py").write_text(textwrap.dedent(source))
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: ostiary-test-{name}\nVersion: {dist_version}\n")
        (info / "entry_points.txt").write_text(f"[ostiary.plugins]\n{name} = {module}\n")
        monkeypatch.delitem(sys.modules, module, raising=False)
        # The import system caches what a directory held when it last looked;
        # the new module must be seen even if the folder was looked at before.
        importlib.invalidate_caches()

    monkeypatch.syspath_prepend(str(site))
    return install_plugin


@pytest.fixture
def ostiary_cli(tmp_path, ostiary_command_line):
    """Run ``ostiary INI ARGS...`` with these ``[app:main]`` lines added."""

    def run(*args, stdin: str = "", **settings):
        return ostiary_command_line(write_ini(tmp_path, settings), *args, stdin=stdin)

    return run


# -- ostiary_commands -------------------------------------------------------------


def test_a_plugin_command_runs_with_the_app_and_its_settings(install, ostiary_cli):
    install("greeting", GREETING)
    enabled = {"ostiary.plugins": "greeting", "greeting.word": "hi", "greeting.times": "2"}
    added = ostiary_cli("user", "add", "alice", "--password", "a-long-enough-password", **enabled)
    assert added[0] == 0, added  # the password policy refuses a short one
    code, out, err = ostiary_cli("greet", "alice", **enabled)
    assert (code, err) == (0, "")
    assert out.startswith("hi hi alice ")
    assert ostiary_cli("greet", "nobody", **enabled) == (2, "", "ostiary: nobody called 'nobody' to greet\n")


def test_a_plugin_command_is_absent_when_the_plugin_is_not_enabled(install, ostiary_cli, capsys):
    install("greeting", GREETING)
    with pytest.raises(SystemExit):
        ostiary_cli("greet", "alice")
    assert "invalid choice: 'greet'" in capsys.readouterr().err


# -- plugin settings ------------------------------------------------------------------


def test_an_unknown_key_under_a_plugin_prefix_is_one_line_naming_it(install, ostiary_cli):
    install("greeting", GREETING)
    code, out, err = ostiary_cli("init", **{"ostiary.plugins": "greeting", "greeting.wrod": "hi"})
    assert (code, out) == (2, "")
    assert err == "ostiary: greeting.wrod: unknown setting (known: greeting.times, greeting.token, greeting.word)\n"


def test_a_malformed_plugin_setting_is_one_line_naming_it(install, ostiary_cli):
    install("greeting", GREETING)
    code, _, err = ostiary_cli("init", **{"ostiary.plugins": "greeting", "greeting.times": "twice"})
    assert (code, err) == (2, "ostiary: greeting.times = 'twice': expected a whole number\n")


def test_a_plugin_cannot_declare_a_setting_under_ostiary(install, ostiary_cli):
    install(
        "greedy",
        "from ostiary.plugin import Setting, hookimpl\n"
        "@hookimpl\ndef ostiary_settings():\n"
        "    return [Setting('ostiary.greedy', '', str, 'Not its own.')]\n",
    )
    code, _, err = ostiary_cli("init", **{"ostiary.plugins": "greedy"})
    assert (code, err) == (
        2,
        "ostiary: ostiary.greedy: plugin 'greedy' cannot declare a setting under ostiary., which is core's\n",
    )


# -- ostiary user on a store that cannot do everything ----------------------------------


def test_user_commands_say_in_one_line_what_the_enabled_store_cannot_do(install, ostiary_cli):
    install("directory", DIRECTORY)
    store = {"ostiary.plugins": "directory", "ostiary.plugins.disabled": "zodb_users"}
    code, out, _ = ostiary_cli("user", "list", **store)
    assert code == 0
    assert [line.split() for line in out.splitlines()[1:]] == [
        ["s-alice", "alice", "-", "active"],
        ["s-bob", "bob", "-", "active"],
    ]
    for args, action, hook in (
        (("disable", "alice"), "disable or enable users", "ostiary_set_active"),
        (("add", "carol", "--password", "pw"), "add users", "ostiary_create_user"),
        (("set-password", "alice", "--password", "pw"), "set passwords", "ostiary_set_password"),
    ):
        assert ostiary_cli("user", *args, **store) == (
            2,
            "",
            f"ostiary: the enabled user store cannot {action} (no enabled plugin implements {hook})\n",
        )


def test_user_disable_and_enable_go_through_ostiary_set_active(install, ostiary_cli):
    install("switch", SWITCH)
    store = {"ostiary.plugins": "switch", "ostiary.plugins.disabled": "zodb_users"}
    assert ostiary_cli("user", "disable", "carol", **store) == (0, "disabled carol\n", "")
    assert ostiary_cli("user", "enable", "carol", **store) == (0, "enabled carol\n", "")
    assert sys.modules["ostiary_test_cli_switch"].CALLS == [("s-carol", False), ("s-carol", True)]
    assert ostiary_cli("user", "list", **store)[2] == (
        "ostiary: the enabled user store cannot list users (no enabled plugin implements ostiary_list_users)\n"
    )


# -- ostiary plugins ---------------------------------------------------------------------


def test_plugins_lists_names_versions_hooks_and_settings_without_secrets(install, ostiary_cli):
    install("greeting", GREETING, "1.2.3")
    code, out, err = ostiary_cli(
        "plugins",
        **{
            "ostiary.plugins": "greeting",
            "ostiary.plugins.disabled": "audit_log",
            "greeting.word": "hi",
            "greeting.token": "s3cret-token",
        },
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:2] == [
        f"zodb_clients  ostiary {version('ostiary')} (built-in)",
        "  hooks: ostiary_client, ostiary_cors_origin_known",
    ]
    assert not any(line.startswith("audit_log") for line in lines)
    start = lines.index("greeting  ostiary-test-greeting 1.2.3")
    assert lines[start + 1 :] == [
        "  hooks: ostiary_commands, ostiary_settings",
        "  greeting.word = hi",
        "  greeting.times = 1",
        "  greeting.token = ********",
    ]
    assert "s3cret" not in out
