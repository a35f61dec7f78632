"""Single sign-out receipts for the operator: what became of each sign-out
at each client (``models.outbox``). Back-channel deliveries newest first,
and per client what the signed-out pages reported of its front-channel
frames. The same data ``ostiary logout-deliveries``, the admin API and
the admin console show."""

from __future__ import annotations

from ..models.outbox import DELIVERED, EXPIRED, FRAME_PENDING, FRAME_RESULTS, PENDING, REFUSED
from .errors import ValidationError
from .paging import MAX_LIMIT, page

STATES = (PENDING, DELIVERED, REFUSED, EXPIRED)
__all__ = ["FRAME_STATES", "MAX_LIMIT", "STATES", "as_data", "frame_rows", "list_deliveries"]
#: The front-channel counts of a client, as the operator reads them: a
#: frame still ``pending`` is one the signed-out page never reported.
FRAME_STATES = (*FRAME_RESULTS, "not_reported")


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


def frame_rows(outbox, client_id=None) -> list[dict]:
    """Per client with a front-channel frame, by client id: how many frames
    were ``loaded``, ``blocked``, ``unconfirmed`` or ``not_reported``, and
    the time of its last sign-out."""
    rows = []
    for found_id, counts in sorted(outbox.frame_receipts(client_id=client_id).items()):
        row = {"client_id": found_id, "last_ended_at": counts["last_ended_at"]}
        row.update({name: counts[name] for name in FRAME_RESULTS})
        row["not_reported"] = counts[FRAME_PENDING]
        rows.append(row)
    return rows


def list_deliveries(request, *, client_id=None, state=None, offset: int = 0, limit: int | None = None) -> dict:
    """The deliveries of every client (or of ``client_id``), in every state
    (or ``state``), with how many are in each state; and ``frames``: the
    front-channel receipts of every client (or of ``client_id``), which
    ``state`` does not filter (it names delivery states)."""
    if state is not None and state not in STATES:
        raise ValidationError(f"state is one of {', '.join(STATES)}", "state")
    outbox = request.ostiary_root.outbox
    everything = outbox.listing(client_id=client_id)
    counts = {name: sum(1 for d in everything if d.state == name) for name in STATES}
    chosen = [d for d in everything if state is None or d.state == state]
    return page([as_data(d) for d in chosen], offset, limit) | {
        "counts": counts,
        "frames": frame_rows(outbox, client_id),
    }
