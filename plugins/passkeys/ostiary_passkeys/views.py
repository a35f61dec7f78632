"""The passkeys pages.

``/account/passkeys/sign-in``
    a passkey as the first factor: the browser offers the discoverable
    credentials it holds for us (a button, or its autofill), no username.
``/account/passkeys``
    the signed-in person's credentials: add, rename, remove.

Every page that starts a ceremony stores a fresh challenge for this browser
(see ``ceremony``); the script (``static/passkeys.js``) runs the browser's
WebAuthn call and posts its answer in the form, with the CSRF token, so the
answer arrives as an ordinary form post and ends in an ordinary redirect.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther

from ostiary.plugin import (
    LOGIN_FAILED,
    Caller,
    current_user,
    emit,
    may_remove_factor,
    require_fresh_sign_in,
    sign_in_first,
)

from . import ceremony, events, methods, models, pages
from .pages import _

LOCAL_IDP = "local"


# -- sign-in -----------------------------------------------------------------------


def _sign_in_page(request, context, error=None, status=200):
    values = pages.sign_in(
        request,
        options=ceremony.sign_in_options(request),
        return_url=request.params.get("returnUrl", ""),
        client_name=context.client.name if context else None,
        error=error,
    )
    return pages.render(request, "sign_in.pt", values, status)


def _context(request):
    context, failure = request.interaction.context_or_error(request.params.get("returnUrl"))
    if failure is None and context is not None and not context.client.accepts_idp(LOCAL_IDP):
        failure = request.interaction.error_redirect("invalid_request", "This application does not accept passkeys.")
    return context, failure


def sign_in_form(request):
    """``GET /account/passkeys/sign-in``."""
    context, failure = _context(request)
    return failure if failure is not None else _sign_in_page(request, context)


def sign_in_submit(request):
    """``POST /account/passkeys/sign-in``: the browser's assertion, or cancel."""
    context, failure = _context(request)
    if failure is not None:
        return failure
    service = request.interaction
    if request.POST.get("action") == "cancel":
        return HTTPSeeOther(service.deny(context) if context else request.route_path("home"))
    client = context.client if context else None
    raw = request.POST.get("credential")
    try:
        assertion = ceremony.authenticate(request, raw)
    except ceremony.Refused as error:
        events.refused(request, error, client_id=client.client_id if client else None)
        emit(request, LOGIN_FAILED, client_id=client.client_id if client else None, method="passkey")
        return _sign_in_page(request, context, pages.REFUSED if raw else pages.NO_ANSWER, status=400)
    subject = assertion.credential.subject
    user = request.plugins.user_by_subject(subject=subject)
    if user is None or not request.plugins.is_active(subject, client, Caller.LOGIN):
        emit(request, LOGIN_FAILED, subject=subject, client_id=client.client_id if client else None, method="passkey")
        return _sign_in_page(request, context, pages.REFUSED, status=400)
    # Core's policy decides what follows (a further step, or the session now).
    # A passkey that verified the person (PIN, biometrics) proved two factors.
    target = service.first_factor_passed(
        user,
        amr=assertion.amr,
        method=methods.Passkey.name,
        context=context,
        return_url=request.params.get("returnUrl", "") if context else "",
        multi_factor=assertion.user_verified,
    )
    return HTTPSeeOther(target)


# -- management ----------------------------------------------------------------------


def _manage_page(request, user, error=None, notice=None, name="", status=200):
    values = pages.manage(
        request,
        options=ceremony.registration_options(request, user),
        credentials=models.get(request).of_subject(user.subject),
        error=error,
        notice=notice,
        name=name,
    )
    return pages.render(request, "manage.pt", values, status)


def _require_user(view):
    """A section of the account console: adding, renaming and removing
    credentials are sensitive, so every view of it, the page included (it
    starts a registration), wants a recent sign-in (core's guard sends an
    old one through the login page and back here)."""

    def guarded(request):
        refusal = require_fresh_sign_in(request, request.route_path("passkeys"))
        if refusal is not None:
            return refusal
        user = current_user(request)
        if user is None:
            return sign_in_first(request, request.route_path("passkeys"))
        return view(request, user)

    guarded.__doc__ = view.__doc__
    return guarded


LAST_FACTOR = _(
    "This is your last way to confirm a sign-in, and your account needs one. Add another first, then remove this one."
)


def _last_required_factor(request, user) -> bool:
    """Whether removing one of the person's credentials would leave them
    without a further factor the server requires (core's one rule,
    ``may_remove_factor``; several credentials are one factor)."""
    if len(models.get(request).of_subject(user.subject)) > 1:
        return False
    return not may_remove_factor(request, user, methods.Passkey.name)


NOTICES = {"added": _("Passkey added."), "renamed": _("Passkey renamed."), "removed": _("Passkey removed.")}


def _name(request, default: str) -> str:
    name = " ".join(request.POST.get("name", "").split())[: models.MAX_NAME_LENGTH]
    return name or default


@_require_user
def manage(request, user):
    """``GET /account/passkeys`` (``?done=`` after a change says which)."""
    return _manage_page(request, user, notice=NOTICES.get(request.GET.get("done")))


@_require_user
def add(request, user):
    """``POST /account/passkeys/add``: the browser's answer to the registration options."""
    data = models.get(request)
    name = _name(request, translate_default(request, len(data.of_subject(user.subject)) + 1))
    try:
        credential = ceremony.register(request, user.subject, request.POST.get("credential"), name)
    except ceremony.Refused as error:
        events.refused(request, error, subject=user.subject)
        return _manage_page(request, user, error=pages.REFUSED, name=name, status=400)
    events.registered(request, credential)
    return HTTPSeeOther(request.route_path("passkeys", _query={"done": "added"}))


def translate_default(request, number: int) -> str:
    return request.localizer.translate(_("Passkey ${number}", mapping={"number": number}))


def _own_credential(request, user):
    credential = models.get(request).get(request.POST.get("credential_id"))
    return credential if credential is not None and credential.subject == user.subject else None


@_require_user
def rename(request, user):
    """``POST /account/passkeys/rename``."""
    credential = _own_credential(request, user)
    if credential is None:
        return _manage_page(request, user, error=_("There is no such passkey."), status=400)
    credential.name = _name(request, credential.name)
    emit(request, events.RENAMED, subject=user.subject, credential=credential.credential_id[:16])
    return HTTPSeeOther(request.route_path("passkeys", _query={"done": "renamed"}))


@_require_user
def remove(request, user):
    """``POST /account/passkeys/remove``."""
    credential = _own_credential(request, user)
    if credential is None:
        return _manage_page(request, user, error=_("There is no such passkey."), status=400)
    if _last_required_factor(request, user):
        return _manage_page(request, user, error=LAST_FACTOR, status=409)
    models.get(request).remove(credential)
    emit(request, events.REMOVED, subject=user.subject, credential=credential.credential_id[:16])
    return HTTPSeeOther(request.route_path("passkeys", _query={"done": "removed"}))
