"""Authorization requests a client pushed ahead (RFC 9126).

A pushed request is the authorization request's parameters, stored under
the digest of its ``request_uri`` (a random URN handed to the client), for
a short time and for the one client that pushed it. It is consumed when the
authorization endpoint answers the client with it (a code or an error):
until then the browser may come back to the authorization endpoint with it
after signing in and consenting.
"""

from __future__ import annotations

from persistent import Persistent
from persistent.mapping import PersistentMapping

from .sharded import ShardedTree
from .util import digest, now, prune_expired, random_token

#: RFC 9126, section 2.2: the URN prefix of a pushed request's reference.
REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"


class PushedRequest(Persistent):
    """The parameters of one pushed authorization request."""

    def __init__(self, client_id: str, params: dict, lifetime: int):
        self.client_id = client_id
        self.params = PersistentMapping(params)
        self.expires_at = now() + lifetime

    def is_expired(self) -> bool:
        return now() >= self.expires_at


class PushedRequestStore(Persistent):
    """Pushed requests by the digest of their ``request_uri``."""

    def __init__(self):
        self.items = ShardedTree()

    def push(self, client_id: str, params: dict, lifetime: int) -> str:
        """Store ``params``; return the new ``request_uri``."""
        request_uri = REQUEST_URI_PREFIX + random_token(24)
        self.items[digest(request_uri)] = PushedRequest(client_id, params, lifetime)
        return request_uri

    def find(self, request_uri: str, client_id: str) -> PushedRequest | None:
        """The live request behind ``request_uri`` if ``client_id`` pushed it."""
        item = self.items.get(digest(request_uri or ""))
        if item is None or item.client_id != client_id or item.is_expired():
            return None
        return item

    def consume(self, request_uri: str) -> None:
        """Forget a request once the client has its answer: single use."""
        self.items.pop(digest(request_uri or ""), None)

    def prune(self, when: int) -> int:
        return prune_expired(self.items, when)
