"""Built-in audit plugin: every event is also stored in the database's
audit trail (``ostiary.models.audit``), for ``ostiary audit``, the admin
console and a person's sign-in history.

The records of a request are written once its transaction has committed,
in a transaction of their own: an event of a request that fails and is
rolled back did not happen, an attempt that pyramid_retry runs again
writes its records once, not once per attempt, and, above all, two
sign-ins whose audit records fall into the same BTree bucket do not make
each other's whole request run again (written in the request's own
transaction, the trail caused about one conflict retry in every two
sign-ins with 16 browsers on RelStorage; now a conflict repeats only the
few records). A process killed between the two commits loses that
request's records; its log lines were written already.

The address is the request's ``REMOTE_ADDR``, which the server replaces
with the forwarded address only for requests from ``trusted_proxy`` (see
``ostiary.server``): a client's own ``X-Forwarded-For`` is never stored.
"""

from __future__ import annotations

import logging

from ..hookspecs import hookimpl
from ..models.audit import AuditRecord
from ..models.database import database, run_apart

log = logging.getLogger(__name__)

#: Event names whose record says the action failed.
_FAILED_SUFFIXES = (".failed", ".denied", ".refused", ".locked")


def result_of(event) -> str:
    """``success`` or ``failure``: from the event's own ``result`` detail,
    else from its name."""
    given = event.details.get("result")
    if given:
        return str(given)
    return "failure" if event.name.endswith(_FAILED_SUFFIXES) else "success"


def reason_of(event) -> str | None:
    """Why, if the event says: its ``reason`` or ``error`` detail."""
    return event.details.get("reason") or event.details.get("error")


def record_of(request, event) -> AuditRecord:
    """The stored form of ``event`` made in ``request``."""
    details = {k: v for k, v in event.details.items() if k not in ("result", "reason")}
    return AuditRecord(
        event.name,
        timestamp=event.timestamp,
        subject=event.subject,
        client_id=event.client_id,
        address=getattr(request, "remote_addr", None),
        user_agent=request.user_agent if getattr(request, "headers", None) is not None else None,
        result=result_of(event),
        reason=reason_of(event),
        details=details,
    )


#: Attempts at writing a request's records when they conflict with another writer.
WRITE_ATTEMPTS = 5


def _write(registry, records) -> None:
    def add(root):
        if root.audit is None:
            return
        root.audit.set_retention(registry.ostiary_settings.audit_retention_days)
        for record in records:
            root.audit.add(record)

    try:
        run_apart(database(registry), add, attempts=WRITE_ATTEMPTS)
    except Exception:  # noqa: BLE001 - the request has answered; its log lines stand
        log.exception("could not store %d audit records", len(records))


@hookimpl
def ostiary_event(request, event):
    tm = getattr(request, "tm", None)
    if tm is None or getattr(request, "registry", None) is None:
        return
    pending = vars(request).get("_ostiary_audit_pending")
    if pending is None:
        pending = vars(request)["_ostiary_audit_pending"] = []
        registry = request.registry
        tm.get().addAfterCommitHook(lambda committed: committed and _write(registry, pending))
    if event.subject in vars(request).get("_ostiary_audit_forgotten", ()) and event.name != "account.deleted":
        return  # the person deleted their account in this request: only the deletion stays on record
    pending.append(record_of(request, event))


@hookimpl
def ostiary_account_deleted(request, subject):
    """The person's own records go (see ``account_activity``), the ones this
    request is about to write too, and any it emits from here on; the
    ``account.deleted`` event stays, for the operators."""
    vars(request).setdefault("_ostiary_audit_forgotten", set()).add(subject)
    pending = vars(request).get("_ostiary_audit_pending")
    if pending:
        pending[:] = [r for r in pending if r.subject != subject or r.type == "account.deleted"]
