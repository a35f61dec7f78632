"""SSO sessions: list, end one, end every session of a person.

Ending goes through the interaction service's one sign-out path, so the
session's clients are told by back-channel logout (after commit), refresh
tokens go where a client asked for that, and the ``logout`` event is sent,
exactly as when the person signs out.
"""

from __future__ import annotations

from ..interaction.service import get_interaction
from . import audit
from .errors import NotFound, ValidationError
from .paging import page


def as_data(session) -> dict:
    """A session as JSON (never its cookie)."""
    return {
        "sid": session.sid,
        "subject": session.subject,
        "auth_time": session.auth_time,
        "expires_at": session.expires_at,
        "amr": list(session.amr),
        "idp": session.idp,
        "clients": list(session.clients),
    }


def list_sessions(request, *, subject: str | None = None, offset: int = 0, limit: int | None = None) -> dict:
    """Live sessions, newest first; only those of ``subject`` if given."""
    store = request.ostiary_root.sessions
    sessions = store.of_subject(subject) if subject else list(store.by_cookie.values())
    live = sorted((s for s in sessions if not s.is_expired()), key=lambda s: (-s.auth_time, s.sid))
    return page([as_data(s) for s in live], offset, limit)


def _find(request, sid):
    session = request.ostiary_root.sessions.by_session_id(sid) if isinstance(sid, str) and sid else None
    if session is None or session.is_expired():
        raise NotFound(f"no session {sid!r}")
    return session


def get_session(request, sid: str) -> dict:
    return as_data(_find(request, sid))


def end_session(request, actor: str, sid: str) -> dict:
    """End one session; its clients get a back-channel logout token."""
    session = _find(request, sid)
    get_interaction(request).end_sessions([session])
    audit.record(request, actor, "session", "ended", sid, subject=session.subject)
    return {"ended": 1}


def end_sessions_of(request, actor: str, subject) -> dict:
    """End every session of ``subject`` (0 when there is none)."""
    if not isinstance(subject, str) or not subject:
        raise ValidationError("expected a subject", "subject")
    sessions = [s for s in request.ostiary_root.sessions.of_subject(subject) if not s.is_expired()]
    ended = get_interaction(request).end_sessions(sessions)
    audit.record(request, actor, "session", "ended_all", subject, subject=subject, ended=ended)
    return {"ended": ended}
