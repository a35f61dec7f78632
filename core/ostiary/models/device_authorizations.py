"""Device authorizations (RFC 8628): a device's request, waiting for a person.

The device polls with its ``device_code`` (stored by digest); the person
types the short ``user_code`` at ``/device``. The record is pending until
the person approves or denies it, and used once the device has its tokens.
"""

from __future__ import annotations

import re

from BTrees.OOBTree import OOBTree
from persistent import Persistent

from .sharded import ShardedTree
from .util import digest, now

PENDING, APPROVED, DENIED, USED = "pending", "approved", "denied", "used"


def normalize_user_code(value: str | None) -> str:
    """A user code as stored: upper case, without the hyphen and spaces a
    person may or may not type (RFC 8628, section 6.1)."""
    return re.sub(r"[^A-Z0-9]", "", (value or "").upper())


class DeviceAuthorization(Persistent):
    """One device authorization request and, once answered, its answer.

    ``browser_binding`` is the digest of a cookie set in the browser that
    typed the user code: only that browser may approve the request, so a
    link to the confirmation cannot make someone else's browser approve it.
    """

    browser_binding = None

    def __init__(self, client_id, scope, user_code, lifetime, interval, *, resources=()):
        self.client_id = client_id
        self.scope = scope or ""
        self.user_code = user_code
        self.resources = tuple(resources)
        self.expires_at = now() + lifetime
        self.interval = interval
        self.last_poll = 0
        self.status = PENDING
        self.subject = None
        self.auth_time = None
        self.amr = ()
        self.acr = None
        self.sid = None
        self.idp = None
        self.family_id = None  # the token family the exchange started
        self.nonce = None

    def is_expired(self) -> bool:
        return now() >= self.expires_at

    def approve(self, principal, scope: str) -> None:
        """The person allowed it, for ``scope`` (what they consented to)."""
        self.status = APPROVED
        self.scope = scope
        self.subject = principal.subject
        self.auth_time = principal.auth_time
        self.amr = tuple(principal.amr)
        self.acr = principal.acr
        self.sid = principal.sid
        self.idp = principal.idp

    def deny(self) -> None:
        self.status = DENIED

    def poll(self) -> bool:
        """Record a poll; False when it came sooner than ``interval`` after
        the last (then the interval grows by 5 seconds, RFC 8628 section 3.5)."""
        current = now()
        early = current - self.last_poll < self.interval
        self.last_poll = current
        if early:
            self.interval += 5
        return not early

    # authlib's DeviceCredentialMixin
    def get_client_id(self):
        return self.client_id

    def get_scope(self):
        return self.scope

    def get_user_code(self):
        return self.user_code


class DeviceAuthorizationStore(Persistent):
    """Device authorizations by device-code digest, and an index of user codes."""

    def __init__(self):
        self.by_device_code = ShardedTree()
        self.by_user_code = OOBTree()  # normalized user code -> device-code digest

    def add(self, device_code: str, item: DeviceAuthorization) -> bool:
        """Store ``item``; False (nothing stored) if its user code is taken."""
        code = normalize_user_code(item.user_code)
        if code in self.by_user_code:
            return False
        key = digest(device_code)
        self.by_device_code[key] = item
        self.by_user_code[code] = key
        return True

    def by_device(self, device_code: str) -> DeviceAuthorization | None:
        return self.by_device_code.get(digest(device_code or ""))

    def by_user(self, user_code: str) -> DeviceAuthorization | None:
        key = self.by_user_code.get(normalize_user_code(user_code))
        return self.by_device_code.get(key) if key else None

    def prune(self, when: int) -> int:
        stale = [key for key, item in self.by_device_code.items() if item.expires_at < when]
        for key in stale:
            del self.by_device_code[key]
        codes = [code for code, key in self.by_user_code.items() if key not in self.by_device_code]
        for code in codes:
            del self.by_user_code[code]
        return len(stale)
