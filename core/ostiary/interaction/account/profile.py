"""The Profile section: the claims the person's user store lets them edit
(``AccountCapabilities.claims``), checked here, written through
``ostiary_update_claims``. The profile service reads the store, so the next
ID token and userinfo answer carry the change."""

from __future__ import annotations

import re
import zoneinfo
from types import SimpleNamespace
from urllib.parse import urlsplit

from pyramid.httpexceptions import HTTPSeeOther

from ...events import emit
from ...i18n import _
from ..pages import render_page
from .events import PROFILE_CHANGED
from .forms import page_values
from .fresh import current_subject, current_user, require_signed_in

MAX_LENGTH = 200
URL_CLAIMS = frozenset({"picture", "website", "profile"})
LABELS = {
    "name": _("Full name"),
    "given_name": _("Given name"),
    "family_name": _("Family name"),
    "middle_name": _("Middle name"),
    "nickname": _("Nickname"),
    "preferred_username": _("Preferred username"),
    "profile": _("Profile page (URL)"),
    "picture": _("Picture (URL)"),
    "website": _("Website (URL)"),
    "gender": _("Gender"),
    "birthdate": _("Birth date (YYYY-MM-DD)"),
    "zoneinfo": _("Time zone (e.g. Europe/Berlin)"),
    "locale": _("Locale (e.g. de-DE)"),
}
_LOCALE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
_BIRTHDATE = re.compile(r"^(\d{4}|0000-\d{2}-\d{2}|\d{4}-\d{2}-\d{2})$")


def problem(name: str, value: str):
    """Why ``value`` is not a valid ``name`` claim (OpenID Connect Core 5.1), or None."""
    if len(value) > MAX_LENGTH:
        return _("At most ${max} characters.", mapping={"max": MAX_LENGTH})
    if name in URL_CLAIMS:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.netloc:
            return _("Enter an https:// address.")
    if name == "zoneinfo" and value not in zoneinfo.available_timezones():
        return _("Enter a time zone such as Europe/Berlin.")
    if name == "locale" and not _LOCALE.match(value):
        return _("Enter a language tag such as de-DE.")
    if name == "birthdate" and not _BIRTHDATE.match(value):
        return _("Enter a date as YYYY-MM-DD.")
    return None


def _fields(user, claims, submitted=None, errors=None):
    submitted = submitted or {}
    errors = errors or {}
    return [
        SimpleNamespace(
            name=name,
            label=LABELS.get(name, name),
            value=submitted.get(name, str((user.claims if user else {}).get(name) or "")),
            error=errors.get(name),
        )
        for name in claims
    ]


def values(request, fields, *, error=None, notice=None) -> dict:
    """What ``account_profile.pt`` receives: ``fields`` (each ``name``,
    ``label``, ``value``, ``error``); none means the store allows no edits."""
    from ...i18n import translate

    shown = [
        SimpleNamespace(**{**vars(f), "label": translate(request, f.label), "error": translate(request, f.error)})
        for f in fields
    ]
    return page_values(request, _("Profile"), error=error, notice=notice, fields=shown)


def profile_page(request):
    """``GET /account/profile``."""
    refusal = require_signed_in(request)
    if refusal is not None:
        return refusal
    claims = request.plugins.account_capabilities(current_subject(request)).claims
    notice = _("Your profile was saved.") if request.params.get("saved") else None
    return render_page(
        request, "account_profile.pt", values(request, _fields(current_user(request), claims), notice=notice)
    )


def profile_submit(request):
    """``POST /account/profile``: check every editable claim, then write them at once."""
    refusal = require_signed_in(request)
    if refusal is not None:
        return refusal
    subject = current_subject(request)
    user = current_user(request)
    claims = request.plugins.account_capabilities(subject).claims
    submitted = {name: request.POST.get(name, "").strip() for name in claims}
    errors = {name: problem(name, value) for name, value in submitted.items() if value}
    errors = {name: message for name, message in errors.items() if message}
    if errors or not claims:
        page = values(request, _fields(user, claims, submitted, errors), error=_("Please correct the marked fields."))
        return render_page(request, "account_profile.pt", page, status=400)
    stored = dict(user.claims) if user else {}
    changes = {name: (value or None) for name, value in submitted.items() if (value or None) != stored.get(name)}
    if changes:
        request.plugins.update_claims(subject, changes)
        emit(request, PROFILE_CHANGED, subject=subject, claims=" ".join(sorted(changes)))
    return HTTPSeeOther(request.route_path("account_profile", _query={"saved": "1"}))
