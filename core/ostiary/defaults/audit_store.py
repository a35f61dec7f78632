"""Built-in audit plugin: every event is also stored in the database's
audit trail (``ostiary.models.audit``), for ``ostiary audit``, the admin
console and a person's sign-in history.

The records of a request are handed over once its transaction has
committed, and written in a transaction of their own: an event of a
request that fails and is rolled back did not happen, an attempt that
pyramid_retry runs again writes its records once, not once per attempt,
and, above all, two sign-ins whose audit records fall into the same BTree
bucket do not make each other's whole request run again (written in the
request's own transaction, the trail caused about one conflict retry in
every two sign-ins with 16 browsers on RelStorage; now a conflict repeats
only the records).

Each server process gathers the records of its requests for
``ostiary.audit.write_interval_ms`` (or until :data:`BATCH` are waiting)
and writes them in one transaction (:class:`AuditWriter`): a share of
one commit a sign-in flow instead of three, which were 13 % of its CPU. The writer is flushed
when the process stops (``stop_workers``, the command line's exit, the
interpreter's exit, a granian worker's end); a process killed with
``kill -9`` loses what it gathered since the last write, at most that
interval, and a request's records are lost too when it is killed between
its commit and theirs. Their log lines (``audit_log``) were written at
once. With the interval 0 each request's records are written right after
its commit, as before.

The address is the request's ``REMOTE_ADDR``, which the server replaces
with the forwarded address only for requests from ``trusted_proxy`` (see
``ostiary.server``): a client's own ``X-Forwarded-For`` is never stored.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing.util
import os
import threading
import weakref

from ..hookspecs import hookimpl
from ..models.audit import AuditRecord
from ..models.database import database, is_open, run_apart

log = logging.getLogger(__name__)

#: Event names whose record says the action failed.
_FAILED_SUFFIXES = (".failed", ".denied", ".refused", ".locked")


def result_of(event) -> str:
    """``success`` or ``failure``: from the event's own ``result`` detail,
    else from its name."""
    given = event.details.get("result")
    if given:
        return str(given)
    return "failure" if event.name.endswith(_FAILED_SUFFIXES) else "success"


def reason_of(event) -> str | None:
    """Why, if the event says: its ``reason`` or ``error`` detail."""
    return event.details.get("reason") or event.details.get("error")


def record_of(request, event) -> AuditRecord:
    """The stored form of ``event`` made in ``request``."""
    details = {k: v for k, v in event.details.items() if k not in ("result", "reason")}
    return AuditRecord(
        event.name,
        timestamp=event.timestamp,
        subject=event.subject,
        client_id=event.client_id,
        address=getattr(request, "remote_addr", None),
        user_agent=request.user_agent if getattr(request, "headers", None) is not None else None,
        result=result_of(event),
        reason=reason_of(event),
        details=details,
    )


#: Attempts at writing a request's records when they conflict with another writer.
WRITE_ATTEMPTS = 5


def _write(registry, records) -> None:
    def add(root):
        if root.audit is None:
            return
        root.audit.set_retention(registry.ostiary_settings.audit_retention_days)
        for record in records:
            root.audit.add(record)

    db = database(registry)
    if not is_open(db):
        log.error("could not store %d audit records: the database is closed", len(records))
        return
    try:
        run_apart(db, add, attempts=WRITE_ATTEMPTS)
    except Exception:  # noqa: BLE001 - the request has answered; its log lines stand
        log.exception("could not store %d audit records", len(records))


#: Records waiting that make the writer write at once, before its interval is up.
BATCH = 256


class AuditWriter:
    """This process's audit records on their way to the trail: gathered
    from the requests (:meth:`submit`) and written by a thread of its own
    every ``interval`` seconds, or as soon as :data:`BATCH` wait, in one
    transaction. :meth:`flush` writes what waits, now, in the caller's
    thread; :meth:`stop` ends the thread and flushes, and from then on a
    request's records are written at once."""

    def __init__(self, registry, interval: float):
        self.registry = registry
        self.interval = interval
        self._waiting: list[AuditRecord] = []
        self._lock = threading.Lock()  # the list
        self._writing = threading.Lock()  # one write at a time, so the order stays
        self._woken = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        _live.add(self)
        _flush_at_exit()

    def submit(self, records) -> None:
        with self._lock:
            if not self._stopped:
                self._waiting.extend(records)
                if self._thread is None:  # started by the first records: a command that emits none needs none
                    self._thread = threading.Thread(target=self._run, name="ostiary-audit-writer", daemon=True)
                    self._thread.start()
                if len(self._waiting) >= BATCH:
                    self._woken.set()
                return
        _write(self.registry, records)

    def flush(self) -> None:
        with self._writing:
            with self._lock:
                records, self._waiting = self._waiting, []
            if records:
                _write(self.registry, records)

    def _run(self) -> None:
        while not self._stopped:
            self._woken.wait(self.interval)
            self._woken.clear()
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the thread must outlive one bad batch
                log.exception("audit writer: a batch failed")

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            thread = self._thread
        self._woken.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)
        self.flush()


#: The writers of this process, flushed when it exits.
_live: weakref.WeakSet[AuditWriter] = weakref.WeakSet()
_registered_in: int | None = None


def _flush_all() -> None:
    for writer in list(_live):
        writer.stop()


def _flush_at_exit() -> None:
    """Flush every writer when this process exits: at the interpreter's
    exit (``atexit``), and at the end of a process that multiprocessing
    started, which leaves with ``os._exit`` after running its own
    finalizers but not ``atexit`` (granian forks its workers so)."""
    global _registered_in
    if _registered_in == os.getpid():
        return
    _registered_in = os.getpid()
    atexit.register(_flush_all)
    multiprocessing.util.Finalize(None, _flush_all, exitpriority=10)


def flush(registry) -> None:
    """Write the audit records ``registry``'s app has gathered, now (tests,
    benchmarks; the app's own shutdown does it through :func:`stop`)."""
    writer = getattr(registry, "ostiary_audit_writer", None)
    if writer is not None:
        writer.flush()


def stop(registry) -> None:
    """Flush and stop the writer of ``registry``'s app, if it has one."""
    writer = getattr(registry, "ostiary_audit_writer", None)
    if writer is not None:
        writer.stop()


@hookimpl
def ostiary_configure(config):
    interval = config.registry.ostiary_settings.audit_write_interval_ms
    if interval:
        config.registry.ostiary_audit_writer = AuditWriter(config.registry, interval / 1000)


def _hand_over(registry, records) -> None:
    writer = getattr(registry, "ostiary_audit_writer", None)
    if writer is None:
        _write(registry, records)
    else:
        writer.submit(records)


@hookimpl
def ostiary_event(request, event):
    tm = getattr(request, "tm", None)
    if tm is None or getattr(request, "registry", None) is None:
        return
    pending = vars(request).get("_ostiary_audit_pending")
    if pending is None:
        pending = vars(request)["_ostiary_audit_pending"] = []
        registry = request.registry
        tm.get().addAfterCommitHook(lambda committed: committed and _hand_over(registry, pending))
    if event.subject in vars(request).get("_ostiary_audit_forgotten", ()) and event.name != "account.deleted":
        return  # the person deleted their account in this request: only the deletion stays on record
    pending.append(record_of(request, event))


@hookimpl
def ostiary_account_deleted(request, subject):
    """The person's own records go (see ``account_activity``), the ones this
    request is about to write too, and any it emits from here on; the
    ``account.deleted`` event stays, for the operators."""
    vars(request).setdefault("_ostiary_audit_forgotten", set()).add(subject)
    pending = vars(request).get("_ostiary_audit_pending")
    if pending:
        pending[:] = [r for r in pending if r.subject != subject or r.type == "account.deleted"]
