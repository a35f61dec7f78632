"""The device page (RFC 8628): where a person types the code a device shows.

``/device`` asks for the user code (prefilled from the device's
``verification_uri_complete``). A valid code leads to ``/device/confirm``,
which sends the person to sign in and consent as any authorization request
does (their return URL comes back to it) and then approves the device's
request, or records the refusal. Wrong codes count against the client
address like failed sign-ins (:mod:`.throttle`), so the short codes cannot
be guessed by trying many.
"""

from __future__ import annotations

from types import SimpleNamespace

from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther

from ..hookspecs import Caller
from ..i18n import _, translate
from ..models.util import digest, now, random_token
from ..protocol import device
from ..protocol.authorize import consented_scope, current_principal
from ..protocol.return_urls import request_fingerprint
from ..settings import cookies_secure
from . import throttle
from .pages import render_page

ENTER, APPROVED, DENIED = "enter", "approved", "denied"
#: The cookie that binds a device request to the browser that typed its code.
DEVICE_COOKIE = "ostiary_device"


def values(request, *, state=ENTER, user_code="", error=None, client_name=None) -> dict:
    """What ``device.pt`` receives (docs/themes.md), for the views and the gallery."""
    titles = {ENTER: _("Connect a device"), APPROVED: _("Device connected"), DENIED: _("Device not connected")}
    return {
        "page_title": translate(request, titles[state]),
        "state": state,
        "user_code": user_code,
        "error": error,
        "client_name": client_name,
        "csrf_token": get_csrf_token(request),
    }


def device_form(request):
    """``GET /device``: the code form, filled in from ``?user_code=``."""
    return render_page(request, "device.pt", values(request, user_code=request.GET.get("user_code", "")[:32]))


def device_submit(request):
    """``POST /device``: check the code, then on to sign-in and consent."""
    user_code = request.POST.get("user_code", "")[:32]
    address = throttle.client_address(request)
    if request.ostiary_root.login_throttle.blocked(address):
        error = translate(request, _("Too many wrong codes. Wait a minute, then try again."))
        return render_page(request, "device.pt", values(request, user_code=user_code, error=error), status=429)
    item = device.find_pending(request, user_code)
    if item is None:
        throttle.count_failure(request)
        error = translate(request, _("This code is not valid or has expired. Check it on your device."))
        return render_page(request, "device.pt", values(request, user_code=user_code, error=error), status=400)
    value = random_token(16)
    item.browser_binding = digest(value)
    response = HTTPSeeOther(request.interaction.return_url_for(device.resume_params(item)))
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=max(1, item.expires_at - now()),
        path="/device",
        secure=cookies_secure(request.registry.ostiary_settings),
        httponly=True,
        samesite="Lax",
    )
    return response


def device_confirm(request):
    """``GET /device/confirm``: sign in, consent, then approve the device."""
    service = request.interaction
    user_code = request.GET.get("user_code", "")
    item = device.find_pending(request, user_code)
    if item is None or item.client_id != request.GET.get("client_id"):
        error = translate(request, _("This code is not valid or has expired. Check it on your device."))
        return render_page(request, "device.pt", values(request, user_code=user_code[:32], error=error), status=400)
    if item.browser_binding is None or digest(request.cookies.get(DEVICE_COOKIE, "")) != item.browser_binding:
        # Not the browser that typed the code (a link passed on): it must
        # type it itself, with a CSRF token, before anything is approved.
        return render_page(request, "device.pt", values(request, user_code=item.user_code))
    client = request.plugins.client(client_id=item.client_id)
    resume = device.resume_params(item)
    return_url = service.return_url_for(resume)
    decision = service.take_decision(request_fingerprint(resume))
    if client is None or (decision is not None and decision.error):
        device.denied(request, item)
        return render_page(request, "device.pt", values(request, state=DENIED, client_name=_name(client)))
    principal = current_principal(request)
    if principal is None or not client.accepts_idp(principal.idp):
        return HTTPSeeOther(request.route_path("login", _query={"returnUrl": return_url}))
    if not request.plugins.is_active(principal.subject, client, Caller.AUTHORIZE):
        return HTTPSeeOther(request.route_path("login", _query={"returnUrl": return_url}))
    grant = SimpleNamespace(client=client, request=SimpleNamespace(scope=item.scope))
    # Always asked (prompt=consent), even when remembered: the person must
    # see which application gets in before a device is connected (RFC 8628,
    # section 5.4). A first-party application is not asked, as everywhere.
    scope = consented_scope(request, grant, principal, ("consent",), decision)
    if scope is None:
        return HTTPSeeOther(request.route_path("consent", _query={"returnUrl": return_url}))
    device.approved(request, item, principal, scope)
    service.session.add_client(client.client_id)
    return render_page(request, "device.pt", values(request, state=APPROVED, client_name=_name(client)))


def _name(client) -> str | None:
    return client.name if client is not None else None
