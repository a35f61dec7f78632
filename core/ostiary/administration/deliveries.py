"""Back-channel logout deliveries: what became of each sign-out at each
client (``models.outbox``), for the operator, newest first. The same rows
``ostiary logout-deliveries`` prints."""

from __future__ import annotations

from ..models.outbox import DELIVERED, EXPIRED, PENDING, REFUSED
from .errors import ValidationError
from .paging import page

STATES = (PENDING, DELIVERED, REFUSED, EXPIRED)


def as_data(delivery) -> dict:
    """A delivery as JSON: never the subject or session it was about."""
    return {
        "id": delivery.id,
        "client_id": delivery.client_id,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "last_result": delivery.last_result,
        "created_at": delivery.created_at,
        "next_attempt_at": delivery.next_attempt_at if delivery.state == PENDING else None,
        "finished_at": delivery.finished_at,
    }


def list_deliveries(request, *, client_id=None, state=None, offset: int = 0, limit: int | None = None) -> dict:
    """The deliveries of every client (or of ``client_id``), in every state
    (or ``state``), with how many are in each state."""
    if state is not None and state not in STATES:
        raise ValidationError(f"state is one of {', '.join(STATES)}", "state")
    outbox = request.ostiary_root.outbox
    everything = outbox.listing(client_id=client_id)
    counts = {name: sum(1 for d in everything if d.state == name) for name in STATES}
    chosen = [d for d in everything if state is None or d.state == state]
    return page([as_data(d) for d in chosen], offset, limit) | {"counts": counts}
