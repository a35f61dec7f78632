"""Packing the database: removing object versions nothing needs any more.

Every write to ZODB appends new versions of the objects it changed (the
buckets of a BTree, a session, a token family); the old versions stay
until the storage is packed. Ostiary writes on every sign-in, so an
unpacked database grows without bound even when pruning keeps the number
of live objects constant.

Only a FileStorage is packed from here: it is a file this process holds.
A ZEO server packs its own storage (``zeopack``), RelStorage is packed with
``zodbpack`` (or runs with ``keep_history=false`` and needs no pack for
history, only for garbage).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ZODB.FileStorage import FileStorage

#: What to run instead, by the kind of storage that cannot pack in-process.
PACK_TOOLS = {
    "zeo": "pack the ZEO server's storage with zeopack (e.g. zeopack -d DAYS HOST:PORT)",
    "relstorage": "pack RelStorage with zodbpack (zodbpack -d DAYS relstorage.conf)",
}


@dataclass(frozen=True)
class PackResult:
    """Sizes of the database file before and after a pack, in bytes."""

    path: str
    before: int
    after: int


class PackError(Exception):
    """This database cannot be packed here; the message says what to do."""


def _base_storage(db):
    """The storage under ZODB's blob wrapper (zodburi's ``blobstorage_dir``
    puts a ``BlobStorage`` around a FileStorage)."""
    storage = db.storage
    return getattr(storage, "_BlobStorage__storage", storage)


def storage_kind(db) -> str:
    """``filestorage``, ``zeo``, ``relstorage`` or ``other``."""
    storage = _base_storage(db)
    if isinstance(storage, FileStorage):
        return "filestorage"
    module = type(storage).__module__
    if module.startswith("ZEO"):
        return "zeo"
    if module.startswith("relstorage"):
        return "relstorage"
    return "other"


def pack_tool(db) -> str | None:
    """What to run to pack ``db``, if it cannot be packed in this process."""
    kind = storage_kind(db)
    if kind == "filestorage":
        return None
    return PACK_TOOLS.get(kind, f"this storage ({type(_base_storage(db)).__name__}) is packed with its own tools")


def pack(db, keep_days: float) -> PackResult:
    """Pack a FileStorage, keeping ``keep_days`` days of history.

    Object versions older than that which no current object reaches are
    removed; everything current survives. The previous file is not kept as
    ``Data.fs.old``: it would double the disk the database needs, and a
    backup is the backup tool's job (``repozo``).
    """
    tool = pack_tool(db)
    if tool:
        raise PackError(tool)
    storage = _base_storage(db)
    path = storage._file_name
    before = os.path.getsize(path)
    storage.pack_keep_old = False
    db.pack(days=keep_days)  # through the blob wrapper, if any, so unused blobs go too
    return PackResult(path, before, os.path.getsize(path))
