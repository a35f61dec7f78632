"""The Applications section (formerly the grants page): the applications a signed-in person has consented to,
with a way to take the consent back (and the refresh tokens with it)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther

from ...events import TOKEN_REVOKED, emit
from ...i18n import _, translate, translate_text
from ..pages import render_page
from .fresh import sign_in_first


def _date(timestamp) -> str | None:
    if timestamp is None:
        return None
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")


def _entries(request, subject):
    resources = request.plugins.resources()
    entries = []
    for consent in request.ostiary_root.grants.consents_of(subject):
        client = request.plugins.client(client_id=consent.client_id)
        entries.append(
            SimpleNamespace(
                client_id=consent.client_id,
                client_name=client.name if client else consent.client_id,
                scopes=[
                    translate_text(request, resources[s].display_name) if s in resources else s for s in consent.scopes
                ],
                created=_date(consent.created_at),
                expires=_date(consent.expires_at),
            )
        )
    return sorted(entries, key=lambda e: e.client_name.lower())


def grants_page(request):
    """``GET /account/applications``."""
    session = request.interaction.session
    if session is None:
        return sign_in_first(request)
    page = values(request, _entries(request, session.subject), revoked=request.params.get("revoked"))
    return render_page(request, "grants.pt", page)


def values(request, grants, revoked=None) -> dict:
    """What ``grants.pt`` receives (docs/themes.md), for the view and the
    gallery's samples alike: ``grants`` as :func:`_entries` makes them."""
    return {
        "page_title": translate(request, _("Your applications")),
        "grants": list(grants),
        "csrf_token": get_csrf_token(request),
        "revoked": revoked,
    }


def grants_revoke(request):
    """``POST /account/applications``: revoke one client's consent and refresh tokens."""
    session = request.interaction.session
    if session is None:
        return sign_in_first(request)
    client_id = request.POST.get("client_id", "")
    grants = request.ostiary_root.grants
    if grants.consent(session.subject, client_id) is not None:
        grants.forget_consent(session.subject, client_id)
        grants.revoke_where(subject=session.subject, client_id=client_id)
        emit(request, TOKEN_REVOKED, subject=session.subject, client_id=client_id, reason="grant revoked by user")
    return HTTPSeeOther(request.route_path("grants", _query={"revoked": client_id}))
