"""``ostiary backup`` and ``ostiary restore``: repozo backups of the
FileStorage, full then incremental, taken while another process holds the
database and while a transaction is half written, restored and checked."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import transaction
from persistent.mapping import PersistentMapping
from ZODB.Connection import TransactionMetaData
from ZODB.DB import DB
from ZODB.FileStorage import FileStorage
from ZODB.POSException import POSKeyError
from ZODB.scripts import fstest
from ZODB.utils import z64

from ostiary.testing import write_ini


def backup_ini(directory: Path, uri: str | None = None) -> Path:
    return write_ini(
        directory, {"zodbconn.uri": uri or f"file://{directory}/Data.fs?blobstorage_dir={directory}/blobs"}
    )


@pytest.fixture
def cli(ostiary_command_line):
    def run(ini, *args, code=0):
        result = ostiary_command_line(ini, *args, stdin="backup-test-Kq7wZ2vR9p\n")
        assert result.code == code, result.err + result.out
        return result

    return run


def usernames(cli, ini) -> set[str]:
    """Every word of ``user list`` (the usernames among them)."""
    return set(cli(ini, "user", "list").out.split())


def test_a_full_then_an_incremental_backup_restore_elsewhere_with_every_user(cli, tmp_path):
    live = backup_ini(tmp_path / "live")
    cli(live, "init")
    cli(live, "user", "add", "alice", "--password-stdin")
    first = cli(live, "backup", str(tmp_path / "backups"))
    assert first.out.startswith(f"full backup of {tmp_path / 'live' / 'Data.fs'}: ")
    cli(live, "user", "add", "bob", "--password-stdin")
    second = cli(live, "backup", str(tmp_path / "backups"))
    assert second.out.startswith("incremental backup of "), second.out
    again = cli(live, "backup", str(tmp_path / "backups"))
    assert "nothing new since the last backup" in again.out

    restored = backup_ini(tmp_path / "restored")
    result = cli(restored, "restore", str(tmp_path / "backups"))
    assert "passes fstest" in result.out
    fstest.check(str(tmp_path / "restored" / "Data.fs"))
    assert {"alice", "bob"} <= usernames(cli, restored)


def test_restore_as_of_a_date_leaves_out_later_backups(cli, tmp_path):
    live = backup_ini(tmp_path / "live")
    cli(live, "init")
    cli(live, "user", "add", "alice", "--password-stdin")
    cli(live, "backup", str(tmp_path / "backups"))
    between = time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime(time.time() + 0.5))
    time.sleep(1.2)
    cli(live, "user", "add", "bob", "--password-stdin")
    cli(live, "backup", str(tmp_path / "backups"))
    restored = backup_ini(tmp_path / "restored")
    cli(restored, "restore", str(tmp_path / "backups"), "--date", between)
    names = usernames(cli, restored)
    assert "alice" in names and "bob" not in names


def test_a_backup_taken_mid_transaction_restores_to_a_consistent_file(cli, tmp_path):
    """The server holds the lock and is half way through writing a
    transaction (voted: its records are in the file, not yet marked
    committed); the backup copies only the complete ones."""
    live = backup_ini(tmp_path / "live", uri=f"file://{tmp_path}/live/Data.fs")
    cli(live, "init")
    db = DB(FileStorage(str(tmp_path / "live" / "Data.fs")))  # the "server": holds the lock from here on
    try:
        connection = db.open()
        connection.root()["committed"] = PersistentMapping(value=1)
        transaction.commit()
        connection.close()
        storage = db.storage
        committed_size = (tmp_path / "live" / "Data.fs").stat().st_size
        txn = TransactionMetaData()
        storage.tpc_begin(txn)
        half_written = storage.new_oid()
        storage.store(half_written, z64, b"a record of a transaction not yet committed", "", txn)
        storage.tpc_vote(txn)  # its records are in Data.fs now, status "checkpoint"
        assert (tmp_path / "live" / "Data.fs").stat().st_size > committed_size
        result = cli(live, "backup", str(tmp_path / "backups"))
        assert result.out.startswith("full backup"), result.out
        storage.tpc_finish(txn)  # the transaction completes after the backup
    finally:
        db.close()

    restored = backup_ini(tmp_path / "restored", uri=f"file://{tmp_path}/restored/Data.fs")
    cli(restored, "restore", str(tmp_path / "backups"))
    fstest.check(str(tmp_path / "restored" / "Data.fs"))
    db = DB(FileStorage(str(tmp_path / "restored" / "Data.fs"), read_only=True))
    try:
        assert db.open().root()["committed"]["value"] == 1
        with pytest.raises(POSKeyError):
            db.storage.load(half_written)
    finally:
        db.close()


def test_restore_refuses_while_a_server_holds_the_database(cli, tmp_path):
    live = backup_ini(tmp_path / "live", uri=f"file://{tmp_path}/live/Data.fs")
    cli(live, "init")
    cli(live, "backup", str(tmp_path / "backups"))
    db = DB(FileStorage(str(tmp_path / "live" / "Data.fs")))
    try:
        result = cli(live, "restore", str(tmp_path / "backups"), code=2)
        assert "in use by another process" in result.err
    finally:
        db.close()
    result = cli(live, "restore", str(tmp_path / "backups"))
    assert "the file it replaced is kept as" in result.out
    assert list((tmp_path / "live").glob("Data.fs.before-restore-*"))


def test_other_storages_name_their_own_backup_tool(cli, tmp_path):
    ini = backup_ini(tmp_path / "pg", uri="postgres://u:p@127.0.0.1:5432/ostiary")
    assert "pg_dump" in cli(ini, "backup", str(tmp_path / "backups"), code=2).err
    ini = backup_ini(tmp_path / "zeo", uri="zeo://127.0.0.1:8100")
    assert "repozo" in cli(ini, "backup", str(tmp_path / "backups"), code=2).err
    ini = backup_ini(tmp_path / "empty", uri=f"file://{tmp_path}/empty/none.fs")
    assert "no such database file" in cli(ini, "backup", str(tmp_path / "backups"), code=2).err
    assert "no backups there" in cli(ini, "restore", str(tmp_path / "nothing"), code=2).err


def test_a_compressed_full_backup_restores(cli, tmp_path):
    live = backup_ini(tmp_path / "live")
    cli(live, "init")
    cli(live, "user", "add", "alice", "--password-stdin")
    cli(live, "backup", str(tmp_path / "backups"), "--gzip")
    assert list((tmp_path / "backups").glob("*.fsz"))
    cli(live, "user", "add", "bob", "--password-stdin")
    assert cli(live, "backup", str(tmp_path / "backups"), "--full").out.startswith("full backup")
    restored = backup_ini(tmp_path / "restored")
    cli(restored, "restore", str(tmp_path / "backups"))
    assert {"alice", "bob"} <= usernames(cli, restored)
