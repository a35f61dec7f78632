"""``ostiary CONFIG logout-deliveries``: what became of single sign-out.

Lists the outbox (``models.outbox``), newest first: for each back-channel
delivery the client, when the session ended, its state (pending,
delivered, refused, expired), attempts, the last answer and the next
attempt; then per client with a front-channel logout URI what the
signed-out pages reported of its frames (loaded, blocked, unconfirmed,
not reported). The rows come from the administration service
(``administration.deliveries``), as the admin API's and the console's do.
``--send`` sends what is due now from this process, as a server's worker
would (useful when no server runs).
"""

from __future__ import annotations

from ..administration import deliveries as service
from ..administration.errors import AdminError
from ..protocol.logout_outbox import deliver_due
from .app import CommandError
from .output import table, when


def register(sub) -> None:
    deliveries = sub.add_parser("logout-deliveries", help="list logout deliveries and front-channel frame receipts")
    deliveries.add_argument("--client", help="only this client's")
    deliveries.add_argument("--state", choices=service.STATES, help="only deliveries in this state")
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
    try:
        found = service.list_deliveries(
            app.request, client_id=args.client, state=args.state, limit=min(args.limit, service.MAX_LIMIT)
        )
    except AdminError as exc:
        raise CommandError(exc.detail) from None
    print(
        table(
            ("client", "ended", "state", "attempts", "last answer", "next attempt"),
            [
                (
                    d["client_id"],
                    when(d["created_at"]),
                    d["state"],
                    d["attempts"],
                    d["last_result"] or "-",
                    when(d["next_attempt_at"]) if d["next_attempt_at"] else "-",
                )
                for d in found["items"]
            ],
        )
    )
    print(", ".join(f"{found['counts'][state]} {state}" for state in service.STATES))
    if found["frames"]:
        print()
        print("front-channel frames, as the signed-out pages reported them:")
        print(
            table(
                ("client", "last ended", "loaded", "blocked", "unconfirmed", "not reported"),
                [
                    (
                        row["client_id"],
                        when(row["last_ended_at"]),
                        row["loaded"],
                        row["blocked"],
                        row["unconfirmed"],
                        row["not_reported"],
                    )
                    for row in found["frames"]
                ],
            )
        )
