"""Audit events, delivered to every plugin's ``ostiary_event`` hook."""

from __future__ import annotations

import dataclasses
import logging
import time

log = logging.getLogger(__name__)

LOGIN_SUCCEEDED = "login.succeeded"
LOGIN_FAILED = "login.failed"
TOKEN_ISSUED = "token.issued"
TOKEN_REVOKED = "token.revoked"
CONSENT_GRANTED = "consent.granted"
CONSENT_DENIED = "consent.denied"
LOGOUT = "logout"


@dataclasses.dataclass(frozen=True)
class Event:
    """Something an auditor wants to know. ``details`` never holds a secret."""

    name: str
    subject: str | None = None
    client_id: str | None = None
    details: dict = dataclasses.field(default_factory=dict)
    timestamp: float = dataclasses.field(default_factory=time.time)


def emit(request, name: str, *, subject=None, client_id=None, **details) -> Event:
    """Send an :class:`Event` to every plugin; a failing plugin is logged, not raised."""
    event = Event(name, subject, client_id, details)
    pm = request.registry.ostiary_plugins
    for impl in pm.hook.ostiary_event.get_hookimpls():
        try:
            impl.function(**{arg: {"request": request, "event": event}[arg] for arg in impl.argnames})
        except Exception:  # an auditor must never break a sign-in
            log.exception("plugin %s failed on event %s", impl.plugin_name, name)
    return event
