"""What support needs to read: the error record behind an error id that a
person quotes from an error page, and the audit trail."""

from __future__ import annotations

from .errors import NotFound, ValidationError


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


#: The most audit records one answer holds.
MAX_AUDIT = 1000


def audit_trail(request, *, subject=None, client_id=None, types=None, since=None, until=None, limit=100) -> dict:
    """Stored audit records, newest first, that match every filter given:
    ``types`` one event type or a list; ``since``/``until`` epoch seconds,
    inclusive; at most ``limit`` (1 to 1000)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_AUDIT:
        raise ValidationError(f"limit is a whole number from 1 to {MAX_AUDIT}", "limit")
    for name, value in (("since", since), ("until", until)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValidationError("expected epoch seconds", name)
    trail = getattr(request.ostiary_root, "audit", None)
    if trail is None:  # a database not yet evolved to hold the trail
        return {"items": []}
    records = trail.query(subject=subject, client_id=client_id, type=types, since=since, until=until, limit=limit)
    return {"items": [record.as_data() for record in records]}


# -- the admin console's dashboard (dcr branch) ---------------------------------


def recent_errors(request, *, limit: int = 10) -> dict:
    """The error records still kept (an hour), newest first: what people
    saw on the error page, for an operator's overview."""
    tree = request.ostiary_root.interactions.errors
    found = sorted(tree.items(), key=lambda item: item[1].created_at, reverse=True)[:limit]
    return {"items": [get_error(request, error_id) for error_id, _ in found]}
