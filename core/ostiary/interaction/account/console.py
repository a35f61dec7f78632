"""The console home at ``/account``: who is signed in and the sections."""

from __future__ import annotations

from ...i18n import _, translate
from ..pages import render_page
from .fresh import current_user, require_signed_in
from .sections import visible_sections


def console_home(request):
    """``GET /account``: a sign-in first for nobody, returning here."""
    refusal = require_signed_in(request)
    if refusal is not None:
        return refusal
    return render_page(request, "account.pt", values(request, current_user(request), visible_sections(request)))


def values(request, user, sections, notice=None) -> dict:
    """What ``account.pt`` receives, for the view and the gallery alike:
    ``user`` (``None`` when the store no longer knows the subject),
    ``sections`` as :func:`visible_sections` makes them, an optional ``notice``."""
    return {
        "page_title": translate(request, _("Your account")),
        "user": user,
        "sections": list(sections),
        "notice": translate(request, notice),
    }
