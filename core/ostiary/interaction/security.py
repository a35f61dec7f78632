"""Security headers on every response and the CSRF policy for every form."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from pyramid.csrf import CookieCSRFStoragePolicy
from pyramid.events import NewResponse

from ..protocol.headers import COMMON_HEADERS
from ..settings import cookies_secure


def csp_nonce(request) -> str:
    """Request method ``request.csp_nonce``: a nonce for this page's inline script."""
    return secrets.token_urlsafe(16)


_SOURCE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(//[A-Za-z0-9.:\[\]-]+)?")


def allow_form_redirect(request, url: str) -> None:
    """Let this page's forms end at ``url``'s origin.

    Browsers apply ``form-action`` to every redirect after a form post, so a
    form that answers an authorization request (login, consent) must allow
    the client's redirect URI, or Chromium blocks the final redirect.
    """
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    source = f"{parts.scheme}://{host}" if host else f"{parts.scheme}:"
    if _SOURCE.fullmatch(source):
        request.csp_form_action = " ".join(filter(None, (getattr(request, "csp_form_action", None), source)))


def _logo_source(request) -> str:
    """The origin of an absolute ``ostiary.logo_url``, allowed as an image source."""
    brand = getattr(request.registry, "ostiary_brand", None)
    origin = brand.logo_origin if brand is not None else None
    return " " + origin if origin else ""


def _content_security_policy(request) -> str:
    form_action = "'self'"
    target = getattr(request, "csp_form_action", None)
    if target:  # the form_post response mode submits to the client
        form_action += " " + target
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{request.csp_nonce}'",
        "style-src 'self'",
        "img-src 'self' data:" + _logo_source(request),
        "object-src 'none'",
        "frame-src " + (getattr(request, "csp_frame_src", None) or "'none'"),
        "base-uri 'self'",
        f"form-action {form_action}",
        getattr(request, "csp_frame_ancestors", None) or "frame-ancestors 'none'",
    ))




def add_security_headers(event) -> None:
    """Subscriber: headers every response carries; HTML gets a strict CSP."""
    request, response = event.request, event.response
    headers = response.headers
    for name, value in COMMON_HEADERS:
        headers.setdefault(name, value)
    if response.content_type == "text/html":
        headers.setdefault("Content-Security-Policy", _content_security_policy(request))
        headers.setdefault("X-Frame-Options", "DENY")


def includeme(config):
    settings = config.registry.ostiary_settings
    config.add_request_method(csp_nonce, "csp_nonce", reify=True)
    policy = CookieCSRFStoragePolicy(cookie_name="ostiary_csrf", secure=cookies_secure(settings),
                                     httponly=True, samesite="Lax")
    config.set_csrf_storage_policy(policy)
    config.set_default_csrf_options(require_csrf=True, token="csrf_token", header=None)
    config.add_subscriber(add_security_headers, NewResponse)
