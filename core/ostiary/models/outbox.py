"""The outbox of back-channel logout deliveries, and their receipts.

When a session ends, one :class:`Delivery` per client with a
``backchannel_logout_uri`` is written in the same transaction that ends the
session: if that commits, the delivery exists; if it is rolled back, so is
the delivery. A worker in each server process then sends them (see
``protocol.logout_outbox``) until each succeeds or its deadline passes, so a
client that is down for an hour, or a server killed with ``kill -9`` between
the sign-out and the sending, loses nothing.

No logout token is stored: the worker signs a fresh one for every attempt
(a token signed an hour ago would be refused by a relying party that checks
``iat``), from what the delivery keeps (client, subject, session id).

Several processes share the outbox. Before sending, a worker *claims* a
delivery in a transaction of its own (``claimed_until``, a short lease);
two workers claiming the same delivery conflict, and only one commits. A
worker that dies after claiming leaves the lease to run out, and another
sends it: at least once, and twice only after a crash (logout is idempotent
for the relying party: the session is gone either way).

A :class:`Receipt` is what the signed-out page shows: for each application
of the ended session, whether its back-channel delivery was confirmed and
what the browser reported of its front-channel frame (:data:`FRAME_RESULTS`).
"""

from __future__ import annotations

from persistent import Persistent
from persistent.mapping import PersistentMapping

from .interactions import MAX_ID, MAX_URI, bounded
from .sharded import ShardedTree
from .util import now, random_token

#: States of a delivery. ``pending``: not yet delivered, will be tried again.
PENDING = "pending"
DELIVERED = "delivered"  # the client answered 2xx
REFUSED = "refused"  # the client answered 4xx: trying again will not help
EXPIRED = "expired"  # still failing when its deadline passed
FINAL_STATES = (DELIVERED, REFUSED, EXPIRED)

#: What the signed-out page may report of a front-channel frame (the
#: default theme's ``logout-receipts.js``; docs/administration.md says what each proves):
#: ``loaded``: the browser showed the application's sign-out page in the
#: frame (it answered 2xx or a redirect to such a page, and let itself be
#: framed); ``blocked``: the browser did not (framing refused by
#: X-Frame-Options or CSP frame-ancestors, an HTTP error, unreachable);
#: ``unconfirmed``: neither within the page's wait (no content, no answer,
#: or the person left first). A frame that stays ``pending`` was never
#: reported (no script, the page closed at once).
FRAME_RESULTS = ("loaded", "blocked", "unconfirmed")
FRAME_PENDING = "pending"

#: Seconds a worker holds a claimed delivery before another may take it.
LEASE_SECONDS = 60
#: Back-off between attempts: 1, 2, 4, ... seconds, at most this.
LONGEST_BACKOFF = 300
#: Finished deliveries and receipts are kept this long, for the operator.
KEEP_FINISHED = 7 * 24 * 3600
#: Most deliveries one claim takes, so one slow batch cannot hold them all.
CLAIM_BATCH = 20


def backoff(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt."""
    return min(LONGEST_BACKOFF, 2 ** max(0, attempts - 1))


class Delivery(Persistent):
    """One back-channel logout to send to one client."""

    def __init__(self, *, client_id, uri, subject, sid, include_sid, deadline, receipt_id=None):
        self.id = random_token(12)
        self.client_id = bounded(client_id, MAX_ID)
        self.uri = bounded(uri, MAX_URI)
        self.subject = subject
        self.sid = sid
        self.include_sid = bool(include_sid)
        self.receipt_id = receipt_id
        self.created_at = now()
        self.deadline = self.created_at + deadline
        self.state = PENDING
        self.attempts = 0
        self.next_attempt_at = self.created_at
        self.claimed_until = 0
        self.last_result = None  # "HTTP 503", "ConnectionError", ...
        self.finished_at = None

    @property
    def expires_at(self) -> int | None:
        """For pruning: a finished delivery goes a while after it finished."""
        return None if self.finished_at is None else self.finished_at + KEEP_FINISHED

    def due(self, when: int) -> bool:
        return self.state == PENDING and self.next_attempt_at <= when and self.claimed_until <= when

    def record(self, when: int, *, ok: bool, final: bool, result: str) -> None:
        """The outcome of one attempt: delivered, refused for good, or
        failed (then tried again after a back-off, or expired at the deadline)."""
        self.attempts += 1
        self.last_result = bounded(result, 200)
        self.claimed_until = 0
        if ok:
            self.state = DELIVERED
        elif final:
            self.state = REFUSED
        elif when + backoff(self.attempts) > self.deadline:
            self.state = EXPIRED
        else:
            self.next_attempt_at = when + backoff(self.attempts)
        if self.state != PENDING:
            self.finished_at = when


class Receipt(Persistent):
    """What became of one sign-out, per application, for the signed-out page."""

    def __init__(self):
        self.id = random_token(16)
        self.created_at = now()
        self.expires_at = self.created_at + KEEP_FINISHED
        # client_id -> {"name": ..., "backchannel": delivery id or None,
        # "frontchannel": None (no frame), "pending" or one of FRAME_RESULTS}
        self.entries = PersistentMapping()

    def add(self, client_id: str, name: str, *, delivery_id=None, frame=False) -> None:
        self.entries[client_id] = {
            "name": bounded(name, MAX_ID),
            "backchannel": delivery_id,
            "frontchannel": FRAME_PENDING if frame else None,
        }

    def frame_result(self, client_id: str, result: str) -> bool:
        """Record what the browser's frame for ``client_id`` did; only once,
        and only for a frame the page had."""
        entry = self.entries.get(client_id)
        if entry is None or entry["frontchannel"] != FRAME_PENDING or result not in FRAME_RESULTS:
            return False
        self.entries[client_id] = dict(entry, frontchannel=result)
        return True


class Outbox(Persistent):
    """Pending and finished deliveries, and receipts, all sharded: every
    sign-out writes here."""

    def __init__(self):
        self.deliveries = ShardedTree()
        self.receipts = ShardedTree()

    def add(self, delivery: Delivery) -> Delivery:
        self.deliveries[delivery.id] = delivery
        return delivery

    def get(self, delivery_id: str | None) -> Delivery | None:
        return self.deliveries.get(delivery_id or "")

    def due(self, when: int, limit: int = CLAIM_BATCH) -> list[Delivery]:
        """Deliveries to attempt now, oldest first."""
        found = [d for d in self.deliveries.values() if d.due(when)]
        return sorted(found, key=lambda d: d.next_attempt_at)[:limit]

    def claim(self, delivery: Delivery, when: int) -> None:
        delivery.claimed_until = when + LEASE_SECONDS

    def listing(self, *, client_id=None, state=None) -> list[Delivery]:
        """Deliveries, newest first, for the operator."""
        found = [
            d
            for d in self.deliveries.values()
            if (client_id is None or d.client_id == client_id) and (state is None or d.state == state)
        ]
        return sorted(found, key=lambda d: d.created_at, reverse=True)

    def frame_receipts(self, *, client_id=None) -> dict[str, dict]:
        """Per client (or only ``client_id``), how many of its front-channel
        frames the signed-out pages reported in each of :data:`FRAME_RESULTS`
        or left ``pending``, and when its last sign-out was, over the
        receipts still kept (:data:`KEEP_FINISHED`)."""
        found: dict[str, dict] = {}
        for receipt in self.receipts.values():
            for entry_client, entry in receipt.entries.items():
                state = entry["frontchannel"]
                if state is None or (client_id is not None and entry_client != client_id):
                    continue
                row = found.setdefault(
                    entry_client, {"last_ended_at": 0, **{name: 0 for name in (*FRAME_RESULTS, FRAME_PENDING)}}
                )
                row[state] = row.get(state, 0) + 1
                row["last_ended_at"] = max(row["last_ended_at"], receipt.created_at)
        return found

    def add_receipt(self, receipt: Receipt) -> Receipt:
        self.receipts[receipt.id] = receipt
        return receipt

    def receipt(self, receipt_id: str | None) -> Receipt | None:
        receipt = self.receipts.get(receipt_id or "")
        if receipt is None or receipt.expires_at < now():
            return None
        return receipt

    def receipt_status(self, receipt: Receipt) -> list[dict]:
        """Per application of ``receipt``, by name: ``backchannel`` is the
        delivery's state (None: the client has no back-channel URI),
        ``frontchannel`` the frame's (None: no frame)."""
        rows = []
        for client_id, entry in sorted(receipt.entries.items(), key=lambda item: item[1]["name"].lower()):
            delivery = self.get(entry["backchannel"]) if entry["backchannel"] else None
            rows.append(
                {
                    "client_id": client_id,
                    "name": entry["name"],
                    "backchannel": delivery.state if delivery is not None else None,
                    "frontchannel": entry["frontchannel"],
                }
            )
        return rows

    def prune(self, when: int) -> int:
        gone = [key for key, d in self.deliveries.items() if d.expires_at is not None and d.expires_at < when]
        for key in gone:
            del self.deliveries[key]
        stale = [key for key, r in self.receipts.items() if r.expires_at < when]
        for key in stale:
            del self.receipts[key]
        return len(gone) + len(stale)
