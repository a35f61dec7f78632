"""One page of a list, the same shape for every list of the service."""

from __future__ import annotations

from .errors import ValidationError

#: The most items one page holds, whatever the caller asks.
MAX_LIMIT = 500


def page(items: list, offset: int = 0, limit: int | None = None) -> dict:
    """``{"items": [...], "total": n, "offset": o, "limit": l}``."""
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValidationError("offset is a whole number, at least 0", "offset")
    if limit is None:
        limit = MAX_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit is a whole number from 1 to {MAX_LIMIT}", "limit")
    return {"items": items[offset : offset + limit], "total": len(items), "offset": offset, "limit": limit}
