"""What every console form page shares: the base values of its template."""

from __future__ import annotations

from pyramid.csrf import get_csrf_token

from ...i18n import translate


def page_values(request, title, *, error=None, notice=None, **values) -> dict:
    """The values every console section template gets: ``page_title``,
    ``csrf_token``, ``error`` and ``notice`` (translated or None)."""
    return {
        "page_title": translate(request, title),
        "csrf_token": get_csrf_token(request),
        "error": translate(request, error),
        "notice": translate(request, notice),
        **values,
    }
