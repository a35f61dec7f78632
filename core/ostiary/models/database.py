"""The application's database, and work done in a transaction of its own.

pyramid_zodbconn keeps the databases it opened on the registry under a
private name; :func:`database` is the one place that reads it. Work that
must not share the request's transaction (start-up, keeping the detail of
an error whose request is rolled back, pruning, a second process in tests)
opens a connection with a transaction manager of its own: :func:`root_apart`
and :func:`run_apart`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import transaction

T = TypeVar("T")

log = logging.getLogger(__name__)


def database(registry):
    """The application's ZODB database (``zodbconn.uri``)."""
    return registry._zodb_databases[""]


def learns_every_commit(db) -> bool:
    """Whether this process is told of every commit to ``db`` as it happens
    (FileStorage, ZEO), so ``db.lastTransaction()`` is always current;
    RelStorage (an MVCC storage) learns of other processes' commits only by
    polling at the start of a transaction."""
    from ZODB.interfaces import IMVCCStorage

    return not IMVCCStorage.providedBy(db.storage)


def read_your_writes(storage) -> None:
    """Make each transaction on ``storage`` see every commit made before it
    began, by any process.

    A ZEO client learns of other clients' commits from invalidation messages
    that arrive on their own, so a transaction begun a moment after another
    worker committed may still read the old state: a code issued by one
    worker and redeemed at another, or a session started on one and used on
    the next, would be missed. With ``server_sync`` ZEO makes one round trip
    to the server when a transaction begins, which waits for those messages
    (ZEO 5's documented way). FileStorage is one process; RelStorage polls
    the database at every transaction begin already.

    It must be set before the database makes its first connection: each
    connection keeps the ``sync`` its storage had when it was made.
    """
    if hasattr(storage, "server_sync") and not storage.server_sync:
        storage.server_sync = True
        if getattr(storage, "ping", None) is not None:  # connected already; a reconnect sets it again
            storage.sync = storage.ping


def resolve_uri(uri: str):
    """zodburi's ``resolve_uri``, with storages that read their writes."""
    from zodburi import resolve_uri as zodburi_resolve

    factory, dbkw = zodburi_resolve(uri)

    def storage():
        made = factory()
        read_your_writes(made)
        return made

    return storage, dbkw


def includeme(config) -> None:
    """Open the ``zodbconn.uri`` databases with pyramid_zodbconn, through
    :func:`resolve_uri` (pyramid_zodbconn's documented ``db_from_uri`` seam)."""
    import functools

    import pyramid_zodbconn

    opener = functools.partial(pyramid_zodbconn.db_from_uri, resolve_uri=resolve_uri)
    pyramid_zodbconn.includeme(config, db_from_uri=opener)
    # pyramid_zodbconn gives every database ZODB's ActivityMonitor, which
    # appends an entry for every closed connection (every request) and keeps
    # an hour of them: hundreds of MB per process at a thousand requests a
    # second, and a lock and a scan per request, for an analysis nothing reads.
    for db in config.registry._zodb_databases.values():
        db.setActivityMonitor(None)


def close_databases(registry) -> None:
    """Close every database the application opened (tests, command line, shutdown)."""
    registry.ostiary_closing = True  # the readiness probe fails from now on
    for db in getattr(registry, "_zodb_databases", {}).values():
        db.close()


def _outage_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "the database cannot be reached" rather than
    "this request is wrong": the storage layer's own (ZEO's ClientDisconnected
    is one) and the PostgreSQL driver's connection errors under RelStorage."""
    from ZODB.POSException import StorageError

    errors: list[type[BaseException]] = [StorageError]
    try:
        import psycopg2

        errors += [psycopg2.OperationalError, psycopg2.InterfaceError]
    except ImportError:
        pass
    return tuple(errors)


#: Exceptions that the error views answer with 503 and ``Retry-After``.
OUTAGE_ERRORS = _outage_errors()


def readiness(db, algorithms: Iterable[str]) -> dict[str, bool]:
    """What the readiness probe checks, each True or False: the database
    answers a read (in a connection of its own, nothing written), and the
    key ring has a key signing now for each of ``algorithms``. An
    unreachable database is a False, not an exception."""
    from .root import ROOT_KEY

    checks = {"database": False, "signing_key": False}
    # A connection may answer from its object cache (and ZEO from its client
    # cache) with the server gone: ask a storage that knows whether it is
    # connected. RelStorage polls PostgreSQL when the connection opens.
    is_connected = getattr(db.storage, "is_connected", None)
    if is_connected is not None and not is_connected():
        return checks
    try:
        with _connection_apart(db) as (manager, conn):
            try:
                root = conn.root().get(ROOT_KEY)
                checks["database"] = root is not None
                if root is not None:
                    checks["signing_key"] = all(root.keys.active(alg) is not None for alg in algorithms)
            finally:
                manager.abort()
    except Exception:  # noqa: BLE001 - any failure to read is "not ready"
        log.warning("readiness: the database did not answer", exc_info=True)
    return checks


@contextlib.contextmanager
def _connection_apart(db):
    manager = transaction.TransactionManager()
    conn = db.open(transaction_manager=manager)
    try:
        yield manager, conn
    finally:
        conn.close()


@contextlib.contextmanager
def root_apart(db) -> Iterator:
    """The Ostiary root in a transaction of its own, committed on success."""
    from .root import open_root_from_connection

    with _connection_apart(db) as (manager, conn), manager:
        yield open_root_from_connection(conn)


def run_apart(db, work: Callable[..., T], attempts: int = 1) -> T:
    """Call ``work(root)`` in a transaction of its own and commit, trying
    again up to ``attempts`` times when it conflicts with another writer."""
    from .root import open_root_from_connection

    return run_apart_on_connection(db, lambda conn: work(open_root_from_connection(conn)), attempts)


def is_open(db) -> bool:
    """Whether ``db`` can still open connections (ZODB's ``DB.close`` drops
    its storage): a background worker whose database was closed under it
    (a test, the server process handing over to its workers) just stops."""
    return getattr(db, "_mvcc_storage", None) is not None


def claim_apart(db, work: Callable[..., T]) -> T | None:
    """Like :func:`run_apart` with one attempt, but a conflict is an answer,
    not an error: None, meaning another process changed the same objects
    first (two workers claiming the same outbox deliveries, say)."""
    from ZODB.POSException import ConflictError

    try:
        return run_apart(db, work)
    except ConflictError:
        return None


def run_apart_on_connection(db, work: Callable[..., T], attempts: int = 1) -> T:
    """Like :func:`run_apart`, but ``work(conn)`` gets the connection: for
    work that reaches beyond the Ostiary root, to the data plugins keep
    under keys of their own in ``conn.root()``."""
    with _connection_apart(db) as (manager, conn):
        for attempt in manager.attempts(attempts):
            with attempt:
                result = work(conn)
        return result
