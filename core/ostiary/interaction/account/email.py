"""The Email section: a new address is confirmed by a single-use link
mailed to it, and only then does the store change (``ostiary_set_email``,
``email_verified`` true); the old address gets a notice, so a hijacked
session cannot move the account away unseen.

Mail goes through pyramid_mailer's mailer, whichever the application
registered (the accounts library's ``accounts.mailer``, or
``pyramid.includes = pyramid_mailer``); with none the section is hidden.
"""

from __future__ import annotations

import re

from pyramid.httpexceptions import HTTPSeeOther

from ...events import emit
from ...i18n import _, translate
from ..pages import render_page
from .events import EMAIL_CHANGE_REQUESTED, EMAIL_CHANGED
from .forms import page_values
from .fresh import current_subject, current_user, require_fresh_sign_in

_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def mailer(request):
    """The application's pyramid_mailer mailer, or None."""
    from pyramid_mailer.interfaces import IMailer

    return request.registry.queryUtility(IMailer)


def _send(request, recipient, subject, body):
    from pyramid_mailer.message import Message

    sender = request.registry.settings.get("mail.default_sender") or "no-reply@localhost"
    # pyramid_mailer sends after the transaction commits (its testing mailer: at once)
    mailer(request).send(
        Message(
            subject=translate(request, subject), sender=sender, recipients=[recipient], body=translate(request, body)
        )
    )


def values(request, *, email=None, verified=False, pending=None, error=None, notice=None, new_email="") -> dict:
    """What ``account_email.pt`` receives: the current ``email`` and whether
    it is ``verified``, ``pending`` (an address a link was sent to, or None),
    ``new_email`` (the field's value)."""
    return page_values(
        request,
        _("Email"),
        error=error,
        notice=notice,
        email=email,
        verified=verified,
        pending=pending,
        new_email=new_email,
    )


def _page(request, status=200, **extra):
    user = current_user(request)
    return render_page(
        request,
        "account_email.pt",
        values(request, email=user.email, verified=bool(user.claims.get("email_verified")), **extra),
        status=status,
    )


def email_page(request):
    """``GET /account/email`` (a fresh sign-in first)."""
    refusal = require_fresh_sign_in(request)
    if refusal is not None:
        return refusal
    if not request.plugins.account_capabilities(current_subject(request)).email or mailer(request) is None:
        return HTTPSeeOther(request.route_path("account"))
    notice = {
        "sent": _("We sent a link to the new address. Your email changes when you open it."),
        "changed": _("Your email address was changed."),
    }.get(request.params.get("done", ""))
    return _page(request, notice=notice)


def email_submit(request):
    """``POST /account/email``: mail the link; nothing changes yet."""
    refusal = require_fresh_sign_in(request)
    if refusal is not None:
        return refusal
    subject = current_subject(request)
    if not request.plugins.account_capabilities(subject).email or mailer(request) is None:
        return HTTPSeeOther(request.route_path("account"))
    user = current_user(request)
    new = request.POST.get("email", "").strip()
    if not _ADDRESS.match(new) or len(new) > 254:
        return _page(request, status=400, error=_("Enter a valid email address."), new_email=new)
    if user.email and new.casefold() == user.email.casefold():
        return _page(request, status=400, error=_("That is already your email address."), new_email=new)
    other = request.plugins.user_by_username(username=new)
    if other is not None and other.subject != subject:
        return _page(request, status=400, error=_("That email address belongs to another account."), new_email=new)
    lifetime = request.registry.ostiary_settings.account_email_link_lifetime
    token = request.ostiary_root.email_changes.start(subject, new, user.email, lifetime)
    link = request.route_url("account_email_confirm", _query={"token": token})
    _send(
        request,
        new,
        _("Confirm your new email address"),
        _(
            "Open this link to make ${email} the email address of your account ${username}:\n\n${link}\n\n"
            "If you did not ask for this, ignore this message: nothing changes.",
            mapping={"email": new, "username": user.username, "link": link},
        ),
    )
    emit(request, EMAIL_CHANGE_REQUESTED, subject=subject)
    return HTTPSeeOther(request.route_path("account_email", _query={"done": "sent"}))


def email_confirm(request):
    """``GET /account/email/confirm?token=...``: the link from the mail,
    good once. It needs no session: the token is the proof."""
    change = request.ostiary_root.email_changes.take(request.params.get("token"))
    if change is None:
        page = page_values(request, _("Email"), error=_("This link is not valid any more. Ask for a new one."))
        return render_page(request, "account_email_confirmed.pt", page, status=400)
    try:
        request.plugins.set_email(change.subject, change.email, True)
    except ValueError as exc:  # the address was taken meanwhile
        page = page_values(request, _("Email"), error=str(exc))
        return render_page(request, "account_email_confirmed.pt", page, status=409)
    if change.old_email:
        user = request.plugins.user_by_subject(subject=change.subject)
        _send(
            request,
            change.old_email,
            _("Your email address was changed"),
            _(
                "The email address of your account ${username} is now ${email}.\n\n"
                "If you did not do this, contact us at once.",
                mapping={"email": change.email, "username": user.username if user else ""},
            ),
        )
    emit(request, EMAIL_CHANGED, subject=change.subject)
    page = page_values(request, _("Email"), notice=_("Your email address was changed."))
    return render_page(request, "account_email_confirmed.pt", page)
