"""The values each registration template receives, built in one place so
that the views and the theme gallery (``ostiary_gallery_pages``) agree."""

from __future__ import annotations

from ostiary_accounts.pages import login_url, translate
from ostiary_accounts.policy import get_policy
from pyramid.i18n import TranslationStringFactory

_ = TranslationStringFactory("ostiary_registration")
TEMPLATES = "ostiary_registration:templates/"
FIELDS = ("username", "email", "password")


def _title(request, message):
    return translate(request, message)


def register(request, url="", client_name=None, fields=None, errors=None) -> dict:
    """``register.pt``: the form, with what was typed and the errors by field
    (``form`` for an error of the whole form)."""
    errors = {field: translate(request, message) for field, message in (errors or {}).items()}
    summary = errors.get("form")
    if summary is None and errors:
        summary = translate(request, _("Please correct the marked fields."))
    hint = _(
        "At least ${min_length} characters. Not a common password, and not your username or email address.",
        mapping={"min_length": get_policy(request).min_length},
    )
    return {
        "page_title": _title(request, _("Create an account")),
        "return_url": url,
        "client_name": client_name,
        "fields": fields or {"username": "", "email": ""},
        "errors": {field: errors.get(field) for field in FIELDS},
        "summary": summary,
        "password_hint": translate(request, hint),
        "login_url": login_url(request, url),
    }


def sent(request, url="", resent=False) -> dict:
    """``sent.pt``: after registering, or after asking for a new link."""
    query = {"returnUrl": url} if url else {}
    return {
        "page_title": _title(request, _("Check your email")),
        "resent": resent,
        "login_url": login_url(request, url),
        "resend_url": request.route_path("register_resend", _query=query),
    }


def verify(request, token) -> dict:
    """``verify.pt``: the button behind the mailed link."""
    return {"page_title": _title(request, _("Confirm your email address")), "token": token}


def link_invalid(request) -> dict:
    """``link_invalid.pt``: an unknown, used, replaced or expired link."""
    return {
        "page_title": _title(request, _("This link does not work")),
        "resend_url": request.route_path("register_resend"),
    }


def resend(request, url="", email="", errors=None) -> dict:
    """``resend.pt``: ask for a new confirmation link."""
    errors = {field: translate(request, message) for field, message in (errors or {}).items()}
    return {
        "page_title": _title(request, _("Send the confirmation link again")),
        "return_url": url,
        "email": email,
        "errors": {"email": errors.get("email")},
        "summary": errors.get("form"),
    }


def gallery(request) -> list:
    """Every page in the states a designer must see, with sample data."""
    typed = {"username": "bob", "email": "bob@example.org"}
    errors = {
        "username": _("This username is taken. Please choose another one."),
        "password": _("Use at least ${min} characters.", mapping={"min": 10}),
    }
    states = [
        ("register", "register.pt", register(request)),
        ("register-for-client", "register.pt", register(request, client_name="Sample Application")),
        ("register-errors", "register.pt", register(request, fields=typed, errors=errors)),
        (
            "register-rate-limited",
            "register.pt",
            register(
                request,
                fields=typed,
                errors={"form": _("Too many attempts from your network. Please try again later.")},
            ),
        ),
        ("sent", "sent.pt", sent(request)),
        ("resent", "sent.pt", sent(request, resent=True)),
        ("verify", "verify.pt", verify(request, "sample-token")),
        ("link-invalid", "link_invalid.pt", link_invalid(request)),
        ("resend", "resend.pt", resend(request)),
        (
            "resend-error",
            "resend.pt",
            resend(request, email="bob", errors={"email": _("Enter an email address such as name@example.org.")}),
        ),
    ]
    return [(f"registration/{name}", TEMPLATES + template, values) for name, template, values in states]
