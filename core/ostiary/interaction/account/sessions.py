"""The "sessions and devices" section: every SSO session of the signed-in
person, and a way to end one, or all but the current one.

Ending a session goes through the interaction service's one session-ending
path (``end_sessions``), so each ended session's clients get their
back-channel logout token after commit, exactly as at a sign-out, and the
LOGOUT event is emitted (and stored) for each.
"""

from __future__ import annotations

from types import SimpleNamespace

from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther

from ...i18n import _, translate
from ..pages import render_page
from .formatting import moment, sign_in_method
from .fresh import require_signed_in


def entries(request, subject: str, current_sid: str | None) -> list[SimpleNamespace]:
    """The person's live sessions, the current one first, then by last use."""
    found = []
    for session in request.ostiary_root.sessions.of_subject(subject):
        if session.is_expired():
            continue
        applications = []
        for client_id in session.clients:
            client = request.plugins.client(client_id=client_id)
            applications.append(client.name if client is not None and client.name else client_id)
        found.append(
            SimpleNamespace(
                sid=session.sid,
                current=session.sid == current_sid,
                started=moment(session.started_at or session.auth_time),
                last_used=moment(session.last_used_at or session.auth_time),
                last_used_at=session.last_used_at or session.auth_time or 0,
                device=session.device or translate(request, _("Unknown device")),
                address=session.address or "-",
                method=sign_in_method(request, session.amr, session.idp),
                applications=applications,
            )
        )
    return sorted(found, key=lambda e: (not e.current, -e.last_used_at))


def values(request, sessions, ended=None) -> dict:
    """What ``account_sessions.pt`` receives, for the view and the gallery alike."""
    sessions = list(sessions)
    return {
        "page_title": translate(request, _("Sessions and devices")),
        "sessions": sessions,
        "others": sum(1 for s in sessions if not s.current),
        "csrf_token": get_csrf_token(request),
        "ended": ended,
    }


def sessions_page(request):
    """``GET /account/sessions``."""
    refusal = require_signed_in(request)
    if refusal is not None:
        return refusal
    session = request.interaction.session
    page = values(request, entries(request, session.subject, session.sid), ended=request.params.get("ended"))
    return render_page(request, "account_sessions.pt", page)


def sessions_end(request):
    """``POST /account/sessions``: ``action=end`` with ``sid`` ends that
    session; ``action=end-others`` ends every other one. The current session
    is not ended here: signing out is the logout page's (with its
    front-channel frames)."""
    refusal = require_signed_in(request)
    if refusal is not None:
        return refusal
    current = request.interaction.session
    store = request.ostiary_root.sessions
    mine = [s for s in store.of_subject(current.subject) if s.sid != current.sid]
    action = request.POST.get("action")
    if action == "end":
        sid = request.POST.get("sid", "")
        chosen = [s for s in mine if s.sid == sid]
    elif action == "end-others":
        chosen = mine
    else:
        chosen = None
    if not chosen:  # another person's session, the current one, an ended one, or no action
        return render_page(
            request,
            "account_sessions.pt",
            {
                **values(request, entries(request, current.subject, current.sid)),
                "error": translate(request, _("That session cannot be ended here.")),
            },
            status=400,
        )
    ended = request.interaction.end_sessions(chosen)
    return HTTPSeeOther(request.route_path("account_sessions", _query={"ended": str(ended)}))


def export(request, subject: str) -> list[dict]:
    """The person's sessions as data, for "download my data" (no cookie, no token)."""
    found = []
    for session in request.ostiary_root.sessions.of_subject(subject):
        if session.is_expired():
            continue
        found.append(
            {
                "started_at": session.started_at or session.auth_time,
                "last_used_at": session.last_used_at,
                "auth_time": session.auth_time,
                "device": session.device,
                "address": session.address,
                "amr": list(session.amr),
                "idp": session.idp,
                "applications": list(session.clients),
            }
        )
    return found


def gallery(request) -> list[tuple[str, str, dict]]:
    """The section's states for the theme gallery."""
    current = SimpleNamespace(
        sid="current",
        current=True,
        started="2026-12-01 08:12 UTC",
        last_used="2026-12-02 06:30 UTC",
        device="Firefox 128 on Linux",
        address="192.0.2.10",
        method=sign_in_method(request, ("pwd", "otp", "mfa"), "local"),
        applications=["Sample App", "Team Wiki"],
    )
    phone = SimpleNamespace(
        sid="phone",
        current=False,
        started="2026-11-28 19:40 UTC",
        last_used="2026-12-01 21:05 UTC",
        device="Mobile Safari 17 on iOS",
        address="2001:db8::1",
        method=sign_in_method(request, ("external",), "Example Corp"),
        applications=[],
    )
    return [
        ("account-sessions", "account_sessions.pt", values(request, [current, phone])),
        ("account-sessions-ended", "account_sessions.pt", values(request, [current], ended="1")),
        (
            "account-sessions-refused",
            "account_sessions.pt",
            {
                **values(request, [current, phone]),
                "error": translate(request, _("That session cannot be ended here.")),
            },
        ),
    ]
