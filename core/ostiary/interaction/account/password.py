"""The Password section: change it with the current one, or set a first
one (a person who signed up through an external provider has none). The
one password policy applies (``request.plugins.password_problem``);
optionally every other session of the person ends, with back-channel
logout to its clients and its refresh tokens revoked."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther

from ...events import emit
from ...i18n import _
from ..pages import render_page
from .events import PASSWORD_CHANGE_FAILED, PASSWORD_CHANGED
from .forms import page_values
from .fresh import current_subject, current_user, require_fresh_sign_in

WRONG_PASSWORD = _("Your current password is not right.")
MISMATCH = _("The two new passwords differ.")


def values(request, *, has_password=True, error=None, notice=None) -> dict:
    """What ``account_password.pt`` receives: ``has_password`` (False: no
    current-password field, the person sets a first one)."""
    return page_values(request, _("Password"), error=error, notice=notice, has_password=has_password)


def _capabilities(request):
    return request.plugins.account_capabilities(current_subject(request))


def password_page(request):
    """``GET /account/password`` (a fresh sign-in first)."""
    refusal = require_fresh_sign_in(request)
    if refusal is not None:
        return refusal
    capabilities = _capabilities(request)
    if not capabilities.password:
        return HTTPSeeOther(request.route_path("account"))
    notice = _("Your password was changed.") if request.params.get("changed") else None
    return render_page(
        request, "account_password.pt", values(request, has_password=capabilities.has_password, notice=notice)
    )


def password_submit(request):
    """``POST /account/password``."""
    refusal = require_fresh_sign_in(request)
    if refusal is not None:
        return refusal
    capabilities = _capabilities(request)
    if not capabilities.password:
        return HTTPSeeOther(request.route_path("account"))
    user = current_user(request)
    subject = current_subject(request)

    def refuse(message):
        page = values(request, has_password=capabilities.has_password, error=message)
        return render_page(request, "account_password.pt", page, status=400)

    new = request.POST.get("new_password", "")
    if new != request.POST.get("new_password_again", ""):
        return refuse(MISMATCH)
    if capabilities.has_password:
        # asked through the store like a sign-in, so a lockout counts here too
        checked = request.plugins.verify_credentials(
            username=user.username, password=request.POST.get("current_password", "")
        )
        if not checked or checked.subject != subject:
            emit(request, PASSWORD_CHANGE_FAILED, subject=subject, reason="wrong current password")
            return refuse(WRONG_PASSWORD)
    problem = request.plugins.password_problem(new, username=user.username, email=user.email)
    if problem is not None:
        return refuse(problem)
    try:
        request.plugins.set_password(subject, new)
    except ValueError as exc:  # the store's own rules
        return refuse(str(exc))
    ended = 0
    if request.POST.get("sign_out_others") == "yes":
        service = request.interaction
        ended = service.end_sessions(
            [s for s in request.ostiary_root.sessions.of_subject(subject) if s.sid != service.session.sid]
        )
    emit(request, PASSWORD_CHANGED, subject=subject, first=not capabilities.has_password, other_sessions_ended=ended)
    return HTTPSeeOther(request.route_path("account_password", _query={"changed": "1"}))
