"""The registration pages.

``/account/register``
    the form; creates the account (not yet confirmed) and mails a link.
``/account/register/verify?token=...``
    the mailed link. GET only shows a button: mail scanners that open every
    link must not spend the token. The POST confirms the address, signs the
    person in and returns to the authorization request.
``/account/register/resend``
    a new link for an account that is not confirmed yet; it answers the same
    whether or not there is one.
"""

from __future__ import annotations

import re

from ostiary_accounts import mail
from ostiary_accounts.pages import (
    client_key,
    duration,
    fold,
    login_url,
    public_url,
    render_page,
    resume_url,
    return_url,
    valid_email,
)
from ostiary_accounts.policy import get_policy
from pyramid.httpexceptions import HTTPSeeOther

from ostiary.plugin import Caller, digest, emit, get_passwords

from . import events, models, pages
from .pages import TEMPLATES, _

USERNAME = re.compile(r"\w[\w.\-]{2,63}")
TOO_MANY = _("Too many attempts from your network. Please try again later.")
BAD_EMAIL = _("Enter an email address such as name@example.org.")


def _settings(request):
    return request.registry.ostiary_registration_settings


def _form(request, url, context, fields=None, errors=None, status=200):
    values = pages.register(request, url, context.client.name if context else None, fields, errors)
    return render_page(request, TEMPLATES + "register.pt", values, status)


def _problems(request, username, email, password) -> dict:
    """Field errors of a registration. A taken username is one (usernames
    are shown to others and are no secret); a known email address is not:
    that answer would tell anyone who has an account here."""
    errors = {}
    if not USERNAME.fullmatch(username):
        errors["username"] = _(
            "Use 3 to 64 letters, digits, dots, hyphens or underscores, starting with a letter or a digit."
        )
    elif request.plugins.user_by_username(username) is not None:
        errors["username"] = _("This username is taken. Please choose another one.")
    if not valid_email(email):
        errors["email"] = BAD_EMAIL
    problem = get_policy(request).problem(password, username=username, email=email)
    if problem is not None:
        errors["password"] = problem
    return errors


def _send_link(request, data, user, email, url):
    lifetime = _settings(request).token_lifetime
    token = data.tokens.issue(user.subject, lifetime, return_url=url)
    mail.send(
        request,
        email,
        _("Confirm your email address"),
        TEMPLATES + "verify_email.txt",
        {
            "username": user.username,
            "link": public_url(request, "register_verify", token=token),
            "valid_for": duration(request, lifetime),
            "issuer": request.registry.ostiary_settings.issuer,
        },
    )


def _account_with(request, email):
    """The account that already uses ``email``, or None."""
    user = request.plugins.user_by_username(username=email)
    return user if user is not None and fold(getattr(user, "email", None)) == fold(email) else None


def _tell_owner(request, data, user, email, password):
    """Someone registered with the address of an existing account: answer as
    for a new one, after the same hashing work, and mail the owner instead
    (at most ``mails_per_address`` times per window)."""
    get_passwords(request).hash(password)  # what creating the account would have cost
    if data.limits.hit(_address_key(email), _settings(request).mails_per_address, _settings(request).rate_window):
        mail.send(
            request,
            user.email,
            _("Someone tried to register with your email address"),
            TEMPLATES + "exists_email.txt",
            {"username": user.username, "issuer": request.registry.ostiary_settings.issuer},
        )
    emit(request, events.EXISTING_ADDRESS, subject=user.subject)


def _address_key(email: str) -> str:
    return "address:" + digest(fold(email))


def register_form(request):
    """``GET /account/register``."""
    url, context, failure = return_url(request)
    return failure if failure is not None else _form(request, url, context)


def register_submit(request):
    """``POST /account/register``: create the account and mail the link."""
    url, context, failure = return_url(request)
    if failure is not None:
        return failure
    settings = _settings(request)
    data = models.get(request, create=True)
    fields = {"username": request.POST.get("username", "").strip(), "email": request.POST.get("email", "").strip()}
    if not data.limits.hit(client_key(request), settings.rate_limit, settings.rate_window):
        return _form(request, url, context, fields, {"form": TOO_MANY}, status=429)
    password = request.POST.get("password", "")
    errors = _problems(request, fields["username"], fields["email"], password)
    if errors:
        return _form(request, url, context, fields, errors, status=400)
    owner = _account_with(request, fields["email"])
    if owner is not None:
        _tell_owner(request, data, owner, fields["email"], password)
        return render_page(request, TEMPLATES + "sent.pt", pages.sent(request, url))
    try:
        user = request.plugins.create_user(
            username=fields["username"], email=fields["email"], password=password, claims={"email_verified": False}
        )
    except ValueError as exc:  # the store refused, with a message safe to show
        return _form(request, url, context, fields, {"form": str(exc)}, status=400)
    if user is None:
        return _form(request, url, context, fields, {"form": _("Accounts cannot be created here.")}, status=400)
    data.unverified[user.subject] = fields["email"]
    _send_link(request, data, user, fields["email"], url)
    emit(request, events.REGISTERED, subject=user.subject, client_id=context.client_id if context else None)
    return render_page(request, TEMPLATES + "sent.pt", pages.sent(request, url))


def _link_invalid(request):
    return render_page(request, TEMPLATES + "link_invalid.pt", pages.link_invalid(request), status=400)


def verify_form(request):
    """``GET /account/register/verify?token=...``: a confirmation button."""
    data = models.get(request)
    token = request.params.get("token", "")
    if data is None or data.tokens.peek(token) is None:
        return _link_invalid(request)
    return render_page(request, TEMPLATES + "verify.pt", pages.verify(request, token))


def verify_submit(request):
    """``POST /account/register/verify``: confirm, sign in, resume the authorization."""
    data = models.get(request)
    record = data.tokens.take(request.POST.get("token", "")) if data is not None else None
    user = record and request.plugins.user_by_subject(subject=record.subject)
    if not user:
        return _link_invalid(request)
    request.plugins.update_claims(subject=user.subject, claims={"email_verified": True})
    data.unverified.pop(user.subject, None)
    emit(request, events.EMAIL_VERIFIED, subject=user.subject)
    url = resume_url(request, record.data.get("return_url"))
    context = request.interaction.authorization_context(url) if url else None
    if not request.plugins.is_active(user.subject, context.client if context else None, Caller.LOGIN):
        return HTTPSeeOther(login_url(request, url))
    # amr "email": the person proved control of the address by the mailed link.
    request.interaction.sign_in(user, amr=("email",), context=context)
    return HTTPSeeOther(url or request.route_path("home"))


def _resend_form(request, url, email="", errors=None, status=200):
    return render_page(request, TEMPLATES + "resend.pt", pages.resend(request, url, email, errors), status)


def resend_form(request):
    """``GET /account/register/resend``."""
    url, _context, failure = return_url(request)
    return failure if failure is not None else _resend_form(request, url)


def resend_submit(request):
    """``POST /account/register/resend``: a new link, if the account awaits one."""
    url, _context, failure = return_url(request)
    if failure is not None:
        return failure
    settings = _settings(request)
    data = models.get(request, create=True)
    email = request.POST.get("email", "").strip()
    if not data.limits.hit(client_key(request), settings.rate_limit, settings.rate_window):
        return _resend_form(request, url, email, {"form": TOO_MANY}, status=429)
    if not valid_email(email):
        return _resend_form(request, url, email, {"email": BAD_EMAIL}, status=400)
    user = request.plugins.user_by_username(username=email)
    if user is not None and user.subject in data.unverified and fold(user.email) == fold(email):
        _send_link(request, data, user, user.email, url)
    return render_page(request, TEMPLATES + "sent.pt", pages.sent(request, url, resent=True))
