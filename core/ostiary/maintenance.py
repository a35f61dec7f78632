"""Background upkeep: each server process prunes and packs now and then.

Expired codes, refresh tokens, sessions, interaction records and retired
keys are useless but would otherwise stay in the database until someone
runs ``ostiary prune``; every ``ostiary.prune_interval`` seconds the
maintenance thread removes them, and the plugins' expired data with them
(``ostiary_housekeeping``, in the same transaction). With several processes each prunes, and
the database's conflict resolution keeps that safe.

Pruning keeps the number of live objects bounded, not the file: old object
versions stay until a pack. Every ``ostiary.pack_interval`` seconds a
FileStorage is packed in-process, keeping ``ostiary.pack_keep_days`` of
history. ZEO and RelStorage are shared by several processes and packed
with their own tools; the thread only says so, once, at start-up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from . import plugins
from .metrics import PRUNED
from .models import packing
from .models.database import database, is_open
from .models.root import Housekeeping, prune_apart

log = logging.getLogger(__name__)


@dataclass
class Job:
    """One periodic task: ``run`` every ``interval`` seconds; it returns a
    line to log, or None when there was nothing to say."""

    name: str
    interval: float
    run: Callable[[], str | None]
    due: float = 0.0


class Maintenance(threading.Thread):
    """Run each job when it is due, until stopped; a failure is logged and
    the job tried again at its next turn."""

    def __init__(self, jobs: list[Job]):
        super().__init__(name="ostiary-maintenance", daemon=True)
        self.jobs = jobs
        self.stopped = threading.Event()

    def run(self) -> None:
        start = time.monotonic()
        for job in self.jobs:
            job.due = start + job.interval
        while not self.stopped.wait(max(0.0, min(j.due for j in self.jobs) - time.monotonic())):
            for job in self.jobs:
                if job.due <= time.monotonic():
                    job.due = time.monotonic() + job.interval
                    self._run(job)

    @staticmethod
    def _run(job: Job) -> None:
        try:
            message = job.run()
        except Exception:  # noqa: BLE001 - a failed clean-up must not kill the thread
            log.warning("%s failed; will try again", job.name, exc_info=True)
            return
        if message:
            log.info("%s", message)

    def stop(self) -> None:
        self.stopped.set()


def prune_job(db, interval: float, housekeeping: Housekeeping | None = None) -> Job:
    def run() -> str | None:
        removed = prune_apart(db, housekeeping)
        PRUNED.inc(removed)
        return f"pruned {removed} expired items" if removed else None

    return Job("pruning", interval, run)


def pack_job(db, interval: float, keep_days: float) -> Job:
    def run() -> str:
        result = packing.pack(db, keep_days)
        return f"packed {result.path} keeping {keep_days:g} days of history: {result.before} -> {result.after} bytes"

    return Job("packing", interval, run)


class Pruner(Maintenance):
    """The maintenance thread with only the pruning job."""

    def __init__(self, db, interval: float, housekeeping: Housekeeping | None = None):
        super().__init__([prune_job(db, interval, housekeeping)])


def maintenance_jobs(db, settings, housekeeping: Housekeeping | None = None) -> list[Job]:
    """The jobs the settings ask for, for this process's database;
    ``housekeeping`` is the plugins' share of pruning."""
    jobs = []
    if settings.prune_interval:
        jobs.append(prune_job(db, settings.prune_interval, housekeeping))
    if settings.pack_interval:
        tool = packing.pack_tool(db)
        if tool is None:
            jobs.append(pack_job(db, settings.pack_interval, settings.pack_keep_days))
        else:
            log.info("ostiary.pack_interval: not packing in this process; %s", tool)
    return jobs


def start_pruner(registry) -> Maintenance | None:
    """Start this process's maintenance thread, unless no job is asked for."""
    jobs = maintenance_jobs(database(registry), registry.ostiary_settings, plugins.housekeeping(registry))
    if not jobs:
        return None
    thread = registry.ostiary_pruner = Maintenance(jobs)
    thread.start()
    return thread


class LogoutWorker(threading.Thread):
    """Sends the logout outbox's due deliveries (``protocol.logout_outbox``):
    every ``interval`` seconds, and at once when a sign-out in this process
    committed (:meth:`nudge`). Every server process runs one; their claims
    keep them from sending the same delivery twice."""

    def __init__(self, registry, interval: float):
        super().__init__(name="ostiary-logout-outbox", daemon=True)
        self.registry = registry
        self.interval = interval
        self.stopped = threading.Event()
        self.woken = threading.Event()

    def nudge(self) -> None:
        self.woken.set()

    def run(self) -> None:
        from .protocol.logout_outbox import deliver_due

        db = database(self.registry)
        while not self.stopped.is_set():
            self.woken.wait(self.interval)
            self.woken.clear()
            if self.stopped.is_set() or not is_open(db):
                break
            try:
                while deliver_due(self.registry, db) and not self.stopped.is_set():
                    pass  # a full batch: there may be more due
            except Exception:  # noqa: BLE001 - a database hiccup must not end the worker
                if self.stopped.is_set():
                    break
                log.warning("logout outbox: delivery round failed", exc_info=True)

    def stop(self) -> None:
        self.stopped.set()
        self.woken.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout=10)


def start_logout_worker(registry) -> LogoutWorker:
    """Start this process's logout delivery worker."""
    worker = registry.ostiary_logout_worker = LogoutWorker(registry, registry.ostiary_settings.logout_delivery_interval)
    worker.start()
    return worker


def stop_workers(registry) -> None:
    """Stop the maintenance thread, the logout worker and the audit writer
    (which writes what it gathered first) of ``registry``'s app."""
    for name in ("ostiary_pruner", "ostiary_logout_worker", "ostiary_audit_writer"):
        thread = getattr(registry, name, None)
        if thread is not None:
            thread.stop()
