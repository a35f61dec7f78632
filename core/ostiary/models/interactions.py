"""Short-lived interaction state: the outcome a page hands back to the
authorize endpoint (consent given or refused, sign-in cancelled), the
detail behind an error id, and an end-session request waiting for the
logout page.

All live in the database, not in process memory, so that a page served by
one process and the authorize request served by another agree.

Error and logout records are written for requests anybody can send, and
FileStorage only ever appends: so every text they keep is cut to a bound
(:func:`bounded`, the ``MAX_*`` lengths below), whatever the request
carried. A request of a megabyte then costs the database a few kilobytes
at most, and only for as long as the record lives.
"""

from __future__ import annotations

from persistent import Persistent

from .sharded import ShardedTree
from .util import now, prune_expired, random_token

DECISION_LIFETIME = 300
ERROR_LIFETIME = 3600
LOGOUT_LIFETIME = 3600

#: Longest text, in characters, each field of an error or logout record
#: keeps. Codes and identifiers are short by nature; URIs get what a real
#: one needs; a description is for support and development mode, where the
#: first few hundred characters say what went wrong. ``state`` is the
#: relying party's own value, echoed back on the post-logout redirect: the
#: end-session endpoint refuses a longer one rather than return it cut.
MAX_CODE = 64
MAX_ID = 255
MAX_URI = 2048
MAX_DESCRIPTION = 1000
MAX_STATE = 2048
MAX_UI_LOCALES = 100

ELLIPSIS = "\u2026"


def bounded(value, limit: int) -> str | None:
    """``value`` as text of at most ``limit`` characters (None stays None);
    longer text is cut and ends in an ellipsis, so a reader sees it was cut."""
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


class Decision(Persistent):
    """The answer of a page to one authorization request."""

    #: Set when the authorize request takes it: a decision is used once.
    #: Marking it changes this object only, where deleting it would change
    #: its (small, often emptied) shard of the tree: see ``take_decision``.
    used = False

    def __init__(self, *, error=None, scopes=(), remember=False):
        self.error = error  # e.g. "access_denied"; None means granted
        self.scopes = tuple(scopes)
        self.remember = remember
        self.expires_at = now() + DECISION_LIFETIME


class ErrorRecord(Persistent):
    """What went wrong, kept for the error page and for support."""

    def __init__(self, error, description=None, client_id=None, redirect_uri=None, request_id=None):
        self.error = bounded(error, MAX_CODE)
        self.description = bounded(description, MAX_DESCRIPTION)
        self.client_id = bounded(client_id, MAX_ID)
        self.redirect_uri = bounded(redirect_uri, MAX_URI)  # quoted as sent: it may be anybody's
        self.request_id = bounded(request_id, MAX_ID)
        self.created_at = now()
        self.expires_at = self.created_at + ERROR_LIFETIME


class LogoutRecord(Persistent):
    """A validated end-session request, waiting for the logout page.

    ``used``: set once the person was signed out with it (see
    :meth:`InteractionStore.take_logout`).

    ``hint_valid``: the request carried a verified ID token of this issuer
    for ``client_id``; ``sid`` and ``subject`` are that token's. They prove
    nothing about the browser that opens the logout page, which
    :meth:`belongs_to` checks.
    """

    used = False

    def __init__(
        self,
        *,
        client_id=None,
        post_logout_redirect_uri=None,
        state=None,
        sid=None,
        subject=None,
        hint_valid=False,
        ui_locales=None,
    ):
        self.client_id = bounded(client_id, MAX_ID)
        self.post_logout_redirect_uri = bounded(post_logout_redirect_uri, MAX_URI)
        self.state = bounded(state, MAX_STATE)
        self.sid = bounded(sid, MAX_ID)
        self.subject = bounded(subject, MAX_ID)
        self.hint_valid = bool(hint_valid)
        self.ui_locales = bounded(ui_locales, MAX_UI_LOCALES)
        self.expires_at = now() + LOGOUT_LIFETIME

    def belongs_to(self, session) -> bool:
        """Whether the verified hint names ``session``: its subject, and its
        session id when the hint has one (OpenID Connect RP-Initiated Logout
        1.0, section 2: only then may the logout go without asking)."""
        if not self.hint_valid or session is None or self.subject != session.subject:
            return False
        return self.sid is None or self.sid == session.sid


class InteractionStore(Persistent):
    """Pending decisions keyed by request fingerprint, errors and logout
    requests keyed by random ids.

    Every consent writes a decision and the next authorize request pops it,
    so with consent on every flow this is written by every sign-in: each
    mapping is a :class:`~.sharded.ShardedTree`, which concurrent sign-ins
    split without conflicting (one OOBTree here failed 2 to 6 flows a
    minute after five conflicts in a row on RelStorage).
    """

    def __init__(self):
        self.decisions = ShardedTree()
        self.errors = ShardedTree()
        self.logouts = ShardedTree()

    def put_decision(self, key: str, decision: Decision) -> None:
        self.decisions[key] = decision

    def take_decision(self, key: str) -> Decision | None:
        """Return the decision under ``key`` and mark it used: each is used once.

        It stays in the tree until it expires and is pruned. Popping it
        instead emptied its shard a moment after the consent had filled
        it, and BTrees cannot resolve a conflict that leaves a bucket
        empty: with consent on every flow, 16 browsers on RelStorage
        conflicted on the decision shards in one flow of five. Two requests
        taking the same decision at once both write the decision itself and
        conflict there, so the retried one finds it used.
        """
        decision = self.decisions.get(key)
        if decision is None or decision.used:
            return None
        decision.used = True
        if decision.expires_at < now():
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
        if record is None or record.used or record.expires_at < now():
            return None
        return record

    def take_logout(self, logout_id: str | None) -> LogoutRecord | None:
        """Return the logout record under ``logout_id`` and mark it used:
        once the person is signed out with it, a replayed logout id finds
        nothing. Marked rather than deleted, like a decision (see
        :meth:`take_decision`): every sign-out would otherwise empty the
        shard its end-session request had just filled."""
        record = self.logouts.get(logout_id or "")
        if record is None or record.used:
            return None
        record.used = True
        if record.expires_at < now():
            return None
        return record

    def prune(self, when: int) -> int:
        return sum(prune_expired(tree, when) for tree in (self.decisions, self.errors, self.logouts))
