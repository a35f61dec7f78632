"""Backups of the embedded FileStorage with ZODB's ``repozo``, safe while
the server serves.

A FileStorage only ever appends: a transaction is written with a
"checkpoint" status and marked committed when it is complete. ``repozo``
opens the file read-only (no lock: the running server keeps its lock),
scans it to the end of the last *complete* transaction and copies only up
to there; a transaction being written at that moment is simply not part of
this backup. The first backup into a repository is a full copy, the next
ones copy what was appended since (incremental), and a pack, which rewrites
the file, makes the next one full again: all repozo's own rules.

Blob files (``blobstorage_dir``) are not in ``Data.fs``; they are immutable
once committed, so they are copied after the file, new ones only.

Restoring writes a new ``Data.fs`` (and its index) from the repository, as
of the newest backup or a given UTC date, checks it with ``fstest`` and only
then moves it into place; the file it replaces is kept beside it. The
server must be stopped: a restore replaces the file under it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

#: What backs up a database that is not a FileStorage this process can read.
OTHER_TOOLS = {
    "zeo": "back up the ZEO server's file on its host with repozo (repozo -B -r DIR -f /var/lib/ostiary/Data.fs)",
    "postgres": "back up RelStorage's PostgreSQL database with pg_dump -Fc (restore with pg_restore)",
    "postgresql": "back up RelStorage's PostgreSQL database with pg_dump -Fc (restore with pg_restore)",
}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


@dataclass(frozen=True)
class FileDatabase:
    """Where a ``file://`` ``zodbconn.uri`` keeps its data."""

    path: Path
    blobs: Path | None


def file_database(uri: str) -> FileDatabase:
    """The ``Data.fs`` (and blob directory) of ``uri``, a ``zodbconn.uri``.

    Other storages raise :class:`BackupError` naming their own tool.
    """
    parts = urlsplit(uri)
    if parts.scheme != "file":
        tool = OTHER_TOOLS.get(parts.scheme, f"back up this storage ({parts.scheme}://) with its own tools")
        raise BackupError(f"ostiary backup handles the embedded FileStorage (file://) only: {tool}")
    path = unquote(parts.netloc + parts.path)
    blobs = parse_qs(parts.query).get("blobstorage_dir")
    return FileDatabase(Path(path), Path(blobs[0]) if blobs else None)


def _repozo(*args: str) -> None:
    """Run ``repozo`` (ZODB's, from this Python) and turn its failure into
    one line: it reports mistakes by exiting with a message."""
    result = subprocess.run(
        [sys.executable, "-m", "ZODB.scripts.repozo", *args], capture_output=True, text=True, check=False
    )
    if result.returncode:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"repozo failed: {message[-1] if message else 'exit status ' + str(result.returncode)}")


def _copy_new_blobs(source: Path, target: Path) -> int:
    """Copy the files of ``source`` that ``target`` lacks; return how many.
    Committed blob files never change, so a file already there is current."""
    copied = 0
    for directory, _dirs, files in os.walk(source):
        relative = Path(directory).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            if name.endswith(".tmp") or relative.parts[:1] == ("tmp",):
                continue  # uncommitted: a transaction still writing it
            destination = target / relative / name
            if not destination.exists():
                shutil.copy2(Path(directory) / name, destination)
                copied += 1
    return copied


@dataclass(frozen=True)
class BackupResult:
    kind: str  # "full" or "incremental"
    written: Path  # the file repozo wrote for this backup
    size: int  # its size in bytes
    blobs: int  # blob files copied


def _backups(repository: Path) -> list[Path]:
    return sorted(p for p in repository.iterdir() if p.suffix in (".fs", ".fsz", ".deltafs", ".deltafsz"))


def backup(database: FileDatabase, repository: Path, full: bool = False, gzip: bool = False) -> BackupResult:
    """Back ``database`` up into the directory ``repository`` (made if
    absent): incremental when the repository holds an earlier backup of the
    same file, full otherwise or when ``full``."""
    if not database.path.exists():
        raise BackupError(f"{database.path}: no such database file")
    repository.mkdir(parents=True, exist_ok=True)
    before = set(_backups(repository))
    # repozo names its files after the second they were made; two backups
    # within one second would collide, so wait for the next one.
    if before and time.time() - max(p.stat().st_mtime for p in before) < 1.1:
        time.sleep(1.1)
    args = ["-B", "-r", str(repository), "-f", str(database.path)]
    if full:
        args.append("-F")
    if gzip:
        args.append("-z")
    _repozo(*args)
    written = sorted(set(_backups(repository)) - before)
    if not written:  # nothing committed since the last backup: repozo writes nothing
        return BackupResult("none", repository, 0, _blobs_to(database, repository))
    made = written[-1]
    kind = "incremental" if made.suffix.startswith(".delta") else "full"
    return BackupResult(kind, made, made.stat().st_size, _blobs_to(database, repository))


def _blobs_to(database: FileDatabase, repository: Path) -> int:
    if database.blobs is None or not database.blobs.exists():
        return 0
    return _copy_new_blobs(database.blobs, repository / "blobs")


def check_file(path: Path) -> None:
    """Raise :class:`BackupError` unless ``path`` is a well-formed
    FileStorage (ZODB's ``fstest``: every transaction and data record)."""
    from ZODB.scripts import fstest

    try:
        fstest.check(str(path))
    except fstest.FormatError as exc:
        raise BackupError(f"{path} fails fstest: {exc}") from None


def _in_use(path: Path) -> bool:
    """Whether a process holds the FileStorage's lock (a running server)."""
    import zc.lockfile

    lock_path = str(path) + ".lock"
    if not os.path.exists(lock_path):
        return False
    try:
        lock = zc.lockfile.LockFile(lock_path)
    except zc.lockfile.LockError:
        return True
    lock.close()
    return False


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    size: int
    kept: Path | None  # the file the restore replaced, moved aside
    blobs: int


def restore(repository: Path, database: FileDatabase, date: str | None = None) -> RestoreResult:
    """Write ``database`` from the backups in ``repository`` (as of ``date``,
    ``yyyy-mm-dd[-hh[-mm[-ss]]]`` UTC, or the newest), checked by fstest
    before it replaces anything."""
    if not repository.is_dir() or not _backups(repository):
        raise BackupError(f"{repository}: no backups there")
    if _in_use(database.path):
        raise BackupError(f"{database.path} is in use by another process (a running server?): stop it first")
    database.path.parent.mkdir(parents=True, exist_ok=True)
    incoming = database.path.with_name(database.path.name + ".restoring")
    for stale in (incoming, Path(str(incoming) + ".index")):
        stale.unlink(missing_ok=True)
    args = ["-R", "-r", str(repository), "-o", str(incoming), "-w"]
    if date:
        args += ["-D", date]
    _repozo(*args)
    try:
        check_file(incoming)
    except BackupError:
        incoming.unlink(missing_ok=True)
        Path(str(incoming) + ".index").unlink(missing_ok=True)
        raise
    kept = None
    if database.path.exists():
        kept = database.path.with_name(f"{database.path.name}.before-restore-{time.strftime('%Y%m%d%H%M%S')}")
        os.replace(database.path, kept)
    # The old index describes the old file: it must not survive next to the new one.
    for leftover in ("index", "tmp"):
        Path(f"{database.path}.{leftover}").unlink(missing_ok=True)
    os.replace(incoming, database.path)
    if Path(str(incoming) + ".index").exists():
        os.replace(str(incoming) + ".index", f"{database.path}.index")
    blobs = 0
    if database.blobs is not None and (repository / "blobs").is_dir():
        blobs = _copy_new_blobs(repository / "blobs", database.blobs)
    return RestoreResult(database.path, database.path.stat().st_size, kept, blobs)
