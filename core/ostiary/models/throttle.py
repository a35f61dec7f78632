"""Failed sign-ins per client address, shared by every process.

One entry per address (or IPv6 /64) that failed recently: an immutable
tuple ``(window_ends, failures, blocked_until, blocks, expires_at)``, so
that two processes writing different addresses in the same bucket resolve
without a conflict. An entry lives only as long as it can matter (the
window, or the block and one window after it, during which a further block
grows), and the pruner deletes it after that; the tree therefore holds at
most the addresses that failed within that time.
"""

from __future__ import annotations

import dataclasses

from BTrees.OOBTree import OOBTree
from persistent import Persistent

from .util import now


@dataclasses.dataclass(frozen=True)
class Budget:
    """``failures`` per ``window`` seconds; then a block of ``block`` seconds,
    doubled for each block that follows within a window of the last one,
    never longer than ``max_block``."""

    failures: int
    window: int
    block: int
    max_block: int = 3600


class LoginThrottle(Persistent):
    """Failure counts and blocks by client address."""

    def __init__(self):
        self.entries = OOBTree()

    def blocked(self, key: str, when: int | None = None) -> bool:
        """Whether sign-ins from ``key`` are refused right now."""
        entry = self.entries.get(key)
        return entry is not None and entry[2] > (now() if when is None else when)

    def failed(self, key: str, budget: Budget, when: int | None = None) -> bool:
        """Count a failure from ``key``; True when it used up the budget (the
        address is blocked from now)."""
        when = now() if when is None else when
        window_ends, failures, blocked_until, blocks, expires_at = self.entries.get(key, (0, 0, 0, 0, 0))
        if expires_at <= when:
            blocks = 0  # a quiet window since the last block: start small again
        if window_ends <= when:
            window_ends, failures = when + budget.window, 0
        failures += 1
        if failures >= budget.failures:
            blocked_until = when + min(budget.block * 2**blocks, budget.max_block)
            blocks, failures, window_ends = blocks + 1, 0, blocked_until
        expires_at = max(window_ends, blocked_until + budget.window)
        self.entries[key] = (window_ends, failures, blocked_until, blocks, expires_at)
        return blocked_until > when

    def prune(self, when: int) -> int:
        stale = [key for key, entry in self.entries.items() if entry[4] <= when]
        for key in stale:
            del self.entries[key]
        return len(stale)
