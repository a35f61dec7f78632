"""What a user's authorization leaves behind: authorization codes, refresh
tokens (grouped in rotation families), remembered consents, and revoked
access-token ids.

Codes and refresh tokens are stored under the SHA-256 digest of their value.
"""

from __future__ import annotations

from BTrees.OOBTree import OOBTree
from persistent import Persistent

from .sharded import ShardedTree
from .util import digest, now, prune_expired, random_token


class AuthorizationCode(Persistent):
    """A single-use code. After use it stays until expiry, marked ``used``,
    so that a replay can be recognised and what it issued revoked."""

    idp = None  # class default: codes stored before the idp was recorded
    #: The resource indicators (RFC 8707) the authorization request named;
    #: a class default for codes stored before they were recorded.
    resources = ()

    def __init__(
        self,
        client_id,
        subject,
        redirect_uri,
        scope,
        lifetime,
        *,
        nonce=None,
        auth_time=None,
        amr=(),
        acr=None,
        sid=None,
        code_challenge=None,
        code_challenge_method=None,
        idp=None,
    ):
        self.client_id = client_id
        self.subject = subject
        self.redirect_uri = redirect_uri
        self.scope = scope
        self.nonce = nonce
        self.auth_time = auth_time
        self.amr = tuple(amr)
        self.acr = acr
        self.sid = sid
        self.idp = idp
        self.code_challenge = code_challenge
        self.code_challenge_method = code_challenge_method
        self.expires_at = now() + lifetime
        self.used = False
        self.family_id = None  # the token family (the grant) the exchange started

    #: The DPoP key thumbprint the authorization request named (RFC 9449,
    #: section 10): only a proof with that key may exchange the code.
    dpop_jkt = None

    #: Class default for codes stored before their grant family held the
    #: access tokens too; each entry is ``(jti, expires_at)``.
    access_token_ids = ()

    def is_expired(self) -> bool:
        return now() >= self.expires_at

    # authlib AuthorizationCodeMixin
    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return self.acr

    def get_amr(self):
        return list(self.amr) or None


class RefreshToken(Persistent):
    """One refresh token. Rotation marks it ``rotated`` and issues the next
    one in the same family; presenting a rotated token again revokes the
    whole family (OAuth 2.0 Security BCP, section 4.14)."""

    idp = None  # class default: tokens stored before the idp was recorded
    #: When it was rotated, and the answer to that rotation sealed for the
    #: reuse grace (see ``protocol/refresh_policy.py``); class defaults.
    rotated_at = None
    grace_answer = None

    def __init__(
        self, family_id, client_id, subject, scope, expires_at, *, sid=None, auth_time=None, amr=(), acr=None, idp=None
    ):
        self.family_id = family_id
        self.client_id = client_id
        self.subject = subject
        self.scope = scope
        self.sid = sid
        self.auth_time = auth_time
        self.amr = tuple(amr)
        self.acr = acr
        self.idp = idp
        self.issued_at = now()
        self.expires_at = expires_at
        self.rotated = False

    # authlib TokenMixin
    def check_client(self, client) -> bool:
        return client.get_client_id() == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return max(0, self.expires_at - now())

    def is_expired(self) -> bool:
        return now() >= self.expires_at


class TokenFamily(Persistent):
    """One grant: everything a code exchange issued, the refresh tokens
    descended from it and the access tokens of the exchange and of every
    refresh. Revoking the family revokes them all (RFC 7009, section 2.1).

    ``expires_at`` is when its refresh tokens expire (a family without
    refresh tokens: when its first access token does); the family itself
    is kept until its last access token has expired too.
    """

    #: ``(jti, expires_at)`` of the access tokens issued from the family and
    #: not yet expired. A class default: families stored before generation 5
    #: knew none.
    access_tokens = ()
    #: The resource indicators (RFC 8707) the grant was authorized for; each
    #: token request may name one of them. A class default, as above.
    resources = ()
    #: The DPoP key thumbprint its refresh tokens are bound to (a public
    #: client's grant started with a proof), or None.
    dpop_jkt = None

    def __init__(self, family_id, client_id, subject, sid, expires_at):
        self.family_id = family_id
        self.client_id = client_id
        self.subject = subject
        self.sid = sid
        self.expires_at = expires_at
        self.revoked = False
        self.current = None  # digest of the newest refresh token
        self.access_tokens = ()

    def add_access_token(self, jti: str, expires_at: int) -> None:
        """Remember an access token issued from the family. Expired ones are
        dropped on the way, so the tuple stays as short as the tokens live."""
        when = now()
        self.access_tokens = tuple(t for t in self.access_tokens if t[1] > when) + ((jti, expires_at),)

    def ends_at(self) -> int:
        """When nothing issued from the family is valid any more."""
        return max([self.expires_at] + [exp for _, exp in self.access_tokens])


class Consent(Persistent):
    """A remembered consent of one user to one client."""

    def __init__(self, subject, client_id, scopes, lifetime=None):
        self.subject = subject
        self.client_id = client_id
        self.scopes = tuple(sorted(scopes))
        self.created_at = now()
        self.expires_at = self.created_at + lifetime if lifetime else None


class GrantStore(Persistent):
    """Codes, refresh-token families, consents and revoked access-token ids."""

    def __init__(self):
        # Written by every code flow: spread over several BTrees (see .sharded).
        self.codes = ShardedTree()
        self.refresh_tokens = ShardedTree()
        self.families = ShardedTree()  # a family per code exchange
        self.consents = OOBTree()
        self.revoked_jtis = OOBTree()  # jti -> expires_at
        self.seen_assertions = OOBTree()  # "client\x00jti" -> expires_at (private_key_jwt replay)

    # -- codes ---------------------------------------------------------------

    def add_code(self, code: str, item: AuthorizationCode) -> None:
        self.codes[digest(code)] = item

    def find_code(self, code: str) -> AuthorizationCode | None:
        return self.codes.get(digest(code or ""))

    # -- refresh tokens --------------------------------------------------------

    def start_family(self, client_id, subject, sid, expires_at) -> TokenFamily:
        family = TokenFamily(random_token(12), client_id, subject, sid, expires_at)
        self.families[family.family_id] = family
        return family

    def issue_refresh_token(self, family: TokenFamily, scope, *, auth_time=None, amr=(), acr=None, idp=None) -> str:
        value = random_token(32)
        item = RefreshToken(
            family.family_id,
            family.client_id,
            family.subject,
            scope,
            family.expires_at,
            sid=family.sid,
            auth_time=auth_time,
            amr=amr,
            acr=acr,
            idp=idp,
        )
        key = digest(value)
        self.refresh_tokens[key] = item
        family.current = key
        return value

    def find_refresh_token(self, value: str) -> RefreshToken | None:
        return self.refresh_tokens.get(digest(value or ""))

    def family(self, family_id) -> TokenFamily | None:
        return self.families.get(family_id)

    def revoke_family(self, family_id) -> None:
        family = self.families.get(family_id)
        if family is not None and not family.revoked:
            self._revoke(family)

    def _revoke(self, family: TokenFamily) -> None:
        """The one way a family is revoked: its refresh tokens stop working
        and its access tokens go on the deny-list until they expire."""
        family.revoked = True
        when = now()
        for jti, expires_at in family.access_tokens:
            if expires_at > when:
                self.revoke_jti(jti, expires_at)

    def revoke_where(self, *, subject=None, client_id=None, sid=None) -> int:
        """Revoke every family matching all the given fields; return how many."""
        count = 0
        for family in self.families.values():
            if family.revoked:
                continue
            if subject is not None and family.subject != subject:
                continue
            if client_id is not None and family.client_id != client_id:
                continue
            if sid is not None and family.sid != sid:
                continue
            self._revoke(family)
            count += 1
        return count

    # -- access tokens ---------------------------------------------------------

    def revoke_jti(self, jti: str, expires_at: int) -> None:
        self.revoked_jtis[jti] = expires_at

    def is_jti_revoked(self, jti: str) -> bool:
        return jti in self.revoked_jtis

    def remember_assertion(self, client_id: str, jti: str, expires_at: int) -> bool:
        """Record a client assertion's ``jti``; False if it was seen before."""
        key = f"{client_id}\x00{jti}"
        if key in self.seen_assertions:
            return False
        self.seen_assertions[key] = expires_at
        return True

    # -- consents --------------------------------------------------------------

    @staticmethod
    def consent_key(subject, client_id) -> str:
        return f"{subject}\x00{client_id}"

    def remember_consent(self, consent: Consent) -> None:
        self.consents[self.consent_key(consent.subject, consent.client_id)] = consent

    def consent(self, subject, client_id) -> Consent | None:
        item = self.consents.get(self.consent_key(subject, client_id))
        if item is not None and item.expires_at is not None and item.expires_at <= now():
            return None
        return item

    def forget_consent(self, subject, client_id) -> None:
        self.consents.pop(self.consent_key(subject, client_id), None)

    def consents_of(self, subject) -> list[Consent]:
        return [c for c in self.consents.values() if c.subject == subject]

    # -- housekeeping ----------------------------------------------------------

    def prune(self, when: int) -> int:
        removed = prune_expired(self.codes, when)
        removed += prune_expired(self.refresh_tokens, when)
        stale = [key for key, family in self.families.items() if family.ends_at() < when]
        for key in stale:
            del self.families[key]
        removed += len(stale)
        removed += prune_expired(self.consents, when)
        for tree in (self.revoked_jtis, self.seen_assertions):
            stale = [key for key, exp in tree.items() if exp < when]
            for key in stale:
                del tree[key]
            removed += len(stale)
        return removed
