"""The return URL: how a page resumes the authorization request that sent
the browser to it.

It is the authorize endpoint's callback with the request's parameters, a
relative URL on this server and nothing else, so a page can never be made
to redirect off it. The format is the protocol's: the authorize endpoint
writes it, and the interaction service (``request.interaction``) reads it
for the pages.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from .paths import PATHS

#: Where a return URL may lead: the authorize endpoint, or the page that
#: confirms a device's request (RFC 8628), nothing else.
AUTHORIZE_PATHS = (PATHS["authorize"], PATHS["authorize_callback"], PATHS["device_confirm"])
#: The parameter only a device's request has: its return URL leads to the
#: device confirmation instead of the authorize endpoint.
DEVICE_PARAMETER = "user_code"
#: Return-URL parameters that keep what the authorize endpoint took out of
#: the request when it sent the browser to sign in (``prompt=login``,
#: ``max_age``), so that coming back does not loop, while pages still learn
#: that the client asked for them (as Duende IdentityServer's suppressed_prompt).
SUPPRESSED_PROMPT = "suppressed_prompt"
SUPPRESSED_MAX_AGE = "suppressed_max_age"
#: Parameters a request may repeat: ``resource`` (RFC 8707, section 2).
#: In a parameter dict a repeated one is a list, a single one a string.
REPEATABLE = frozenset({"resource"})
_UNSAFE = re.compile(r"[\\\x00-\x1f\x7f]")


def return_url_for(params: dict) -> str:
    """The return URL that resumes the authorization request ``params``."""
    path = PATHS["device_confirm"] if DEVICE_PARAMETER in params else AUTHORIZE_PATHS[1]
    return path + "?" + urlencode(params, doseq=True)


def is_valid_return_url(return_url: str | None) -> bool:
    """True only for a relative URL to this issuer's authorize endpoint.

    Absolute URLs, scheme-relative ``//host`` URLs, backslashes, control
    characters and percent-encoded variants of them are all refused, so a
    return URL can never lead off this server.
    """
    if not return_url or not return_url.startswith("/") or return_url.startswith("//"):
        return False
    decoded = unquote(return_url)
    if _UNSAFE.search(return_url) or _UNSAFE.search(decoded) or decoded.startswith("//"):
        return False
    parts = urlsplit(return_url)
    if parts.scheme or parts.netloc or parts.fragment:
        return False
    if parts.path == PATHS["device_confirm"]:
        return DEVICE_PARAMETER in return_url_params(return_url)
    return parts.path in AUTHORIZE_PATHS and DEVICE_PARAMETER not in return_url_params(return_url)


def return_url_params(return_url: str) -> dict:
    """The authorization request's parameters in a (valid) return URL."""
    pairs = parse_qsl(urlsplit(return_url).query, keep_blank_values=True)
    params = dict(pairs)
    for name in REPEATABLE & set(params):
        values = [v for k, v in pairs if k == name]
        if len(values) > 1:
            params[name] = values
    return params


def with_repeated(payload) -> dict:
    """An authorization request's parameters as a dict (authlib's keeps the
    last value of each), with every value of a repeated :data:`REPEATABLE`
    parameter, as :func:`return_url_params` reads them back."""
    params = dict(payload.data)
    for name in REPEATABLE:
        values = payload.datalist.get(name, [])
        if len(values) > 1:
            params[name] = list(values)
    return params


def request_fingerprint(params) -> str:
    """A stable digest of an authorization request's parameters: the key
    under which a page's decision waits for the authorize endpoint."""
    canonical = urlencode(sorted((k, v) for k, v in params.items()), doseq=True)
    return hashlib.sha256(canonical.encode()).hexdigest()
