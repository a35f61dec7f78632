"""The "history" section: the person's sign-ins and what each application
received, newest first, from the stored audit trail (``ostiary.models.audit``).

Shown: successful and failed sign-ins (a lockout too), consents, and the
tokens issued to an application at a code exchange with the scopes and the
names of the claims those scopes release. Refreshes are left out of the
page (an application refreshing every few minutes would bury the rest);
they stay in the audit trail for operators. The page covers
``ostiary.account.history_days``; housekeeping deletes records after
``ostiary.audit.retention_days``.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

from ...events import CONSENT_GRANTED, LOGIN_FAILED, LOGIN_SUCCEEDED, TOKEN_ISSUED
from ...i18n import _, translate
from ..devices import device_of
from ..pages import render_page
from .formatting import moment, sign_in_method
from .fresh import require_signed_in

#: The event types of the history.
HISTORY_TYPES = (LOGIN_SUCCEEDED, LOGIN_FAILED, TOKEN_ISSUED, CONSENT_GRANTED)
#: The most entries one page shows.
PAGE_SIZE = 200


def records(request, subject: str, limit: int | None = PAGE_SIZE):
    """The audit records of ``subject`` the history shows, newest first."""
    days = request.registry.ostiary_settings.account_history_days
    found = request.ostiary_root.audit.query(
        subject=subject, type=HISTORY_TYPES, since=time.time() - days * 86400, limit=None
    )
    shown = [r for r in found if r.type != TOKEN_ISSUED or r.details.get("grant_type") == "authorization_code"]
    return shown if limit is None else shown[:limit]


def _what(request, record) -> str:
    if record.type == LOGIN_SUCCEEDED:
        return translate(request, _("Signed in"))
    if record.type == LOGIN_FAILED:
        if record.reason == "locked":
            return translate(request, _("Sign-in refused: the account was locked"))
        return translate(request, _("Sign-in failed"))
    if record.type == CONSENT_GRANTED:
        return translate(request, _("Access granted"))
    return translate(request, _("Application received"))


def entry(request, record) -> SimpleNamespace:
    """One line of the history page."""
    client = request.plugins.client(client_id=record.client_id) if record.client_id else None
    details = record.details
    amr = details.get("amr", "").split() if record.type == LOGIN_SUCCEEDED else ()
    return SimpleNamespace(
        time=moment(record.timestamp),
        what=_what(request, record),
        failed=record.result == "failure",
        address=record.address or "-",
        device=device_of(record.user_agent) or "-",
        method=sign_in_method(request, amr, details.get("idp")) if record.type == LOGIN_SUCCEEDED else None,
        application=(client.name or client.client_id) if client is not None else record.client_id,
        scopes=(details.get("scope") or details.get("scopes") or "").split(),
        claims=(details.get("claims") or "").split(),
    )


def values(request, entries) -> dict:
    """What ``account_history.pt`` receives, for the view and the gallery alike."""
    return {
        "page_title": translate(request, _("History")),
        "entries": list(entries),
        "days": request.registry.ostiary_settings.account_history_days,
    }


def history_page(request):
    """``GET /account/history``."""
    refusal = require_signed_in(request)
    if refusal is not None:
        return refusal
    session = request.interaction.session
    shown = [entry(request, record) for record in records(request, session.subject)]
    return render_page(request, "account_history.pt", values(request, shown))


def export(request, subject: str) -> list[dict]:
    """The person's history as data, for "download my data"."""
    return [record.as_data() for record in records(request, subject, limit=None)]


def gallery(request) -> list[tuple[str, str, dict]]:
    """The section's states for the theme gallery."""

    def line(when, what, *, failed=False, application=None, method=None, scopes=(), claims=()):
        return SimpleNamespace(
            time=when,
            what=translate(request, what),
            failed=failed,
            address="192.0.2.10",
            device="Firefox 128 on Linux",
            method=method,
            application=application,
            scopes=list(scopes),
            claims=list(claims),
        )

    entries = [
        line(
            "2026-12-02 06:31 UTC",
            _("Application received"),
            application="Sample App",
            scopes=("openid", "profile", "email"),
            claims=("email", "email_verified", "name"),
        ),
        line("2026-12-02 06:31 UTC", _("Access granted"), application="Sample App", scopes=("openid", "profile")),
        line("2026-12-02 06:30 UTC", _("Signed in"), method=sign_in_method(request, ("pwd",), "local")),
        line("2026-12-02 06:29 UTC", _("Sign-in refused: the account was locked"), failed=True),
        line("2026-12-02 06:28 UTC", _("Sign-in failed"), failed=True, application="Sample App"),
    ]
    return [
        ("account-history", "account_history.pt", values(request, entries)),
        ("account-history-empty", "account_history.pt", values(request, [])),
    ]
