"""What support needs to read: the error record behind an error id that a
person quotes from an error page, and the audit trail."""

from __future__ import annotations

from .errors import NotFound


def get_error(request, error_id) -> dict:
    """The detail behind ``error_id`` (kept for an hour after the error)."""
    record = request.ostiary_root.interactions.error(error_id) if isinstance(error_id, str) and error_id else None
    if record is None:
        raise NotFound(f"no error record {error_id!r} (records are kept for an hour)")
    return {
        "error_id": error_id,
        "error": record.error,
        "description": record.description,
        "client_id": record.client_id,
        "redirect_uri": record.redirect_uri,
        "request_id": getattr(record, "request_id", None),
        "created_at": record.created_at,
        "expires_at": record.expires_at,
    }
