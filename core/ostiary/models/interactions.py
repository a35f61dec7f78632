"""Short-lived interaction state: the outcome a page hands back to the
authorize endpoint (consent given or refused, sign-in cancelled), and the
detail behind an error id.

Both live in the database, not in process memory, so that a page served by
one process and the authorize request served by another agree.
"""

from __future__ import annotations

from BTrees.OOBTree import OOBTree
from persistent import Persistent

from .util import now, prune_expired, random_token

DECISION_LIFETIME = 300
ERROR_LIFETIME = 3600


class Decision(Persistent):
    """The answer of a page to one authorization request."""

    def __init__(self, *, error=None, scopes=(), remember=False):
        self.error = error  # e.g. "access_denied"; None means granted
        self.scopes = tuple(scopes)
        self.remember = remember
        self.expires_at = now() + DECISION_LIFETIME


class ErrorRecord(Persistent):
    """What went wrong, kept for the error page and for support."""

    def __init__(self, error, description=None, client_id=None, redirect_uri=None, request_id=None):
        self.error = error
        self.description = description
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.request_id = request_id
        self.created_at = now()
        self.expires_at = self.created_at + ERROR_LIFETIME


class LogoutRecord(Persistent):
    """A validated end-session request, waiting for the logout page."""

    def __init__(self, *, client_id=None, post_logout_redirect_uri=None, state=None, sid=None,
                 subject=None, hint_valid=False, ui_locales=None):
        self.client_id = client_id
        self.post_logout_redirect_uri = post_logout_redirect_uri
        self.state = state
        self.sid = sid
        self.subject = subject
        self.hint_valid = hint_valid
        self.ui_locales = ui_locales
        self.expires_at = now() + ERROR_LIFETIME


class InteractionStore(Persistent):
    """Pending decisions keyed by request fingerprint, errors and logout
    requests keyed by random ids."""

    def __init__(self):
        self.decisions = OOBTree()
        self.errors = OOBTree()
        self.logouts = OOBTree()

    def put_decision(self, key: str, decision: Decision) -> None:
        self.decisions[key] = decision

    def take_decision(self, key: str) -> Decision | None:
        """Return and delete the decision under ``key``: each is used once."""
        decision = self.decisions.pop(key, None)
        if decision is not None and decision.expires_at < now():
            return None
        return decision

    def put_error(self, record: ErrorRecord, error_id: str | None = None) -> str:
        error_id = error_id or random_token(12)
        self.errors[error_id] = record
        return error_id

    def error(self, error_id: str) -> ErrorRecord | None:
        record = self.errors.get(error_id or "")
        if record is None or record.expires_at < now():
            return None
        return record

    def put_logout(self, record: LogoutRecord) -> str:
        logout_id = random_token(12)
        self.logouts[logout_id] = record
        return logout_id

    def logout(self, logout_id: str | None) -> LogoutRecord | None:
        record = self.logouts.get(logout_id or "")
        if record is None or record.expires_at < now():
            return None
        return record

    def prune(self, when: int) -> int:
        return sum(prune_expired(tree, when) for tree in (self.decisions, self.errors, self.logouts))
