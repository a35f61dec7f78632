"""Security headers on every response and the CSRF policy for every form."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from urllib.parse import urlsplit

from pyramid.csrf import CookieCSRFStoragePolicy
from pyramid.events import NewResponse

from ..protocol.headers import COMMON_HEADERS
from ..settings import cookies_secure
from .service import session_secret


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
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{request.csp_nonce}'",
            "style-src 'self'",
            "img-src 'self' data:" + _logo_source(request),
            # the signed-out page's front-channel logout <object>s (interaction.logout)
            "object-src " + (getattr(request, "csp_object_src", None) or "'none'"),
            "frame-src " + (getattr(request, "csp_frame_src", None) or "'none'"),
            "base-uri 'self'",
            f"form-action {form_action}",
            getattr(request, "csp_frame_ancestors", None) or "frame-ancestors 'none'",
        )
    )


def add_security_headers(event) -> None:
    """Subscriber: headers every response carries; HTML gets a strict CSP."""
    request, response = event.request, event.response
    headers = response.headers
    for name, value in COMMON_HEADERS:
        headers.setdefault(name, value)
    if response.content_type == "text/html":
        headers.setdefault("Content-Security-Policy", _content_security_policy(request))
        headers.setdefault("X-Frame-Options", "DENY")


CSRF_COOKIE = "ostiary_csrf"


def csrf_cookie_name(secure: bool) -> str:
    """``__Host-ostiary_csrf`` over https: browsers accept a cookie of that
    name only with Secure, Path=/ and no Domain, so neither a sibling
    subdomain nor a plain-http page can plant one. Over http browsers refuse
    the prefix, so the plain name stays."""
    return "__Host-" + CSRF_COOKIE if secure else CSRF_COOKIE


class SessionBoundCSRFPolicy(CookieCSRFStoragePolicy):
    """CSRF tokens bound to the browser and to its SSO session.

    The cookie holds a random value for the browser; the token in a form is
    an HMAC of that value keyed with the browser's SSO session cookie (empty
    before sign-in). The session cookie is HttpOnly and known to nobody but
    the browser, so a token cannot be computed by someone who planted or read
    the CSRF cookie alone, and every token changes when the session does.
    Signing in and out also replace the browser value (see
    ``InteractionService.sign_in``), so a token from before either stops
    working. A new value is kept on the request, never written into the
    environ's cookies: a retried attempt (pyramid_retry) must check the
    token against the cookie the browser really sent.
    """

    _token_factory = staticmethod(lambda: secrets.token_urlsafe(32))

    def _browser_value(self, request, renew: bool = False) -> str:
        value = (
            None
            if renew
            else (vars(request).get("_ostiary_csrf_value") or self.cookie_profile.bind(request).get_value())
        )
        if not value:
            value = vars(request)["_ostiary_csrf_value"] = self._token_factory()
            request.add_response_callback(lambda req, resp: self.cookie_profile.set_cookies(resp, value))
        return value

    @staticmethod
    def _bind(value: str, secret: str) -> str:
        mac = hmac.new(secret.encode(), value.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def new_csrf_token(self, request) -> str:
        """Replace the browser value; return the token forms carry from now on."""
        return self._bind(self._browser_value(request, renew=True), session_secret(request))

    def get_csrf_token(self, request) -> str:
        return self._bind(self._browser_value(request), session_secret(request))

    def check_csrf_token(self, request, supplied_token) -> bool:
        supplied = (supplied_token or "").encode("utf-8", "backslashreplace")
        return hmac.compare_digest(self.get_csrf_token(request).encode(), supplied)


def includeme(config):
    settings = config.registry.ostiary_settings
    config.add_request_method(csp_nonce, "csp_nonce", reify=True)
    secure = cookies_secure(settings)
    policy = SessionBoundCSRFPolicy(
        cookie_name=csrf_cookie_name(secure), secure=secure, httponly=True, samesite="Lax", path="/"
    )
    config.set_csrf_storage_policy(policy)
    config.set_default_csrf_options(require_csrf=True, token="csrf_token", header=None)
    config.add_subscriber(add_security_headers, NewResponse)
