"""Built-in audit plugin: every event is also stored in the database's
audit trail (``ostiary.models.audit``), for ``ostiary audit``, the admin
console and a person's sign-in history.

The record is written in the request's own transaction: an event of a
request that fails and is rolled back did not happen, and an attempt that
pyramid_retry runs again writes its record once, not once per attempt.

The address is the request's ``REMOTE_ADDR``, which the server replaces
with the forwarded address only for requests from ``trusted_proxy`` (see
``ostiary.server``): a client's own ``X-Forwarded-For`` is never stored.
"""

from __future__ import annotations

from ..hookspecs import hookimpl
from ..models.audit import AuditRecord

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


@hookimpl
def ostiary_event(request, event):
    root = getattr(request, "ostiary_root", None)
    if root is None or root.audit is None:
        return
    root.audit.set_retention(request.registry.ostiary_settings.audit_retention_days)
    root.audit.add(record_of(request, event))
