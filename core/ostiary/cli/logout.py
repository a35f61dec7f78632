"""``ostiary CONFIG logout-deliveries``: what became of back-channel logouts.

Lists the outbox (``models.outbox``), newest first: for each delivery the
client, when the session ended, its state (pending, delivered, refused,
expired), attempts, the last answer and the next attempt. ``--send`` sends
what is due now from this process, as a server's worker would (useful when
no server runs).
"""

from __future__ import annotations

from ..models.outbox import DELIVERED, EXPIRED, PENDING, REFUSED
from ..protocol.logout_outbox import deliver_due
from .app import CommandError
from .output import table, when

STATES = (PENDING, DELIVERED, REFUSED, EXPIRED)


def register(sub) -> None:
    deliveries = sub.add_parser("logout-deliveries", help="list back-channel logout deliveries and their receipts")
    deliveries.add_argument("--client", help="only this client's")
    deliveries.add_argument("--state", choices=STATES, help="only deliveries in this state")
    deliveries.add_argument("--limit", type=int, default=50, help="at most this many rows (default 50)")
    deliveries.add_argument("--send", action="store_true", help="send the due deliveries now, then list")
    deliveries.set_defaults(handler=cmd_deliveries)


def cmd_deliveries(app, args):
    if args.limit < 1:
        raise CommandError("--limit must be 1 or more")
    if args.send:
        import transaction

        transaction.commit()  # what this command read so far; sending uses transactions of its own
        sent = deliver_due(app.registry, app.db)
        print(f"attempted {sent} due deliveries")
        transaction.begin()
    outbox = app.root.outbox
    rows = outbox.listing(client_id=args.client, state=args.state)[: args.limit]
    counts = {state: 0 for state in STATES}
    for delivery in outbox.listing(client_id=args.client):
        counts[delivery.state] = counts.get(delivery.state, 0) + 1
    print(
        table(
            ("client", "ended", "state", "attempts", "last answer", "next attempt"),
            [
                (
                    d.client_id,
                    when(d.created_at),
                    d.state,
                    d.attempts,
                    d.last_result or "-",
                    when(d.next_attempt_at) if d.state == PENDING else "-",
                )
                for d in rows
            ],
        )
    )
    print(", ".join(f"{counts[state]} {state}" for state in STATES))
