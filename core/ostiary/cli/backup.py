"""``ostiary CONFIG backup DEST`` and ``ostiary CONFIG restore SRC``: the
embedded FileStorage, backed up with ZODB's ``repozo`` (see
:mod:`ostiary.models.backups`).

Neither opens the application: a backup reads the file the running server
appends to (it holds the lock, repozo needs none), and a restore must run
while no server does, which it checks.
"""

from __future__ import annotations

from pathlib import Path

from ..models import backups
from .app import CommandError
from .output import size


def register(sub) -> None:
    backup = sub.add_parser(
        "backup", help="back up the FileStorage into a directory (incremental; safe while the server runs)"
    )
    backup.add_argument("dest", help="the backup directory (repozo's repository); made if absent")
    backup.add_argument("--full", action="store_true", help="a full backup even if an incremental one would do")
    backup.add_argument("--gzip", action="store_true", help="compress the backup files")
    backup.set_defaults(handler=cmd_backup, needs_app=False)
    restore = sub.add_parser("restore", help="restore the FileStorage from a backup directory (stop the server first)")
    restore.add_argument("src", help="a directory written by ostiary backup")
    restore.add_argument("--date", help="restore the state as of this UTC time, yyyy-mm-dd[-hh[-mm[-ss]]]")
    restore.set_defaults(handler=cmd_restore, needs_app=False)


def _database(config: str) -> backups.FileDatabase:
    """The FileStorage the ini file ``config`` names, read without starting
    the application (which would need the database lock)."""
    from pyramid.paster import get_appsettings

    if not Path(config.split("#")[0]).exists():
        raise CommandError(f"{config}: no such file")
    try:
        uri = get_appsettings(config).get("zodbconn.uri")
    except Exception as exc:  # a malformed ini file
        raise CommandError(f"{config}: {exc}") from None
    if not uri:
        raise CommandError(f"{config}: no zodbconn.uri")
    try:
        return backups.file_database(uri)
    except backups.BackupError as exc:
        raise CommandError(str(exc)) from None


def cmd_backup(_app, args):
    database = _database(args.config)
    try:
        result = backups.backup(database, Path(args.dest), full=args.full, gzip=args.gzip)
    except backups.BackupError as exc:
        raise CommandError(f"not backed up: {exc}") from None
    blobs = f", {result.blobs} blob file{'' if result.blobs == 1 else 's'}" if database.blobs else ""
    if result.kind == "none":
        print(f"{database.path}: nothing new since the last backup in {args.dest}{blobs}")
    else:
        print(f"{result.kind} backup of {database.path}: {result.written.name}, {size(result.size)}{blobs}")


def cmd_restore(_app, args):
    database = _database(args.config)
    try:
        result = backups.restore(Path(args.src), database, date=args.date)
    except backups.BackupError as exc:
        raise CommandError(f"not restored: {exc}") from None
    print(f"restored {result.path} ({size(result.size)}) from {args.src}; it passes fstest")
    if result.kept is not None:
        print(f"the file it replaced is kept as {result.kept}")
