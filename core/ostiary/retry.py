"""A short, random wait before pyramid_retry runs a conflicting request again.

Two requests that conflicted (a ZODB ConflictError: both changed the same
object, or one split a BTree bucket the other read) are usually retried at
the same moment, and under a burst they collide again. RelStorage makes it
likelier: it refuses to wait for a row another commit has locked
(``UnableToLockRowsToReadCurrentError``). Waiting a random moment that grows
with each attempt (exponential back-off with full jitter) lets the retries
pass one after another. The wait happens only after a conflict; a request
that does not conflict never waits.
"""

from __future__ import annotations

import logging
import random
import time

from pyramid_retry import IBeforeRetry

from .metrics import RETRIES

log = logging.getLogger(__name__)

#: The longest wait before the second attempt, doubling for each later one.
FIRST_WAIT = 0.004
#: No wait is longer than this, whatever the attempt.
LONGEST_WAIT = 0.1


def backoff(attempt: int, rng=random) -> float:
    """Seconds to wait before running attempt ``attempt + 1`` (``attempt``
    counts from 0): uniform between 0 and ``FIRST_WAIT * 2**attempt``,
    capped at ``LONGEST_WAIT``."""
    return rng.uniform(0, min(LONGEST_WAIT, FIRST_WAIT * 2**attempt))


def _conflict(exception) -> str:
    """The exception's class, and for a ZODB conflict the object it was on
    (ZODB's message names its oid and class): what an operator needs to
    find a hot object."""
    name = type(exception).__name__
    oid = getattr(exception, "oid", None)
    if oid is None:
        return name
    cls = getattr(exception, "class_name", None) or "?"
    return f"{name} on oid 0x{int.from_bytes(oid, 'big'):x}, {cls}"


def wait_before_retry(event) -> None:
    """Subscriber to pyramid_retry's ``IBeforeRetry``."""
    request = event.request
    attempt = request.environ.get("retry.attempt", 0)
    delay = backoff(attempt)
    RETRIES.inc()
    log.info(
        "conflict on %s %s (attempt %d of %s, %s); next attempt in %.1f ms",
        request.method,
        request.path,
        attempt + 1,
        request.environ.get("retry.attempts", "?"),
        _conflict(event.exception),
        delay * 1000,
    )
    time.sleep(delay)


def includeme(config) -> None:
    """Register the wait (after ``config.include("pyramid_retry")``)."""
    config.add_subscriber(wait_before_retry, IBeforeRetry)
