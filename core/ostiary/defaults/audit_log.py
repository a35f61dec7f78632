"""Built-in audit plugin: every event becomes one line in the
``ostiary.audit`` logger (never a password or token)."""

import logging

from ..hookspecs import hookimpl

log = logging.getLogger("ostiary.audit")


@hookimpl
def ostiary_event(event):
    log.info("%s subject=%s client=%s %s", event.name, event.subject or "-", event.client_id or "-",
             " ".join(f"{k}={v}" for k, v in sorted(event.details.items())))
