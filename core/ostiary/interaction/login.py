"""The login page: local credentials through the user-store hooks, plus
whatever plugins add (links, fields, checks, external providers)."""

from __future__ import annotations

from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther

from ..events import LOGIN_FAILED, emit
from ..hookspecs import Caller
from ..i18n import _, translate
from ..models.clients import LOCAL_IDP
from ..models.util import now
from . import steps, throttle
from .account.fresh import is_console_return
from .pages import render_page
from .security import allow_form_redirect

GENERIC_FAILURE = _("Invalid username or password.")
LOCAL_NOT_ACCEPTED = _("This application does not accept signing in with a password.")


def _context_or_error(request):
    """The authorization context behind ``returnUrl``: none is fine (the page
    opened on its own), and so is a console page to come back to (a fresh
    sign-in the account console asked for); one that is not ours is the error page."""
    if is_console_return(request.params.get("returnUrl")):
        return None, None
    return request.interaction.context_or_error(request.params.get("returnUrl"))


def _after_sign_in(request, context) -> str:
    """Where a successful sign-in goes: back to the authorization request,
    back to the console page that asked for it, or home."""
    return_url = request.params.get("returnUrl")
    if context is not None or is_console_return(return_url):
        return return_url
    return request.route_path("home")


def values(
    request,
    *,
    username="",
    error=None,
    return_url="",
    client_name=None,
    links=(),
    fields=(),
    providers=(),
    local_login=True,
    scripts=(),
) -> dict:
    """What ``login.pt`` receives (docs/themes.md), built here for the view
    and for the gallery's samples alike, so the two cannot disagree."""
    return {
        "page_title": translate(request, _("Sign in")),
        "username": username,
        "error": translate(request, error),
        "return_url": return_url,
        "client_name": client_name,
        "csrf_token": get_csrf_token(request),
        "links": list(links),
        "fields": list(fields),
        "providers": list(providers),
        "local_login": local_login,
        # plugins' scripts (ostiary_login_scripts); passkey autofill on the username field
        "scripts": [
            {"src": s["src"], "attributes": {"data-" + k: v for k, v in (s.get("data") or {}).items()}} for s in scripts
        ],
        "username_autocomplete": (
            "username webauthn" if any(s.get("webauthn_autofill") for s in scripts) else "username"
        ),
    }


def _render(request, context, username="", error=None, values_in=None):
    plugins = request.plugins
    fields = plugins.login_fields(context)
    for field in fields:
        field.setdefault("value", (values_in or {}).get(field["name"], ""))
        field.setdefault("required", False)
    page = values(
        request,
        username=username,
        error=error,
        return_url=request.params.get("returnUrl", ""),
        client_name=context.client.name if context else None,
        links=plugins.login_links(context),
        fields=fields,
        providers=plugins.login_providers(context),
        local_login=context is None or context.client.accepts_idp(LOCAL_IDP),
        scripts=plugins.login_scripts(context),
    )
    if context is not None and context.params.get("redirect_uri"):  # a device's request has none
        allow_form_redirect(request, context.params["redirect_uri"])
    return render_page(request, "login.pt", page)


def login_form(request):
    """``GET /account/login``."""
    context, failure = _context_or_error(request)
    if failure is not None:
        return failure
    elsewhere = request.plugins.login_redirect(context=context)
    if elsewhere:  # home-realm discovery: straight to an external provider
        return HTTPSeeOther(elsewhere)
    username = (context.login_hint or "") if context else ""
    session = request.interaction.session
    if session is not None and is_console_return(request.params.get("returnUrl")):
        # the console asks the signed-in person to confirm it is them
        user = request.plugins.user_by_subject(subject=session.subject)
        username = user.username if user is not None else ""
    return _render(request, context, username=username)


def _refuse(request, context, username, message, *, guessed=False, throttled=False):
    """Show the form again with ``message``. ``guessed``: credentials were
    tried and failed, which counts against the client's address."""
    client_id = context.client_id if context else None
    details = {"throttled": True} if throttled else {}
    subject = None
    if guessed and username:
        # Named to the account, so that its owner sees the failed sign-ins
        # and the lockout in their history (the page itself never tells).
        user = request.plugins.user_by_username(username)
        if user is not None:
            subject = user.subject
            locked_until = getattr(user, "locked_until", None)
            details["reason"] = "locked" if locked_until and locked_until > now() else "wrong credentials"
    emit(request, LOGIN_FAILED, subject=subject, client_id=client_id, username=username[:64], **details)
    if guessed:
        throttle.count_failure(request)
    return _render(request, context, username=username, error=message, values_in=request.POST)


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
    if context is not None and not context.client.accepts_idp(LOCAL_IDP):
        return _refuse(request, context, username, LOCAL_NOT_ACCEPTED)
    if not (username and password):
        return _refuse(request, context, username, GENERIC_FAILURE)
    if throttle.refused(request, password):  # the account is not even asked: nothing counts against it
        return _refuse(request, context, username, GENERIC_FAILURE, throttled=True)
    user = request.plugins.verify_credentials(username=username, password=password)
    client = context.client if context else None
    if not user or not request.plugins.is_active(user.subject, client, Caller.LOGIN):
        return _refuse(request, context, username, GENERIC_FAILURE, guessed=True)
    if throttle.account_blocked(request, user.subject):  # locked after failed further factors
        return _refuse(request, context, username, GENERIC_FAILURE)
    # Further checks guard guessable secrets too: the same budget, and they
    # count against the account, which the right password does not reset.
    refusal = request.plugins.check_login(user=user, params=request.POST, context=context)
    if refusal:
        throttle.count_account_failure(request, user.subject)
        return _refuse(request, context, username, refusal, guessed=True)
    # The password was the first factor: policy decides whether a further step follows.
    target = steps.first_factor_passed(
        request,
        user,
        amr=("pwd",),
        method=steps.PASSWORD,
        remember=request.POST.get("remember") == "yes",
        context=context,
        return_url=_after_sign_in(request, context),
    )
    return HTTPSeeOther(target)
