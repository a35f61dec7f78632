"""What external login keeps between requests and for good.

* a **pending sign-in** bridges the redirect to an upstream provider and
  its callback: kept under the digest of the ``state`` value, used once,
  valid for minutes, and bound to the browser by the digest of a cookie
  (only that browser's callback uses it up);
* a **link** ties an upstream identity (provider, upstream subject) to a
  local subject, whichever user store holds that user;
* a **pending link** waits, for one browser, until the person signs in
  locally once to link an upstream identity to their account;
* a **pending sign-out** remembers, while the browser signs out at the
  upstream, what the signed-out page must show when it comes back;
* **providers** added with ``ostiary provider add``, as their raw settings;
* the ``jti`` of every **back-channel logout token** an upstream sent, kept
  until the token expires, so that none is accepted twice.

Secrets in flight (state, the browser cookie) are stored as digests only.
"""

from __future__ import annotations

import hmac

from BTrees.OOBTree import OOBTree
from persistent import Persistent

from .util import digest, now, prune_expired, random_token

#: Seconds a person has to finish signing in upstream, or to link locally.
PENDING_LIFETIME = 600


class PendingSignIn(Persistent):
    """A redirect to an upstream provider, waiting for its callback."""

    # What was passed on of the client's demand for a fresh sign-in, which
    # the upstream's auth_time must then meet (class defaults: records
    # stored before had none).
    max_age = None
    prompt_login = False
    started_at = None
    # The signed-in person linking this provider from the account console
    # (None: a sign-in).
    link_subject = None

    def __init__(self, provider, return_url, *, nonce, code_verifier, browser_digest, max_age=None, prompt_login=False):
        self.provider = provider
        self.return_url = return_url  # None: no authorization request behind it
        self.nonce = nonce
        self.code_verifier = code_verifier
        self.browser_digest = browser_digest
        self.started_at = now()
        self.expires_at = self.started_at + PENDING_LIFETIME
        self.max_age = max_age
        self.prompt_login = prompt_login


class ExternalLink(Persistent):
    """Upstream identity ``(provider, upstream_subject)`` belongs to ``subject``."""

    def __init__(self, provider, upstream_subject, subject):
        self.provider = provider
        self.upstream_subject = upstream_subject
        self.subject = subject
        self.created_at = now()
        self.last_used_at = None


class PendingLink(Persistent):
    """An upstream identity without a local user, waiting for the person to
    sign in locally (in the same browser, for the same request) to link it."""

    def __init__(self, provider, upstream_subject, return_url, *, email=None):
        self.provider = provider
        self.upstream_subject = upstream_subject
        self.return_url = return_url
        self.email = email
        self.expires_at = now() + PENDING_LIFETIME


class PendingSignOut(Persistent):
    """A sign-out in progress at an upstream provider."""

    def __init__(self, provider, logout_id, frames):
        self.provider = provider
        self.logout_id = logout_id
        self.frames = tuple(frames)
        self.expires_at = now() + PENDING_LIFETIME


def link_key(provider: str, upstream_subject: str) -> str:
    return f"{provider}\x00{upstream_subject}"


class FederationStore(Persistent):
    """Every container of external login."""

    # Stores from before generation 3 get it by evolving.
    logout_tokens = None
    # subject NUL link_key -> True, so that the account console and the
    # commands find a person's links without a scan (generation 8).
    links_by_subject = None
    # name -> the version of a database provider's settings, drawn afresh at
    # every write (generation 14): an ETag derived from the settings would
    # derive from the client secret too, and let anyone who reads it test
    # guesses of a weak secret offline.
    provider_versions = None

    def __init__(self):
        self.pending = OOBTree()  # digest(state) -> PendingSignIn
        self.links = OOBTree()  # link_key -> ExternalLink
        self.pending_links = OOBTree()  # digest(browser cookie) -> PendingLink
        self.sign_outs = OOBTree()  # digest(state) -> PendingSignOut
        self.providers = OOBTree()  # name -> dict of raw settings (from the command line)
        self.logout_tokens = OOBTree()  # link_key(provider, jti) -> when it may be forgotten
        self.links_by_subject = OOBTree()
        self.provider_versions = OOBTree()

    # -- providers of the database ---------------------------------------

    def put_provider(self, name: str, raw: dict) -> str:
        """Store a provider's raw settings; its new version."""
        self.providers[name] = dict(raw)
        version = random_token(16)
        if self.provider_versions is not None:
            self.provider_versions[name] = version
        return version

    def remove_provider(self, name: str) -> None:
        del self.providers[name]
        if self.provider_versions is not None:
            self.provider_versions.pop(name, None)

    def provider_version(self, name: str) -> str | None:
        """The version of a stored provider; None for one stored before
        versions were kept (generation 14) or never changed since."""
        return None if self.provider_versions is None else self.provider_versions.get(name)

    # -- pending sign-ins ---------------------------------------------------

    def put_pending(self, state: str, item: PendingSignIn) -> None:
        self.pending[digest(state)] = item

    def pending_sign_in(self, state: str | None) -> PendingSignIn | None:
        """The pending sign-in of ``state``, left in place (to tell why
        :meth:`take_pending` refused it)."""
        item = self.pending.get(digest(state)) if state else None
        if item is None or item.expires_at < now():
            return None
        return item

    def take_pending(self, state: str | None, *, browser_digest: str | None, provider: str) -> PendingSignIn | None:
        """The pending sign-in of ``state``, removed (a state works once), if
        the browser with ``browser_digest`` started it for ``provider``.
        Otherwise None, and it stays: a callback URL leaks (a proxy log, a
        shoulder, a shared link), and its use by anyone else must not spend
        the sign-in its own browser is about to finish."""
        item = self.pending_sign_in(state)
        if item is None:
            return None
        if browser_digest is None or not hmac.compare_digest(browser_digest, item.browser_digest):
            return None
        if item.provider != provider:
            return None
        del self.pending[digest(state)]
        return item

    # -- links ----------------------------------------------------------------

    def link(self, provider: str, upstream_subject: str) -> ExternalLink | None:
        return self.links.get(link_key(provider, upstream_subject))

    def add_link(self, provider: str, upstream_subject: str, subject: str) -> ExternalLink:
        key = link_key(provider, upstream_subject)
        self.remove_link(provider, upstream_subject)  # re-linked to someone else: out of the old index
        item = self.links[key] = ExternalLink(provider, upstream_subject, subject)
        if self.links_by_subject is not None:
            self.links_by_subject[f"{subject}\x00{key}"] = True
        return item

    def remove_link(self, provider: str, upstream_subject: str) -> None:
        key = link_key(provider, upstream_subject)
        item = self.links.pop(key, None)
        if item is not None and self.links_by_subject is not None:
            self.links_by_subject.pop(f"{item.subject}\x00{key}", None)

    def index_links(self) -> None:
        """Build the index of links by subject (an evolve step), if missing."""
        if self.links_by_subject is None:
            self.links_by_subject = OOBTree({f"{item.subject}\x00{key}": True for key, item in self.links.items()})

    def links_of(self, subject: str) -> list[ExternalLink]:
        if self.links_by_subject is None:  # a database not evolved yet
            return [item for item in self.links.values() if item.subject == subject]
        prefix = f"{subject}\x00"
        found = (self.links.get(key[len(prefix) :]) for key in self.links_by_subject.keys(prefix, prefix + "\uffff"))
        return [item for item in found if item is not None and item.subject == subject]

    # -- pending links ------------------------------------------------------------

    def put_pending_link(self, browser: str, item: PendingLink) -> None:
        self.pending_links[digest(browser)] = item

    def pending_link(self, browser: str | None) -> PendingLink | None:
        if not browser:
            return None
        item = self.pending_links.get(digest(browser))
        if item is None or item.expires_at < now():
            return None
        return item

    def drop_pending_link(self, browser: str | None) -> None:
        if browser:
            self.pending_links.pop(digest(browser), None)

    # -- pending sign-outs ----------------------------------------------------------

    def put_sign_out(self, item: PendingSignOut) -> str:
        state = random_token(24)
        self.sign_outs[digest(state)] = item
        return state

    def take_sign_out(self, state: str | None) -> PendingSignOut | None:
        if not state:
            return None
        item = self.sign_outs.pop(digest(state), None)
        if item is None or item.expires_at < now():
            return None
        return item

    # -- back-channel logout tokens ------------------------------------------------------

    def first_logout_token(self, provider: str, jti: str, keep_until: int) -> bool:
        """Record logout token ``jti`` of ``provider`` until ``keep_until``;
        False if it was seen before (a replay)."""
        key = link_key(provider, jti)
        seen = self.logout_tokens.get(key)
        if seen is not None and seen >= now():
            return False
        self.logout_tokens[key] = int(keep_until)
        return True

    # -- housekeeping -----------------------------------------------------------------

    def prune(self, when: int) -> int:
        removed = sum(prune_expired(tree, when) for tree in (self.pending, self.pending_links, self.sign_outs))
        stale = [key for key, until in self.logout_tokens.items() if until < when]
        for key in stale:
            del self.logout_tokens[key]
        return removed + len(stale)
