"""Delete account: after a fresh sign-in and an explicit confirmation the
person's sessions end (back-channel logout to their clients), their refresh
tokens and consents go, every plugin removes its part
(``ostiary_account_deleted``), and last the user store removes the user
(``ostiary_delete_user``). ``ostiary.account.self_deletion = false`` turns
the section off."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther

from ...events import emit
from ...i18n import _
from ..pages import render_page
from .events import ACCOUNT_DELETED
from .forms import page_values
from .fresh import current_subject, current_user, require_fresh_sign_in

NOT_CONFIRMED = _("Tick the box to confirm that you want to delete your account.")


def allowed(request, subject) -> bool:
    """Whether the setting and the person's store allow self-deletion."""
    return (
        request.registry.ostiary_settings.account_self_deletion and request.plugins.account_capabilities(subject).delete
    )


def values(request, *, username="", error=None) -> dict:
    """What ``account_delete.pt`` receives: ``username`` (shown in the warning)."""
    return page_values(request, _("Delete account"), error=error, username=username)


def delete_page(request):
    """``GET /account/delete`` (a fresh sign-in first)."""
    refusal = require_fresh_sign_in(request)
    if refusal is not None:
        return refusal
    if not allowed(request, current_subject(request)):
        return HTTPSeeOther(request.route_path("account"))
    user = current_user(request)
    return render_page(request, "account_delete.pt", values(request, username=user.username if user else ""))


def forget(request, subject) -> None:
    """Remove everything of ``subject``: sessions (with back-channel logout),
    refresh tokens, consents, pending email changes, linked external logins,
    the plugins' parts, the user."""
    root = request.ostiary_root
    service = request.interaction
    service.revoke_user(subject)  # every session, with back-channel logout; every refresh token
    for consent in list(root.grants.consents_of(subject)):
        root.grants.forget_consent(subject, consent.client_id)
    root.email_changes.forget_subject(subject)
    for link in root.federation.links_of(subject):  # the external logins linked to the account
        root.federation.remove_link(link.provider, link.upstream_subject)
    request.plugins.account_deleted(subject)
    request.plugins.delete_user(subject)


def delete_submit(request):
    """``POST /account/delete``: only with ``confirm=yes``."""
    refusal = require_fresh_sign_in(request)
    if refusal is not None:
        return refusal
    subject = current_subject(request)
    if not allowed(request, subject):
        return HTTPSeeOther(request.route_path("account"))
    if request.POST.get("confirm") != "yes":
        user = current_user(request)
        page = values(request, username=user.username if user else "", error=NOT_CONFIRMED)
        return render_page(request, "account_delete.pt", page, status=400)
    forget(request, subject)
    request.interaction.sign_out()  # the cookie goes too
    emit(request, ACCOUNT_DELETED, subject=subject)
    return HTTPSeeOther(request.route_path("home", _query={"deleted": "1"}))
