"""Helpers the account pages share: rendering, the return URL, addresses."""

from __future__ import annotations

import re

from pyramid.csrf import get_csrf_token
from pyramid.i18n import TranslationStringFactory
from pyramid.renderers import render_to_response

#: Deliberately plain: one @, no spaces, commas, angle brackets or quotes
#: (nothing that could smuggle a second recipient or a header), a dot in the
#: domain. Whether the address works is what the mailed link proves.
_EMAIL = re.compile(r"[^@\s,;:<>()\[\]\"\\]+@[^@\s,;:<>()\[\]\"\\]+\.[^@\s,;:<>()\[\]\"\\.]+")
MAX_EMAIL_LENGTH = 254

_ = TranslationStringFactory("ostiary_accounts")


def render_page(request, spec: str, values: dict, status: int = 200):
    """Render the template ``spec`` (an asset specification, so a theme or a
    deployment can override it) inside the theme's layout. Never cached:
    these pages carry CSRF tokens or links that work once."""
    values = dict(values)
    values.setdefault("csrf_token", get_csrf_token(request))
    response = render_to_response(spec, values, request=request)
    response.status = status
    response.headers["Cache-Control"] = "no-store"
    return response


def translate(request, message):
    """A translation string in the request's language (None stays None)."""
    return None if message is None else request.localizer.translate(message)


def return_url(request):
    """``(url, context, failure)`` for the ``returnUrl`` parameter.

    No parameter: ``("", None, None)``, the page was opened on its own. A
    parameter the interaction service does not accept (not our authorize
    endpoint, unknown client, ...): ``failure`` is a redirect to the error
    page (``request.interaction.context_or_error``). Otherwise the URL and its authorization
    context.
    """
    url = request.params.get("returnUrl") or ""
    context, failure = request.interaction.context_or_error(url)
    return url, context, failure


def resume_url(request, url: str | None) -> str | None:
    """A stored return URL if it is still valid (the client may be gone), else None."""
    if url and request.interaction.authorization_context(url) is not None:
        return url
    return None


def login_url(request, url: str | None) -> str:
    """The login page, resuming ``url`` when there is one."""
    query = {"returnUrl": url} if url else {}
    return request.route_path("login", _query=query)


def public_url(request, route_name: str, **query) -> str:
    """An absolute URL for a mail, built on the configured issuer, never on the
    request's Host header (which a client can set to its own server)."""
    issuer = request.registry.ostiary_settings.issuer
    return request.route_url(route_name, _app_url=issuer, _query=query)


def client_key(request) -> str:
    """The rate-limit key of the client. REMOTE_ADDR only: X-Forwarded-For is
    whatever the client says; behind a proxy, let the server (waitress
    ``trusted_proxy``) set REMOTE_ADDR from it."""
    return "ip:" + (request.remote_addr or "unknown")


def fold(value: str | None) -> str:
    """Case-insensitive comparison key of a username or email."""
    return (value or "").strip().casefold()


def valid_email(email: str) -> bool:
    return len(email) <= MAX_EMAIL_LENGTH and _EMAIL.fullmatch(email) is not None


def duration(request, seconds: int) -> str:
    """``24 hours``, ``30 minutes``: how long a mailed link works, for the
    mail, in the request's language."""
    if seconds >= 7200:
        message = _("${count} hours", mapping={"count": seconds // 3600})
    elif seconds >= 120:
        message = _("${count} minutes", mapping={"count": seconds // 60})
    else:
        message = _("${count} seconds", mapping={"count": seconds})
    return request.localizer.translate(message)
