"""Pairwise subject identifiers (OpenID Connect Core 1.0, section 8.1).

A client registered with ``subject_type = "pairwise"`` sees each person
under an identifier of its own sector (the host of its
``sector_identifier_uri``, or of its redirect URIs): the base64url SHA-256
of the sector, the local subject and a salt kept in the database. Two
clients of different sectors cannot correlate people; clients of one
sector (one sector_identifier_uri) see the same identifier.

The same identifier goes everywhere the client sees a subject: the ID
token, the access token, userinfo, introspection and logout tokens. Where a
token comes back (userinfo, introspection, ``id_token_hint``),
:func:`local_subject` finds the person again through the store's index.

The ``sector_identifier_uri`` is fetched when the client is loaded
(Dynamic Client Registration 1.0, section 5): a JSON array that must list
every redirect URI of the client.
"""

from __future__ import annotations

import base64
import hashlib

import requests

#: Seconds to wait for a sector_identifier_uri.
FETCH_TIMEOUT = 10


def subject_for(request, client, subject: str) -> str:
    """The ``sub`` that ``client`` sees for the local ``subject``."""
    sector = getattr(client, "sector", None)
    if not sector or subject is None:
        return subject
    store = request.ostiary_root.pairwise
    value = hashlib.sha256(b"\x00".join((sector.encode(), subject.encode(), store.salt))).digest()
    pairwise = base64.urlsafe_b64encode(value).rstrip(b"=").decode()
    store.remember(sector, pairwise, subject)
    return pairwise


def local_subject(request, client, sub: str | None) -> str | None:
    """The local subject behind a ``sub`` that ``client`` was given (None
    when a pairwise ``sub`` is unknown)."""
    sector = getattr(client, "sector", None)
    if not sector or sub is None:
        return sub
    return request.ostiary_root.pairwise.local_subject(sector, sub)


def check_sector_identifier(client) -> None:
    """Fetch a pairwise client's ``sector_identifier_uri`` and check that it
    lists every redirect URI; raise ValueError saying what is wrong."""
    uri = getattr(client, "sector_identifier_uri", None)
    if client.subject_type != "pairwise" or not uri:
        return
    try:
        response = requests.get(uri, timeout=FETCH_TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        raise ValueError(f"sector_identifier_uri: {uri} cannot be fetched ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise ValueError(f"sector_identifier_uri: {uri} answered HTTP {response.status_code}")
    try:
        listed = response.json()
    except ValueError:
        listed = None
    if not isinstance(listed, list) or not all(isinstance(item, str) for item in listed):
        raise ValueError(f"sector_identifier_uri: {uri} is not a JSON array of redirect URIs")
    missing = [redirect for redirect in client.redirect_uris if redirect not in listed]
    if missing:
        raise ValueError(f"sector_identifier_uri: {uri} does not list {', '.join(missing)}")
