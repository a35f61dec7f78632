"""The login page: local credentials through the user-store hooks."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther

from ..events import LOGIN_FAILED, emit
from ..hookspecs import Caller
from ..protocol.claims import is_active
from pyramid.csrf import get_csrf_token

from .pages import render_page

GENERIC_FAILURE = "Invalid username or password."


def _context_or_error(request):
    """The authorization context behind ``returnUrl``; an error page when the
    return URL is present but not ours; (None, None) when there is none."""
    service = request.interaction
    return_url = request.params.get("returnUrl") or None
    if return_url is None:
        return None, None
    context = service.authorization_context(return_url)
    if context is None:
        return None, service.error_redirect("invalid_request", "The return URL is not valid.")
    return context, None


def _render(request, context, username="", error=None, status=200):
    values = {
        "page_title": "Sign in",
        "username": username,
        "error": error,
        "return_url": request.params.get("returnUrl", ""),
        "client_name": context.client.name if context else None,
        "csrf_token": get_csrf_token(request),
        "links": [link for links in reversed(request.hooks.ostiary_login_links(request=request, context=context))
                  for link in links or ()],
    }
    return render_page(request, "login.pt", values, status=status)


def login_form(request):
    """``GET /account/login``."""
    context, failure = _context_or_error(request)
    if failure is not None:
        return failure
    return _render(request, context, username=(context.login_hint or "") if context else "")


def login_submit(request):
    """``POST /account/login``: sign in, or cancel the authorization request."""
    context, failure = _context_or_error(request)
    if failure is not None:
        return failure
    service = request.interaction
    if request.POST.get("action") == "cancel":
        if context is None:
            return HTTPSeeOther(request.route_path("home"))
        return HTTPSeeOther(service.deny(context))
    username = request.POST.get("username", "").strip()
    password = request.POST.get("password", "")
    user = None
    if username and password:
        user = request.hooks.ostiary_verify_credentials(request=request, username=username, password=password)
    client = context.client if context else None
    if not user or not is_active(request, user.subject, client, Caller.LOGIN):
        emit(request, LOGIN_FAILED, client_id=client.client_id if client else None, username=username[:64])
        return _render(request, context, username=username, error=GENERIC_FAILURE, status=200)
    service.sign_in(user, remember=request.POST.get("remember") == "yes")
    target = request.params.get("returnUrl") if context else request.route_path("home")
    return HTTPSeeOther(target)
