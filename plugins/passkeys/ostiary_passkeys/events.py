"""The audit event types the passkeys plugin emits."""

import logging

from ostiary.plugin import declare, emit

log = logging.getLogger(__name__)

REGISTERED = declare("passkey.registered", "A person registered a passkey or security key.")
RENAMED = declare("passkey.renamed", "A person renamed one of their passkeys or security keys.")
REMOVED = declare("passkey.removed", "A person removed one of their passkeys or security keys.")
REFUSED = declare(
    "passkey.refused",
    "A passkey ceremony was refused: an unknown credential, a wrong or used challenge, a bad signature.",
)


def registered(request, credential) -> None:
    emit(request, REGISTERED, subject=credential.subject, credential=credential.credential_id[:16])


def refused(request, error, **fields) -> None:
    """A refused ceremony: the reason goes to the log and the audit event, never to the page."""
    log.info("passkey refused: %s", error)
    emit(request, REFUSED, reason=str(error)[:120], **fields)
