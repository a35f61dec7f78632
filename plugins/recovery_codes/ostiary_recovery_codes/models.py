"""Each person's recovery codes, under the plugin's own key of the ZODB root
mapping: only the SHA-256 digests of the codes not used yet.

A code carries 79 random bits (16 characters of a 31-letter alphabet), in
the range of the random tokens core keeps only digests of, so a plain
digest is as safe: a copy of the database yields no usable code, and
guessing one online runs into the lockout long before.
"""

from __future__ import annotations

import re
import secrets

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.list import PersistentList
from pyramid_zodbconn import get_connection

from ostiary.plugin import digest, now

KEY = "ostiary_recovery_codes"
COUNT = 10
LENGTH = 16
#: No 0/o, 1/l/i: read off paper without doubt.
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def new_codes(count: int = COUNT) -> list[str]:
    """Fresh codes, grouped by four for reading (``abcd-efgh-jkmn-pqrs``)."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, LENGTH, 4)))
    return codes


def normalized(code: str) -> str:
    """What people type, as a code: case, spaces and dashes do not matter."""
    return re.sub(r"[\s-]", "", (code or "").lower())


class CodeSet(Persistent):
    def __init__(self, codes):
        self.digests = PersistentList(digest(normalized(code)) for code in codes)
        self.created_at = now()
        self.last_used_at = None

    def use(self, code: str) -> bool:
        """Whether ``code`` is one not used yet; it is used up now."""
        wanted = digest(normalized(code))
        for index, stored in enumerate(list(self.digests)):
            if secrets.compare_digest(stored, wanted):
                del self.digests[index]
                self.last_used_at = now()
                return True
        return False

    @property
    def remaining(self) -> int:
        return len(self.digests)


class RecoveryData(Persistent):
    def __init__(self):
        self.by_subject = OOBTree()


def _create(mapping) -> None:
    """Create the plugin's container."""
    if mapping.get(KEY) is None:
        mapping[KEY] = RecoveryData()


#: Evolve steps (``ostiary_evolve_steps``); only ever append.
EVOLVE_STEPS = (_create,)


def data(request) -> RecoveryData:
    mapping = get_connection(request).root()
    if mapping.get(KEY) is None:
        _create(mapping)
    return mapping[KEY]


def get(request, subject: str) -> CodeSet | None:
    return data(request).by_subject.get(subject)


def replace(request, subject: str, codes) -> CodeSet:
    """A new set for ``subject``; the old codes stop working."""
    code_set = data(request).by_subject[subject] = CodeSet(codes)
    return code_set


def remove(request, subject: str) -> bool:
    return data(request).by_subject.pop(subject, None) is not None
