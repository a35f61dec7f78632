"""The three ways an administrative operation refuses, shared by every
front end: the admin API turns them into problem details (RFC 9457), the
command line into one line, the console into a message on the page.

Each carries a one-line ``detail`` written for an operator, and where it
helps the ``field`` at fault, so that a front end can point at its own
name for it (an option, a form field, a JSON member).
"""

from __future__ import annotations


class AdminError(Exception):
    """An administrative operation was refused; ``status`` is its HTTP status."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, field: str | None = None):
        super().__init__(f"{field}: {detail}" if field else detail)
        self.detail = detail
        self.field = field


class ValidationError(AdminError):
    """The input is invalid: a wrong type, an unknown field, a bad URI."""

    status = 422
    title = "Invalid input"


class NotFound(AdminError):
    """There is no such client, user, session, key or error record."""

    status = 404
    title = "Not found"


class Conflict(AdminError):
    """The operation does not fit the current state: an id taken already,
    or a user store that cannot do what was asked."""

    status = 409
    title = "Conflict"


class PreconditionFailed(AdminError):
    """The object changed since the caller read it (a stale ``If-Match``):
    two admins must not overwrite each other silently."""

    status = 412
    title = "Precondition failed"
