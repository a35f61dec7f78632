"""The stored audit trail: every event, kept for a while and queryable.

The ``ostiary.audit`` log line is for log shippers; this trail is for the
questions asked later ("what did alice do last week", "who used client x
yesterday") and is the store behind a person's sign-in history in the
account console.

Every sign-in writes records here, so the trail must not be one hot
object. It is :data:`SHARDS` independent sets of BTrees; a record goes into
the shard picked by a hash of its own random key, and all of its index
entries go into that same shard. Two sign-ins at once then touch trees of
different shards (and never conflict), or append to the same bucket of one
shard, which BTrees' conflict resolution merges as long as neither insert
splits the bucket (see :mod:`.sharded` for why splits conflict).

Keys are ordered newest first: a record's key starts with the time, in
microseconds, subtracted from a constant, so an ascending walk of a BTree
range (the only direction BTrees walk) meets the newest records first, and
``--limit 20`` reads 20 entries per shard, not the whole range. Each index
is a set of ``value NUL key`` strings, so the records of one subject (or
client, or event type) within a time range are one key range per shard; a
query merges the 16 ranges in key order.

Records are small immutable objects pickled into their bucket (not
persistent objects of their own), with every field cut to a bounded size,
so a flood of sign-ins with enormous user agents cannot grow the database
faster than the number of events.
"""

from __future__ import annotations

import heapq
import itertools
import secrets
import time
import zlib
from collections.abc import Iterable, Iterator

from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent

#: How many sets of trees the trail is spread over.
SHARDS = 16

#: Microseconds subtracted from this make the newest-first key (year 2286).
_KEY_EPOCH = 10**16

#: The longest value kept of each field; longer ones are cut.
LIMITS = {
    "type": 64,
    "subject": 255,
    "client_id": 255,
    "address": 64,
    "user_agent": 256,
    "result": 16,
    "reason": 256,
}
#: At most this many details per record, each name and value cut as below.
MAX_DETAILS = 16
DETAIL_NAME_LIMIT = 64
DETAIL_VALUE_LIMIT = 512

#: The default of ``ostiary.audit.retention_days``.
DEFAULT_RETENTION_DAYS = 90

_INDEXES = ("subject", "client_id", "type")


def cut(value, limit: int) -> str | None:
    """``value`` as text of at most ``limit`` characters (None stays None)."""
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def time_key(timestamp: float) -> str:
    """The 16-digit newest-first prefix of the records made at ``timestamp``."""
    micros = max(0, min(_KEY_EPOCH - 1, int(timestamp * 1_000_000)))
    return f"{_KEY_EPOCH - micros:016d}"


class AuditRecord:
    """One stored event. Not persistent: pickled into its bucket, and never
    changed after it is made."""

    __slots__ = (
        "key",
        "timestamp",
        "type",
        "subject",
        "client_id",
        "address",
        "user_agent",
        "result",
        "reason",
        "details",
    )

    def __init__(
        self,
        type,
        *,
        timestamp=None,
        subject=None,
        client_id=None,
        address=None,
        user_agent=None,
        result="success",
        reason=None,
        details=None,
        key=None,
    ):
        self.timestamp = float(time.time() if timestamp is None else timestamp)
        self.key = key or time_key(self.timestamp) + secrets.token_hex(4)
        self.type = cut(type, LIMITS["type"])
        self.subject = cut(subject, LIMITS["subject"])
        self.client_id = cut(client_id, LIMITS["client_id"])
        self.address = cut(address, LIMITS["address"])
        self.user_agent = cut(user_agent, LIMITS["user_agent"])
        self.result = cut(result, LIMITS["result"])
        self.reason = cut(reason, LIMITS["reason"])
        kept = {}
        for name, value in itertools.islice(sorted((details or {}).items()), MAX_DETAILS):
            if value is not None:
                kept[cut(name, DETAIL_NAME_LIMIT)] = cut(value, DETAIL_VALUE_LIMIT)
        self.details = kept

    # __slots__ classes pickle with protocol 2+, which ZODB uses; spelt out so
    # the state is a plain dict that later versions can read and extend.
    def __getstate__(self):
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state):
        for name in self.__slots__:
            setattr(self, name, state.get(name))
        if self.details is None:
            self.details = {}

    def as_data(self) -> dict:
        """The record as JSON-able data (``ostiary audit``, the console, the admin API)."""
        return {
            "time": self.timestamp,
            "type": self.type,
            "subject": self.subject,
            "client_id": self.client_id,
            "address": self.address,
            "user_agent": self.user_agent,
            "result": self.result,
            "reason": self.reason,
            "details": dict(self.details),
        }


#: The one-letter prefix of each index's entries in a shard's index set.
_PREFIX = {"subject": "s", "client_id": "c", "type": "t"}


class _Shard:
    """The records whose key hashes to one shard (``records``: key ->
    AuditRecord) and one set of index entries (``index``: ``field-letter
    NUL value NUL key``). Not persistent itself: its two BTrees are pickled
    by reference in the trail, so a database holds two objects per shard."""

    __slots__ = ("records", "index")

    def __init__(self, records=None, index=None):
        self.records = OOBTree() if records is None else records
        self.index = OOTreeSet() if index is None else index

    def __getstate__(self):
        return (self.records, self.index)

    def __setstate__(self, state):
        self.records, self.index = state

    @staticmethod
    def entry(name: str, value: str, key: str = "") -> str:
        return f"{_PREFIX[name]}\x00{value}\x00{key}"

    def add(self, record: AuditRecord) -> None:
        self.records[record.key] = record
        for name in _INDEXES:
            value = getattr(record, name)
            if value is not None:
                self.index.add(self.entry(name, value, record.key))

    def remove(self, key: str) -> AuditRecord | None:
        record = self.records.pop(key, None)
        if record is None:
            return None
        for name in _INDEXES:
            value = getattr(record, name)
            if value is not None:
                self.index.discard(self.entry(name, value, key))
        return record

    def keys(self, by: str | None, value: str | None, low: str, high: str) -> Iterator[str]:
        """Record keys from ``low`` to ``high`` (newest first), all of them or
        those with ``by`` == ``value``."""
        if by is None:
            yield from self.records.keys(low, high)
            return
        prefix = self.entry(by, value)
        for entry in self.index.keys(prefix + low, prefix + high):
            yield entry[len(prefix) :]


def _tagged(shard: _Shard, keys: Iterator[str]) -> Iterator[tuple[str, _Shard]]:
    for key in keys:
        yield key, shard


class AuditTrail(Persistent):
    """The stored audit events. The object itself changes only when the
    retention does, so it is no point of conflict."""

    retention_days = DEFAULT_RETENTION_DAYS

    def __init__(self):
        self.shards = tuple(_Shard() for _ in range(SHARDS))

    def _shard(self, key: str) -> _Shard:
        return self.shards[zlib.crc32(key.encode("ascii")) % len(self.shards)]

    def add(self, record: AuditRecord) -> AuditRecord:
        self._shard(record.key).add(record)
        return record

    def set_retention(self, days: int) -> None:
        """Keep records ``days`` days (written only when it changes)."""
        if self.retention_days != days:
            self.retention_days = days

    def __len__(self) -> int:
        return sum(len(shard.records) for shard in self.shards)

    def query(
        self,
        *,
        subject: str | None = None,
        client_id: str | None = None,
        type: str | Iterable[str] | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int | None = 100,
    ) -> list[AuditRecord]:
        """The records that match every criterion given, newest first.

        ``type``: one event type or several; ``since``/``until``: epoch
        seconds, inclusive. The most selective index given is walked (subject,
        then client, then type), the other criteria filter what it yields.
        """
        types = {type} if isinstance(type, str) else (set(type) if type is not None else None)
        low = time_key(until) if until is not None else "0" * 16
        high = time_key(since) + "g" if since is not None else "9" * 16 + "g"
        if subject is not None:
            walks = [("subject", subject)]
        elif client_id is not None:
            walks = [("client_id", client_id)]
        elif types is not None:
            walks = [("type", name) for name in sorted(types)]
        else:
            walks = [(None, None)]
        streams = [_tagged(shard, shard.keys(by, value, low, high)) for shard in self.shards for by, value in walks]
        found = []
        for key, shard in heapq.merge(*streams, key=lambda item: item[0]):
            record = shard.records.get(key)
            if record is None:
                continue
            if subject is not None and record.subject != subject:
                continue
            if client_id is not None and record.client_id != client_id:
                continue
            if types is not None and record.type not in types:
                continue
            found.append(record)
            if limit is not None and len(found) >= limit:
                break
        return found

    def forget_subject(self, subject: str) -> int:
        """Delete every record of ``subject`` (the account is deleted); return how many."""
        removed = 0
        for shard in self.shards:
            for key in list(shard.keys("subject", subject, "0" * 16, "9" * 16 + "g")):
                if shard.remove(key) is not None:
                    removed += 1
        return removed

    def prune(self, when: int) -> int:
        """Delete the records older than the retention; return how many."""
        cutoff = time_key(when - self.retention_days * 86400)
        removed = 0
        for shard in self.shards:
            for key in list(shard.records.keys(cutoff)):
                if shard.remove(key) is not None:
                    removed += 1
        return removed
