"""The authenticator app's section of the account console (``/account/authenticator``).

Seeing it needs a signed-in person; setting an app up or removing it needs
a fresh sign-in (``require_fresh_sign_in``), since either changes how the
account is protected. A new key waits, server-side and for a few minutes,
for its first code; it is never shown again once confirmed. Removing the
last further factor of a person whose policy demands one is refused
(``may_remove_factor``).
"""

from __future__ import annotations

import pyotp
from pyramid.httpexceptions import HTTPSeeOther

from ostiary.plugin import (
    AccountSection,
    current_user,
    declare,
    emit,
    may_remove_factor,
    now,
    plugin_settings,
    render_page,
    require_fresh_sign_in,
    require_signed_in,
    step_page_values,
)

from . import method, models
from .method import _

PENDING_LIFETIME = 600
ENROLLED = declare("totp.enrolled", "A person set up an authenticator app in the account console.")
REMOVED = declare("totp.removed", "A person removed their authenticator app in the account console.")
LAST_FACTOR = _("This is your last further sign-in factor, and your account must keep one. Set up another first.")


def section(request):
    return AccountSection(
        name="totp",
        title=method.TotpMethod.title,
        url=request.route_path("account_totp"),
        order=500,
        description=_("Codes from an app on your phone, asked after your password."),
    )


def _t(request, message):
    return request.localizer.translate(message)


def _page(request, user, error=None, notice=None):
    authenticator = models.get(request, user.subject)
    values = {
        "page_title": _t(request, method.TotpMethod.title),
        "enrolled": authenticator is not None,
        "created_at": authenticator.created_at if authenticator else None,
        "error": _t(request, error) if error else None,
        "notice": _t(request, notice) if notice else None,
        "action": request.route_path("account_totp"),
        "account_url": request.route_path("account"),
    }
    return render_page(
        request,
        "ostiary_totp:templates/console.pt",
        {**step_page_values(request, method_name="totp", method_title=method.TotpMethod.title), **values},
    )


def _enrolment(request, user, secret, error=None):
    page = step_page_values(
        request, method_name="totp", method_title=method.TotpMethod.title, enrolling=True, error=error
    )
    page["action"] = request.route_path("account_totp")
    page["heading"] = page["page_title"] = _t(request, method.TotpMethod.title)
    return render_page(request, method.ENROL_TEMPLATE, method.enrolment_values(request, page, secret, user.username))


def show(request):
    refusal = require_signed_in(request)
    if refusal is not None:
        return refusal
    return _page(request, current_user(request))


def submit(request):
    refusal = require_fresh_sign_in(request)
    if refusal is not None:
        return refusal
    user = current_user(request)
    action = request.POST.get("action")
    if action == "start":
        secret = pyotp.random_base32()
        models.set_pending(request, user.subject, secret, now() + PENDING_LIFETIME)
        return _enrolment(request, user, secret)
    if action == "check":  # the first code of a new key
        secret = models.take_pending(request, user.subject, keep=True)
        if secret is None:
            return HTTPSeeOther(request.route_path("account_totp"))
        drift = plugin_settings(request.registry, "totp").drift_steps
        matched = method.matching_step(secret, method.normalized(request.POST.get("code", "")), drift)
        if matched is None:
            return _enrolment(request, user, secret, error=method.WRONG_CODE)
        models.take_pending(request, user.subject)
        models.put(request, user.subject, models.Authenticator(secret, matched))
        emit(request, ENROLLED, subject=user.subject)
        return _page(request, user, notice=_("Your authenticator app is set up."))
    if action == "remove":
        if not may_remove_factor(request, user, method.TotpMethod.name):
            return _page(request, user, error=LAST_FACTOR)
        if models.remove(request, user.subject):
            emit(request, REMOVED, subject=user.subject)
        return _page(request, user, notice=_("Your authenticator app was removed."))
    models.take_pending(request, user.subject)  # cancel
    return HTTPSeeOther(request.route_path("account_totp"))
