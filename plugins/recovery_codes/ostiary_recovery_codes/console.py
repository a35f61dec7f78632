"""The recovery codes' section of the account console (``/account/recovery-codes``):
how many are left, and a new set on request (behind a fresh sign-in; the
new codes are shown this once, the old ones stop working)."""

from __future__ import annotations

from ostiary.plugin import (
    AccountSection,
    current_user,
    render_page,
    require_fresh_sign_in,
    require_signed_in,
    step_page_values,
)

from . import method, models
from .method import _


def section(request):
    return AccountSection(
        name="recovery_codes",
        title=_("Recovery codes"),
        url=request.route_path("account_recovery_codes"),
        order=510,
        description=_("Single-use codes for when your phone or key is lost."),
    )


def _base(request) -> dict:
    page = step_page_values(request, method_name="recovery_code", method_title=method.RecoveryCodeMethod.title)
    title = request.localizer.translate(_("Recovery codes"))
    return {**page, "page_title": title, "heading": title, "action": request.route_path("account_recovery_codes")}


def status_values(request, remaining: int | None) -> dict:
    return {**_base(request), "remaining": remaining, "account_url": request.route_path("account")}


def show(request):
    refusal = require_signed_in(request)
    if refusal is not None:
        return refusal
    code_set = models.get(request, current_user(request).subject)
    remaining = code_set.remaining if code_set is not None else None
    return render_page(request, "ostiary_recovery_codes:templates/console.pt", status_values(request, remaining))


def regenerate(request):
    refusal = require_fresh_sign_in(request)
    if refusal is not None:
        return refusal
    codes = method.generate(request, current_user(request).subject)
    values = method.codes_values(request, {**_base(request), "enrolling": False}, codes)
    values["action"] = request.route_path("account")  # "I have saved them" goes back to the console
    return render_page(request, method.SHOW_TEMPLATE, values)
