"""The authenticators people set up, under the plugin's own key of the ZODB
root mapping.

One per person: the shared secret (base32, as apps take it) and the last
time step a code was accepted for, so that a code, once used, is refused
for the rest of its window (RFC 6238, section 5.2). The secret is never
logged and never shown after enrolment; a copy of the database holds it,
as any TOTP server's does, so back the database up as carefully.
"""

from __future__ import annotations

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid_zodbconn import get_connection

from ostiary.plugin import now

KEY = "ostiary_totp"


class Authenticator(Persistent):
    def __init__(self, secret: str, step: int):
        self.secret = secret
        self.created_at = now()
        self.last_step = step  # the confirming code's step is used up too
        self.last_used_at = None

    def __repr__(self) -> str:  # never the secret, not even in a traceback
        return f"<Authenticator created_at={self.created_at} last_step={self.last_step}>"


class TotpData(Persistent):
    def __init__(self):
        self.by_subject = OOBTree()
        # subject -> (secret, expires_at): a key set up in the console, waiting for its first code
        self.pending = OOBTree()


def _create(mapping) -> None:
    """Create the plugin's container."""
    if mapping.get(KEY) is None:
        mapping[KEY] = TotpData()


#: Evolve steps (``ostiary_evolve_steps``); only ever append.
EVOLVE_STEPS = (_create,)


def data(request) -> TotpData:
    mapping = get_connection(request).root()
    if mapping.get(KEY) is None:  # a database the evolve steps have not seen (tests building one by hand)
        _create(mapping)
    return mapping[KEY]


def get(request, subject: str) -> Authenticator | None:
    return data(request).by_subject.get(subject)


def put(request, subject: str, authenticator: Authenticator) -> None:
    data(request).by_subject[subject] = authenticator


def remove(request, subject: str) -> bool:
    return data(request).by_subject.pop(subject, None) is not None


def set_pending(request, subject: str, secret: str, expires_at: int) -> None:
    data(request).pending[subject] = (secret, expires_at)


def take_pending(request, subject: str, keep: bool = False) -> str | None:
    """The key waiting for ``subject``'s first code (removed unless ``keep``), if not expired."""
    pending = data(request).pending
    entry = pending.get(subject) if keep else pending.pop(subject, None)
    if entry is None or entry[1] < now():
        return None
    return entry[0]


def prune(mapping, when: int) -> int:
    """Keys set up in the console and never confirmed, once expired."""
    totp = mapping.get(KEY)
    if totp is None:
        return 0
    stale = [subject for subject, (_, expires_at) in totp.pending.items() if expires_at < when]
    for subject in stale:
        del totp.pending[subject]
    return len(stale)
