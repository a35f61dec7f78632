"""Opening the application for a command, inside one transaction."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

from pyramid.paster import bootstrap, setup_logging

from ..models.database import close_databases, database
from ..settings import SettingsError, SettingsExit


class CommandError(Exception):
    """A command failed in a way the user can fix; printed as one line."""


class DatabaseBusy(CommandError):
    """Another process (a running server) holds the database: a command
    that can work through the admin API does so then (issue 14)."""


@dataclass
class App:
    """What a command works with."""

    request: object
    registry: object

    @property
    def root(self):
        return self.request.ostiary_root

    @property
    def db(self):
        """The application's ZODB database."""
        return database(self.registry)

    @property
    def settings(self):
        return self.registry.ostiary_settings

    @property
    def backend(self):
        """The service layer on this database, acting as ``cli`` (see :mod:`.backend`)."""
        from .backend import Local

        return Local(self.request)


@dataclass
class RemoteApp:
    """What a command that can work through the admin API gets while a
    running server holds the database: only :attr:`backend`."""

    backend: object


def _cannot_open(exc: Exception, busy_hint: str | None) -> str:
    """One line on why the database did not open, with what to do."""
    if type(exc).__name__ == "LockError":  # zc.lockfile: FileStorage's lock file is held
        return "the database is in use by another process (a running server?): stop it first, " + (
            busy_hint or "or use ZEO or RelStorage to share the database"
        )
    return f"cannot open the application: {type(exc).__name__}: {exc}"


@contextlib.contextmanager
def open_app(config_uri: str, busy_hint: str | None = None):
    """Bootstrap the app from ``config_uri``; commit if the command succeeds.

    ``busy_hint`` ends the message when another process holds the database.
    """
    if not os.path.exists(config_uri.split("#")[0]):
        raise CommandError(f"{config_uri}: no such file")
    try:
        setup_logging(config_uri)
        env = bootstrap(config_uri)
    except SettingsExit as exc:
        raise CommandError(str(exc.error)) from None
    except SettingsError as exc:
        raise CommandError(str(exc)) from None
    except Exception as exc:  # a locked FileStorage, an unreachable database, ...
        if type(exc).__name__ == "LockError":
            raise DatabaseBusy(_cannot_open(exc, busy_hint)) from None
        raise CommandError(_cannot_open(exc, busy_hint)) from None
    request = env["request"]
    try:
        request.tm.begin()
        try:
            yield App(request, env["registry"])
            request.tm.commit()
        except BaseException:
            request.tm.abort()
            raise
    finally:
        env["closer"]()
        from ..maintenance import stop_workers

        stop_workers(env["registry"])  # the audit writer writes the command's events
        close_databases(env["registry"])
