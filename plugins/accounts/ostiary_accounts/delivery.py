"""A background sender for mail, fed after the transaction commits.

pyramid_mailer's transactional ``send`` would wait for the commit, but then
talk to the SMTP server inside the request: a password reset for a known
address would answer tens of milliseconds later than one for an unknown
address. Here the request only queues the message (in an after-commit
hook, so a rolled-back or retried attempt queues nothing), and one daemon
thread per process hands it to the mailer's ``send_immediately``.

Messages still queued when the process ends are sent before it exits
(:func:`atexit`, bounded by :data:`EXIT_TIMEOUT`); a message the mail server
refuses is logged, not retried.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading

log = logging.getLogger(__name__)

EXIT_TIMEOUT = 10


class Delivery:
    """A queue of ``(mailer, message)`` and the thread that empties it."""

    def __init__(self):
        self.queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def after_commit(self, transaction, mailer, message) -> None:
        """Queue ``message`` for ``mailer`` when ``transaction`` commits."""
        transaction.addAfterCommitHook(self._committed, args=(mailer, message))

    def _committed(self, status: bool, mailer, message) -> None:
        if status:
            self.put(mailer, message)

    def put(self, mailer, message) -> None:
        """Queue ``message`` now, starting the sender thread on first use
        (after any fork of a worker process, so each process has its own)."""
        with self._lock:
            if self._thread is None:
                atexit.register(self.flush, EXIT_TIMEOUT)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ostiary-mail", daemon=True)
                self._thread.start()
        self.queue.put((mailer, message))

    def _run(self) -> None:
        while True:
            mailer, message = self.queue.get()
            try:
                mailer.send_immediately(message)
            except Exception:  # noqa: BLE001 - one refused message must not stop the others
                log.exception("could not send mail %r to %s", message.subject, ", ".join(message.recipients))
            finally:
                self.queue.task_done()

    def flush(self, timeout: float = 10) -> bool:
        """Wait until every queued message was handed to its mailer; False
        when ``timeout`` seconds passed first. For tests and shutdown."""
        with self.queue.all_tasks_done:
            return self.queue.all_tasks_done.wait_for(lambda: not self.queue.unfinished_tasks, timeout)


def get_delivery(request) -> Delivery:
    """The process's :class:`Delivery`, made by ``ostiary_accounts.mail``."""
    return request.registry.ostiary_mail_delivery
