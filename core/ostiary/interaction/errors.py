"""The error page, and the views that turn every failure into it: unknown
routes and unexpected exceptions alike. A browser never sees a traceback."""

from __future__ import annotations

import logging
import secrets

from ..i18n import _, translate
from ..models.database import database
from ..models.interactions import ErrorRecord
from ..models.root import record_error_apart
from ..protocol.server import json_response
from .pages import render_page

log = logging.getLogger(__name__)

#: Routes whose callers are programs: they get JSON errors, not a page.
API_ROUTES = frozenset({"token", "revocation", "introspection", "userinfo", "discovery", "jwks"})

#: The admin API's routes (issue 14) by name prefix: their errors are problem details.
ADMIN_API_ROUTES = "admin_api_"

#: Core's error codes: the error page's message and HTTP status for each.
#: Monitoring and conformance suites read the status, not the text. A code
#: registered by nobody is the sender's fault (an unknown client, an
#: unregistered redirect URI, bad parameters): 400. Only our own failure is
#: a 5xx. Plugins add theirs with ``config.add_error_message``.
CORE_ERRORS = {
    "not_found": (_("The page you asked for does not exist."), 404),
    "unknown_error": (None, 404),  # an error id that is unknown or expired: nothing is there (any more)
    "server_error": (_("Something went wrong on our side."), 500),
    "temporarily_unavailable": (None, 503),
    "invalid_request": (_("The request was not valid."), 400),
    "invalid_client": (_("The application that sent you here is not known."), 400),
}
UNKNOWN = _("The request could not be completed.")
CLIENT_ERROR = 400


def add_error_message(config, error: str, message, status: int = CLIENT_ERROR) -> None:
    """Directive ``config.add_error_message(error, message, status=400)``: what
    the error page says for the error code ``error`` (a translation string)
    and the HTTP status it answers with."""
    if not 400 <= status <= 599:
        raise ValueError(f"the error page's status for {error!r} must be a 4xx or 5xx, not {status}")
    config.registry.ostiary_error_messages[error] = (message, status)


def error_message(registry, error: str) -> tuple:
    """``(message, status)`` of the error page for ``error``."""
    message, status = registry.ostiary_error_messages.get(error, (None, CLIENT_ERROR))
    return message or UNKNOWN, status


def _render_error(request, error, error_id, description=None, status=None):
    development = request.registry.ostiary_settings.development
    page = values(request, error, error_id, description if development else None)
    return render_page(request, "error.pt", page, status=status or error_message(request.registry, error)[1])


def values(request, error, error_id=None, description=None) -> dict:
    """What ``error.pt`` receives (docs/themes.md), for the view and the
    gallery alike. ``description``: the detail, for development mode only."""
    return {
        "page_title": translate(request, _("Error")),
        "error": error,
        "error_id": error_id,
        "message": translate(request, error_message(request.registry, error)[0]),
        "description": description,
    }


def error_page(request):
    """``GET /error?errorId=...``: with the status of the error behind the id."""
    error_id = request.params.get("errorId")
    record = request.interaction.error_context(error_id)
    if record is None:
        return _render_error(request, "unknown_error", None)
    return _render_error(request, record.error, error_id, record.description)


def not_found(request):
    """Unknown routes: the error page with status 404 (JSON for API paths)."""
    return _render_error(request, "not_found", None)


def server_error(exc, request):
    """Any uncaught exception: logged with an error id, its detail kept
    server-side behind that id, shown as a generic page."""
    error_id = secrets.token_urlsafe(9)
    log.error("internal error %s on %s %s", error_id, request.method, request.path, exc_info=exc)
    record = ErrorRecord("server_error", f"{type(exc).__name__}: {exc}")
    record_error_apart(database(request.registry), record, error_id)
    route = getattr(request, "matched_route", None)
    if route is not None and route.name in API_ROUTES:
        return json_response(500, {"error": "server_error", "error_description": f"Internal error {error_id}."})
    if route is not None and route.name.startswith(ADMIN_API_ROUTES):  # issue 14: problem details (RFC 9457)
        body = {
            "type": "about:blank",
            "title": "Internal server error",
            "status": 500,
            "detail": f"Internal error {error_id}.",
        }
        response = json_response(500, body)
        response.content_type = "application/problem+json"
        return response
    return _render_error(request, "server_error", error_id, f"{type(exc).__name__}: {exc}")


def bad_csrf(exc, request):
    """A form posted without a valid CSRF token (usually an expired page), or
    over https from another origin."""
    return _render_error(request, "invalid_request", None, "The form expired or was not sent by this site.", status=400)


def client_error(exc, request):
    """Any other 4xx a view or Pyramid raises: its status, and our page (or
    JSON on API routes) instead of Pyramid's bare default with its detail."""
    route = getattr(request, "matched_route", None)
    if route is not None and route.name in API_ROUTES:
        return json_response(exc.status_code, {"error": "invalid_request"})
    return _render_error(request, "invalid_request", None, exc.detail or exc.explanation, status=exc.status_code)


def includeme(config):
    """The error messages registry and its directive."""
    config.registry.ostiary_error_messages = dict(CORE_ERRORS)
    config.add_directive("add_error_message", add_error_message)
