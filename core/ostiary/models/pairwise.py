"""Pairwise subject identifiers (OpenID Connect Core 1.0, section 8.1): the
salt they are derived with, and the way back to the local subject.

A pairwise ``sub`` is a one-way hash, so a token that carries one (an
access token at userinfo, an ID token as ``id_token_hint``) is traced back
to its person through an index written when the identifier is first handed
out: ``sector \\x00 pairwise sub`` to the local subject. One entry per
person and sector, written once; every later token only reads it.
"""

from __future__ import annotations

import secrets

from BTrees.OOBTree import OOBTree
from persistent import Persistent


class PairwiseStore(Persistent):
    """The deployment's pairwise salt and the reverse index."""

    def __init__(self):
        # Never changes: a new salt would give every person new identifiers.
        self.salt = secrets.token_bytes(32)
        self.subjects = OOBTree()  # "sector\x00pairwise" -> local subject

    def remember(self, sector: str, pairwise: str, subject: str) -> None:
        key = f"{sector}\x00{pairwise}"
        if self.subjects.get(key) != subject:  # read first: usually nothing to write
            self.subjects[key] = subject

    def local_subject(self, sector: str, pairwise: str) -> str | None:
        return self.subjects.get(f"{sector}\x00{pairwise}")
