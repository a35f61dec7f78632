"""Background clean-up: each server process prunes expired items now and then.

Expired codes, refresh tokens, sessions, interaction records and retired
keys are useless but would otherwise stay in the database until someone
runs ``ostiary prune``. The pruner is a daemon thread that wakes every
``ostiary.prune_interval`` seconds; with several processes each prunes,
and the database's conflict resolution keeps that safe.
"""

from __future__ import annotations

import logging
import threading

from .models.root import prune_apart

log = logging.getLogger(__name__)


class Pruner(threading.Thread):
    """Prune the database every ``interval`` seconds until stopped."""

    def __init__(self, db, interval: int):
        super().__init__(name="ostiary-pruner", daemon=True)
        self.db = db
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                removed = prune_apart(self.db)
            except Exception:  # noqa: BLE001 - a failed clean-up must not kill the thread
                log.warning("pruning failed; will try again", exc_info=True)
                continue
            if removed:
                log.info("pruned %d expired items", removed)

    def stop(self) -> None:
        self.stopped.set()


def start_pruner(registry) -> Pruner | None:
    """Start the pruner for this process, unless the interval is 0."""
    interval = registry.ostiary_settings.prune_interval
    if not interval:
        return None
    pruner = registry.ostiary_pruner = Pruner(registry._zodb_databases[""], interval)
    pruner.start()
    return pruner
