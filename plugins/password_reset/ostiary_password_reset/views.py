"""The password-reset pages.

``/account/password/forgot``
    asks for an email address and answers the same whether or not an
    account uses it; if one does, mails a link.
``/account/password/reset?token=...``
    the mailed link: a form for the new password. The token is spent only
    when a password is accepted, so a refused password can be corrected.
"""

from __future__ import annotations

from ostiary_accounts import mail
from ostiary_accounts.pages import (
    client_key,
    duration,
    fold,
    public_url,
    render_page,
    resume_url,
    return_url,
    valid_email,
)
from ostiary_accounts.policy import get_policy

from ostiary.plugin import digest, emit, random_token

from . import events, models, pages
from .pages import TEMPLATES, _


def _settings(request):
    return request.registry.ostiary_password_reset_settings


def _forgot_form(request, url, email="", errors=None, status=200):
    return render_page(request, TEMPLATES + "forgot.pt", pages.forgot(request, url, email, errors), status)


def forgot_form(request):
    """``GET /account/password/forgot``."""
    url, _context, failure = return_url(request)
    return failure if failure is not None else _forgot_form(request, url)


def _account_for(request, email):
    """The account whose email address is ``email``, or None."""
    user = request.plugins.user_by_username(username=email)
    if user is None or fold(getattr(user, "email", None)) != fold(email):
        return None  # unknown, or a username that happens to look like an address
    return user


def _reset_mail(request, username, link):
    settings = _settings(request)
    return (
        _("Reset your password"),
        TEMPLATES + "reset_email.txt",
        {
            "username": username,
            "link": link,
            "valid_for": duration(request, settings.token_lifetime),
            "issuer": request.registry.ostiary_settings.issuer,
        },
    )


def _mail_link(request, data, user, url):
    token = data.tokens.issue(user.subject, _settings(request).token_lifetime, return_url=url, email=user.email)
    mail.send(
        request, user.email, *_reset_mail(request, user.username, public_url(request, "password_reset", token=token))
    )
    emit(request, events.RESET_REQUESTED, subject=user.subject)


def _compose_nothing(request, email):
    """For an address without an account: the work of the mail, and no mail,
    so that the answer takes as long as for a known address."""
    mail.compose(
        request, email, *_reset_mail(request, email, public_url(request, "password_reset", token=random_token(32)))
    )


def forgot_submit(request):
    """``POST /account/password/forgot``: the same answer, after the same
    work, for every address; the mail leaves after the request."""
    url, _context, failure = return_url(request)
    if failure is not None:
        return failure
    settings = _settings(request)
    data = models.get(request, create=True)
    email = request.POST.get("email", "").strip()
    if not data.limits.hit(client_key(request), settings.rate_limit, settings.rate_window):
        too_many = _("Too many requests from your network. Please try again later.")
        return _forgot_form(request, url, email, {"form": too_many}, status=429)
    if not valid_email(email):
        return _forgot_form(
            request, url, email, {"email": _("Enter an email address such as name@example.org.")}, status=400
        )
    user = _account_for(request, email)
    # Counted for every address, known or not: the same work either way.
    within = data.limits.hit("address:" + digest(fold(email)), settings.mails_per_address, settings.rate_window)
    if user is not None and within:
        _mail_link(request, data, user, url)
    elif within:
        _compose_nothing(request, email)
    return render_page(request, TEMPLATES + "forgot_sent.pt", pages.sent(request, url))


def _link_invalid(request):
    return render_page(request, TEMPLATES + "link_invalid.pt", pages.link_invalid(request), status=400)


def _lookup(request, token):
    """``(data, record, user)`` for a live token, ``(data, None, None)`` otherwise."""
    data = models.get(request)
    record = data.tokens.peek(token) if data is not None else None
    user = record and request.plugins.user_by_subject(subject=record.subject)
    return data, (record if user else None), (user or None)


def reset_form(request):
    """``GET /account/password/reset?token=...``."""
    token = request.params.get("token", "")
    _data, record, user = _lookup(request, token)
    if record is None:
        return _link_invalid(request)
    return render_page(request, TEMPLATES + "reset.pt", pages.reset(request, token, user.username))


def reset_submit(request):
    """``POST /account/password/reset``: set the password, revoke everything, notify."""
    token = request.POST.get("token", "")
    data, record, user = _lookup(request, token)
    if record is None:
        return _link_invalid(request)
    password = request.POST.get("password", "")
    problem = get_policy(request).problem(password, username=user.username, email=user.email)
    if problem is not None:
        return render_page(
            request, TEMPLATES + "reset.pt", pages.reset(request, token, user.username, problem), status=400
        )
    data.tokens.take(token)
    if not request.plugins.set_password(subject=user.subject, password=password):
        return _link_invalid(request)
    if record.data.get("email") and fold(record.data["email"]) == fold(user.email):
        # The link reached this address: it is proven, as a confirmation link would.
        request.plugins.update_claims(subject=user.subject, claims={"email_verified": True})
    revoked = request.interaction.revoke_user(user.subject)
    emit(request, events.RESET, subject=user.subject, revoked=revoked)
    mail.send(
        request,
        user.email,
        _("Your password was changed"),
        TEMPLATES + "changed_email.txt",
        {"username": user.username, "issuer": request.registry.ostiary_settings.issuer},
    )
    return render_page(
        request, TEMPLATES + "reset_done.pt", pages.done(request, resume_url(request, record.data.get("return_url")))
    )
