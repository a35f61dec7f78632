"""What the passkeys plugin keeps, under its own key of the ZODB root mapping.

Credentials: several per person, each with the public key the authenticator
made, its signature counter, the transports the browser reported, a name the
person chose, and when it was created and last used. Only public material is
stored: a copy of the database lets nobody sign in.

User handles: WebAuthn asks for a user id that an authenticator stores with
a discoverable credential and hands back at sign-in. It must not carry
personal data, so each person gets a random handle here, not their subject.

Ceremonies: the challenge of a registration or sign-in in progress, stored
server-side under the digest of a random value that only the browser's
cookie carries (so a challenge belongs to one browser), with an expiry, and
taken (deleted) by the first answer, right or wrong, so none is used twice.
"""

from __future__ import annotations

import secrets

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid_zodbconn import get_connection

from ostiary.plugin import digest, now

KEY = "ostiary_passkeys"
MAX_NAME_LENGTH = 64


class Credential(Persistent):
    """One registered passkey or security key."""

    def __init__(
        self,
        subject: str,
        credential_id: str,
        public_key: bytes,
        sign_count: int,
        *,
        name: str,
        transports=(),
        device_type: str = "single_device",
        backed_up: bool = False,
        discoverable: bool | None = None,
        aaguid: str = "",
    ):
        self.subject = subject
        self.credential_id = credential_id  # base64url, as the browser names it
        self.public_key = public_key  # COSE_Key bytes
        self.sign_count = sign_count
        self.name = name
        self.transports = tuple(transports)
        # multi_device: a synced passkey (amr swk); single_device: bound to one authenticator (hwk)
        self.device_type = device_type
        self.backed_up = backed_up
        self.discoverable = discoverable
        self.aaguid = aaguid
        self.created_at = now()
        self.last_used_at = None

    @property
    def synced(self) -> bool:
        return self.device_type == "multi_device"


class Ceremony(Persistent):
    """A challenge handed to one browser, for one purpose."""

    def __init__(self, purpose: str, challenge: bytes, lifetime: int, subject: str | None = None):
        self.purpose = purpose  # "register", "sign_in" or "second_factor"
        self.challenge = challenge
        self.subject = subject  # who registers, or who the further factor is for
        self.expires_at = now() + lifetime


class PasskeyData(Persistent):
    """The plugin's container."""

    def __init__(self):
        self.credentials = OOBTree()  # credential id -> Credential
        self.by_subject = OOBTree()  # subject -> tuple of credential ids, oldest first
        self.handles = OOBTree()  # subject -> user handle (bytes)
        self.subjects = OOBTree()  # user handle -> subject
        self.ceremonies = OOBTree()  # digest of the browser's value + purpose -> Ceremony

    # -- credentials -----------------------------------------------------------

    def of_subject(self, subject: str) -> list[Credential]:
        return [self.credentials[cid] for cid in self.by_subject.get(subject, ()) if cid in self.credentials]

    def get(self, credential_id: str | None) -> Credential | None:
        if not credential_id or len(credential_id) > 1024:
            return None
        return self.credentials.get(credential_id)

    def add(self, credential: Credential) -> None:
        self.credentials[credential.credential_id] = credential
        self.by_subject[credential.subject] = (*self.by_subject.get(credential.subject, ()), credential.credential_id)

    def remove(self, credential: Credential) -> None:
        self.credentials.pop(credential.credential_id, None)
        rest = tuple(cid for cid in self.by_subject.get(credential.subject, ()) if cid != credential.credential_id)
        if rest:
            self.by_subject[credential.subject] = rest
        else:
            self.by_subject.pop(credential.subject, None)

    def forget(self, subject: str) -> None:
        """Everything about ``subject`` (their account was deleted)."""
        for credential in self.of_subject(subject):
            self.remove(credential)
        handle = self.handles.pop(subject, None)
        if handle is not None:
            self.subjects.pop(handle, None)

    def user_handle(self, subject: str) -> bytes:
        """The person's random WebAuthn user handle, made on first use."""
        handle = self.handles.get(subject)
        if handle is None:
            handle = secrets.token_bytes(32)
            self.handles[subject] = handle
            self.subjects[handle] = subject
        return handle

    def subject_of_handle(self, handle: bytes | None) -> str | None:
        return self.subjects.get(handle) if handle else None

    # -- ceremonies ------------------------------------------------------------

    @staticmethod
    def _ceremony_key(browser_value: str, purpose: str) -> str:
        return digest(browser_value) + ":" + purpose

    def begin(self, browser_value: str, ceremony: Ceremony) -> None:
        self.ceremonies[self._ceremony_key(browser_value, ceremony.purpose)] = ceremony

    def take(self, browser_value: str | None, purpose: str) -> Ceremony | None:
        """The live ceremony of this browser for ``purpose``, removed: an
        answer, accepted or not, uses its challenge up."""
        if not browser_value or len(browser_value) > 256:
            return None
        ceremony = self.ceremonies.pop(self._ceremony_key(browser_value, purpose), None)
        if ceremony is None or ceremony.expires_at < now():
            return None
        return ceremony

    def prune(self, when: int) -> int:
        stale = [key for key, ceremony in self.ceremonies.items() if ceremony.expires_at < when]
        for key in stale:
            del self.ceremonies[key]
        return len(stale)


def _create(mapping) -> None:
    """create the passkeys container"""
    if KEY not in mapping:
        mapping[KEY] = PasskeyData()


#: The evolve steps of this data (``ostiary_evolve_steps``); only ever append.
EVOLVE_STEPS = (_create,)


def get(request) -> PasskeyData:
    """The container in this request's connection (evolve step 1 made it at start-up)."""
    return get_connection(request).root()[KEY]


def prune(mapping, when: int) -> int:
    data = mapping.get(KEY)
    return data.prune(when) if data is not None else 0
