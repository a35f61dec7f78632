"""The ``ostiary`` command: ``ostiary CONFIG COMMAND [ARGS]``.

``ostiary theme new NAME`` needs no ini file: it writes a theme package.

Commands: ``init``, ``user add|list|set-password|disable|enable``,
``client add|list|show|remove``, ``keys list|rotate``, ``prune``, ``pack``,
``load FILE``, ``plugins``, ``check``, ``logout-deliveries``, ``backup
DEST`` and ``restore SRC``, and those the enabled plugins add
(``ostiary_commands``). A mistake the user can fix ends as one line on standard
error and exit status 2, never as a traceback.

Each command opens the application from the ini file, works in one
transaction and commits it. A FileStorage database allows one process at a
time: while a server holds it, the commands that manage clients, users,
sessions and errors go through the server's admin API instead, as the
admin client ``ostiary.admin_api.*`` names (:mod:`.remote`); the others say
to stop the server, or to use ZEO or RelStorage.
``backup`` and ``restore`` open no application (see :mod:`ostiary.cli.backup`).
"""

from __future__ import annotations

import argparse
import os
import sys

from ..loader import LoadError
from ..models.clients import ClientError
from ..models.users import UserError
from ..settings import SettingsError
from . import commands
from .app import CommandError, DatabaseBusy, RemoteApp, open_app


def build_parser(plugin_manager=None) -> argparse.ArgumentParser:
    """The argument parser of every command (see :mod:`ostiary.cli.commands`),
    with the commands of the plugins ``plugin_manager`` holds."""
    parser = argparse.ArgumentParser(prog="ostiary", description="Manage an Ostiary server.")
    parser.add_argument("config", help="the ini file, e.g. etc/development.ini")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.register(sub)
    if plugin_manager is not None:
        from ..plugins import add_plugin_commands

        add_plugin_commands(plugin_manager, sub)
    return parser


def plugins_of(argv) -> object | None:
    """The plugin manager of the ini file ``argv`` names first, so that the
    parser knows the enabled plugins' commands before it reads the rest.

    ``None`` without a readable ini: opening the application then says
    what is wrong. A bad ``ostiary.*`` setting raises :class:`SettingsError`.
    """
    from pyramid.paster import get_appsettings

    from ..plugins import build_plugin_manager
    from ..settings import parse_settings

    config = argv[0] if argv and not argv[0].startswith("-") else None
    if config is None or not os.path.exists(config.split("#")[0]):
        return None
    try:
        raw = get_appsettings(config)
    except Exception:  # a malformed ini: open_app reports it in one line
        return None
    return build_plugin_manager(parse_settings(raw))


def main(argv=None) -> int:
    """Entry point of the ``ostiary`` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["theme"]:
        from . import themes

        return themes.main(argv)
    try:
        parser = build_parser(plugins_of(argv))
    except SettingsError as exc:
        print(f"ostiary: {exc}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    if not getattr(args, "needs_app", True):
        return _without_app(args)
    try:
        with open_app(args.config, busy_hint=getattr(args, "busy_hint", None)) as app:
            return args.handler(app, args) or 0
    except DatabaseBusy as exc:
        if not getattr(args, "remote", False):
            print(f"ostiary: {exc}", file=sys.stderr)
            return 2
        return _through_admin_api(args)
    except (CommandError, ClientError, UserError, LoadError) as exc:
        # The commands turn model errors into CommandError with context; the
        # model classes are listed too so that one a command missed still
        # reads as one line (the transaction was aborted either way).
        print(f"ostiary: {exc}", file=sys.stderr)
        return 2


def _through_admin_api(args) -> int:
    """Run a command through the admin API of the server that holds the
    database (:mod:`.remote`), or say in one line how to make that work."""
    from pyramid.paster import get_appsettings

    from ..settings import parse_settings
    from . import remote

    found = remote.configured(parse_settings(get_appsettings(args.config)))
    if found is None:
        print(f"ostiary: {remote.HOW_TO}", file=sys.stderr)
        return 2
    try:
        return args.handler(RemoteApp(remote.Remote(*found)), args) or 0
    except CommandError as exc:
        print(f"ostiary: {exc}", file=sys.stderr)
        return 2


def _without_app(args) -> int:
    """A command that needs no application (``ostiary CONFIG theme new``)."""
    try:
        return args.handler(None, args) or 0
    except CommandError as exc:
        print(f"ostiary: {exc}", file=sys.stderr)
        return 2
