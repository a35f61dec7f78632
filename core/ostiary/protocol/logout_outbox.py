"""Sending the outbox's back-channel logouts (``models.outbox``).

:func:`enqueue` runs in the request that ends a session, inside its
transaction. :func:`deliver_due` runs in each server process's delivery
worker (``ostiary.maintenance``), and in ``ostiary logout-deliveries
--send``: it claims what is due in one short transaction, sends outside any
transaction (a slow client holds no database lock), and records each
outcome in a transaction of its own.

A 2xx answer is delivered. A 4xx (other than 408 and 429) is refused for
good: the client said no, and it will say no again. Anything else (5xx, a
timeout, a refused connection) is tried again with exponential back-off
until the delivery's deadline (``ostiary.logout_delivery_deadline``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import requests

from ..metrics import DELIVERIES
from ..models.database import claim_apart, run_apart
from ..models.outbox import Delivery, Receipt
from ..models.util import now, random_token
from . import pairwise
from .signing import sign_with

log = logging.getLogger(__name__)

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
TIMEOUT_SECONDS = 5
#: A logout token is valid this long after it is signed (a fresh one per attempt).
TOKEN_LIFETIME = 120
#: 4xx answers that mean "not now" rather than "no".
_TRY_AGAIN = frozenset({408, 425, 429})


def enqueue(request, session, clients, receipt: Receipt | None) -> list[Delivery]:
    """Write one delivery per client of ``session`` with a back-channel URI,
    in this request's transaction; nudge this process's worker after commit."""
    outbox = request.ostiary_root.outbox
    deadline = request.registry.ostiary_settings.logout_delivery_deadline
    made = []
    for client in clients:
        if not client.backchannel_logout_uri:
            continue
        delivery = outbox.add(
            Delivery(
                client_id=client.client_id,
                uri=client.backchannel_logout_uri,
                subject=pairwise.subject_for(request, client, session.subject),  # the sub the client knows
                sid=session.sid,
                include_sid=client.backchannel_logout_session_required,
                deadline=deadline,
                receipt_id=receipt.id if receipt else None,
            )
        )
        made.append(delivery)
    if made:
        worker = getattr(request.registry, "ostiary_logout_worker", None)
        if worker is not None:
            request.tm.get().addAfterCommitHook(lambda ok: ok and worker.nudge())
    return made


def logout_token(registry, keyring, delivery: Delivery, when: int) -> str:
    """A logout token (Back-Channel Logout 1.0, section 2.4) for ``delivery``, signed now."""
    claims = {
        "iss": registry.ostiary_settings.issuer,
        "aud": delivery.client_id,
        "iat": when,
        "exp": when + TOKEN_LIFETIME,
        "jti": random_token(16),
        "sub": delivery.subject,
        "events": {BACKCHANNEL_EVENT: {}},
    }
    if delivery.include_sid:
        claims["sid"] = delivery.sid
    return sign_with(registry, keyring, claims, typ="logout+jwt")


def _attempt(uri: str, token: str, post: Callable) -> tuple[bool, bool, str]:
    """POST one token: ``(delivered, refused_for_good, what_happened)``."""
    try:
        response = post(uri, data={"logout_token": token}, timeout=TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException as exc:
        return False, False, type(exc).__name__
    status = response.status_code
    if 200 <= status < 300:
        return True, False, f"HTTP {status}"
    final = 400 <= status < 500 and status not in _TRY_AGAIN
    return False, final, f"HTTP {status}"


def deliver_due(registry, db, *, when: int | None = None, post: Callable = requests.post) -> int:
    """Claim the deliveries due now, send them, record the outcomes; return
    how many were attempted. Another process that claimed the same ones
    first makes this claim conflict: then nothing is sent here."""
    when = now() if when is None else when

    def claim(root):
        batch = root.outbox.due(when)
        for delivery in batch:
            root.outbox.claim(delivery, when)
        # Tokens are signed here, with the key ring of this transaction.
        return [(d.id, d.uri, d.client_id, logout_token(registry, root.keys, d, when)) for d in batch]

    claimed = claim_apart(db, claim)
    if claimed is None:
        log.debug("logout deliveries claimed by another process")
        return 0
    for delivery_id, uri, client_id, token in claimed:
        ok, final, result = _attempt(uri, token, post)
        DELIVERIES.labels(result="delivered" if ok else ("refused" if final else "unreachable")).inc()
        if not ok:
            log.warning("back-channel logout to client %s failed: %s", client_id, result)

        def record(root, delivery_id=delivery_id, ok=ok, final=final, result=result):
            delivery = root.outbox.get(delivery_id)
            if delivery is not None:
                # ``when`` may lie ahead of the clock (a test, or ``--send``
                # catching up): the outcome is as of the later of the two.
                delivery.record(max(when, now()), ok=ok, final=final, result=result)

        run_apart(db, record, attempts=5)
    return len(claimed)
