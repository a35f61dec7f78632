"""Whether two URLs are on the same site, as browsers decide for cookies.

Front-channel logout loads a client's page in an iframe of the issuer's
signed-out page; a browser that blocks third-party cookies (Safari, Firefox
strict mode, Chrome with third-party cookies off) sends that frame no
cookies when the client is on another *site* than the issuer, and the
client cannot tell whom to sign out. A site is the scheme and the
registrable domain (``id.example.org`` and ``app.example.org`` are one
site). Without the public-suffix list, the registrable domain is taken as
the last two labels of the host, or three when the second-to-last is a
short second-level label under a country code (``example.co.uk``): right
for the usual deployments, and a warning is all this decides.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "go"})


def site(url: str) -> tuple[str, str] | None:
    """``(scheme, registrable domain)`` of ``url``, or None if it has no host."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return None
    try:
        ipaddress.ip_address(host)
        return parts.scheme, host  # an address is a site of its own
    except ValueError:
        pass
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    return parts.scheme, ".".join(labels[-keep:])


def same_site(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are on the same site."""
    first, second = site(a), site(b)
    return first is not None and first == second


def frontchannel_warning(issuer: str, client) -> str | None:
    """The warning for a client whose front-channel logout URI is on another
    site than the issuer, or None."""
    uri = getattr(client, "frontchannel_logout_uri", None)
    if not uri or same_site(issuer, uri):
        return None
    return (
        f"client {client.client_id}: frontchannel_logout_uri {uri} is on another site than the issuer; "
        "browsers that block third-party cookies will defeat front-channel logout there "
        "(use backchannel_logout_uri)"
    )
