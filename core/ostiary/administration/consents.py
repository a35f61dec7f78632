"""Remembered consents: list (of a person or a client) and revoke."""

from __future__ import annotations

from . import audit
from .errors import NotFound
from .paging import page


def as_data(consent) -> dict:
    return {
        "subject": consent.subject,
        "client_id": consent.client_id,
        "scopes": sorted(consent.scopes),
        "created_at": consent.created_at,
        "expires_at": consent.expires_at,
    }


def list_consents(request, *, subject=None, client_id=None, offset: int = 0, limit: int | None = None) -> dict:
    consents = list(request.ostiary_root.grants.consents.values())
    consents = [
        c
        for c in consents
        if (subject is None or c.subject == subject) and (client_id is None or c.client_id == client_id)
    ]
    consents.sort(key=lambda c: (c.subject, c.client_id))
    return page([as_data(c) for c in consents], offset, limit)


def revoke_consent(request, actor: str, subject: str, client_id: str) -> dict:
    """Forget a consent and revoke the refresh tokens it allowed: the
    application asks again next time."""
    grants = request.ostiary_root.grants
    if grants.consent(subject, client_id) is None:
        raise NotFound(f"no consent of {subject!r} to {client_id!r}")
    grants.forget_consent(subject, client_id)
    revoked = grants.revoke_where(subject=subject, client_id=client_id)
    audit.record(request, actor, "consent", "revoked", client_id, subject=subject, revoked=revoked)
    return {"subject": subject, "client_id": client_id, "revoked": revoked}
