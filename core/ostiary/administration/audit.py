"""Who changed what: every administrative change is an audit event that
names its actor.

An actor is a short string: ``cli`` for the command line on the database,
``client:<client_id>`` for automation with a client_credentials token, and
``admin:<subject>`` for a signed-in person with the admin role. The events
go where every other event goes (``ostiary_event``: the audit log line and
any stored audit trail).
"""

from __future__ import annotations

from ..events import declare, emit

CLI = "cli"

ADMIN_CHANGED = declare(
    "admin.changed",
    "An administrator changed the configuration or the data (the actor, the kind of object, its id and the action).",
)


def client_actor(client_id: str) -> str:
    """The actor name of automation that holds a token of ``client_id``."""
    return f"client:{client_id}"


def person_actor(subject: str) -> str:
    """The actor name of a signed-in administrator."""
    return f"admin:{subject}"


def record(request, actor: str, kind: str, action: str, target: str, *, subject: str | None = None, **details) -> None:
    """Emit :data:`ADMIN_CHANGED` for ``action`` on the ``kind`` ``target``.

    ``details`` never holds a secret: a rotated secret is announced, never
    shown. A user target is also the event's subject, a client target its
    client id (``subject`` names the person otherwise, for a session), so
    that the trail of a user or client finds it.
    """
    if not isinstance(actor, str) or not actor:
        raise ValueError("an administrative change needs an actor")
    emit(
        request,
        ADMIN_CHANGED,
        subject=subject or (target if kind == "user" else None),
        client_id=target if kind == "client" else None,
        actor=actor,
        kind=kind,
        action=action,
        target=target,
        **details,
    )
