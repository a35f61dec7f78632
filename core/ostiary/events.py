"""Audit events: declared types, delivered through pluggy to every plugin's
``ostiary_event`` hook.

An event type is declared once, with a sentence saying what happened, by
core below or by a plugin at import time; :func:`emit` refuses a name that
nobody declared, so a misspelt event fails in the tests instead of reaching
auditors under a name they do not know.
"""

from __future__ import annotations

import dataclasses
import logging
import time

from .metrics import count_event

log = logging.getLogger(__name__)


class EventType(str):
    """The name of an event (a ``str``, so ``event.name == "logout"`` holds),
    with the sentence that documents it."""

    description: str

    def __new__(cls, name: str, description: str) -> EventType:
        value = super().__new__(cls, name)
        value.description = description
        return value


_DECLARED: dict[str, EventType] = {}


def declare(name: str, description: str) -> EventType:
    """Declare an event type; declaring the same name again returns it."""
    existing = _DECLARED.get(name)
    if existing is not None:
        return existing
    _DECLARED[name] = event_type = EventType(name, description)
    return event_type


def declared() -> dict[str, EventType]:
    """Every declared event type by name (for documentation and tests)."""
    return dict(_DECLARED)


LOGIN_SUCCEEDED = declare("login.succeeded", "A person signed in.")
LOGIN_FAILED = declare("login.failed", "A sign-in was refused (wrong credentials, locked, inactive, external failure).")
TOKEN_ISSUED = declare("token.issued", "The token endpoint issued tokens.")
TOKEN_REVOKED = declare("token.revoked", "Tokens were revoked (RFC 7009, replay, a person revoking an application).")
CONSENT_GRANTED = declare("consent.granted", "A person consented to an application's request.")
CONSENT_DENIED = declare("consent.denied", "A person refused an application's request.")
LOGOUT = declare("logout", "An SSO session ended.")


@dataclasses.dataclass(frozen=True)
class Event:
    """Something an auditor wants to know. ``details`` never holds a secret."""

    name: EventType
    subject: str | None = None
    client_id: str | None = None
    details: dict = dataclasses.field(default_factory=dict)
    timestamp: float = dataclasses.field(default_factory=time.time)


def emit(request, name: str, *, subject=None, client_id=None, **details) -> Event:
    """Send an :class:`Event` of a declared type to every plugin.

    Each implementation is called through pluggy, in pluggy's order and
    inside any ``wrapper`` implementations, so monitoring sees every call;
    a failing plugin is logged and the others are still called.
    """
    event_type = _DECLARED.get(name)
    if event_type is None:
        raise ValueError(f"undeclared event type {name!r}: declare it with ostiary.events.declare()")
    event = Event(event_type, subject, client_id, details)
    try:
        count_event(event)
    except Exception:  # counting must never break what is counted
        log.exception("metrics: could not count event %s", event.name)
    _deliver(request, event)
    return event


def _deliver(request, event: Event) -> None:
    pm = request.registry.ostiary_plugins
    caller = pm.hook.ostiary_event
    impls = caller.get_hookimpls()
    listeners = [impl for impl in impls if not (impl.wrapper or impl.hookwrapper)]
    # get_hookimpls() lists implementations in reverse call order.
    for impl in reversed(listeners):
        others = [other.plugin for other in listeners if other is not impl]
        one = pm.subset_hook_caller("ostiary_event", others) if others else caller
        try:
            one(request=request, event=event)
        except Exception:  # an auditor must never break a sign-in
            log.exception("plugin %s failed on event %s", impl.plugin_name, event.name)
