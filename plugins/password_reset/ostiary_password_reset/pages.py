"""The values each password-reset template receives, built in one place so
that the views and the theme gallery (``ostiary_gallery_pages``) agree."""

from __future__ import annotations

from ostiary_accounts.pages import login_url, translate
from ostiary_accounts.policy import get_policy
from pyramid.i18n import TranslationStringFactory

_ = TranslationStringFactory("ostiary_password_reset")
TEMPLATES = "ostiary_password_reset:templates/"


def forgot(request, url="", email="", errors=None) -> dict:
    """``forgot.pt``: ask for a reset link."""
    errors = {field: translate(request, message) for field, message in (errors or {}).items()}
    return {
        "page_title": translate(request, _("Reset your password")),
        "return_url": url,
        "email": email,
        "errors": {"email": errors.get("email")},
        "summary": errors.get("form"),
        "login_url": login_url(request, url),
    }


def sent(request, url="") -> dict:
    """``forgot_sent.pt``: the one answer for every address."""
    return {"page_title": translate(request, _("Check your email")), "login_url": login_url(request, url)}


def reset(request, token, username, error=None) -> dict:
    """``reset.pt``: the new password, for the account behind the link."""
    hint = _(
        "At least ${min_length} characters. Not a common password, and not your username or email address.",
        mapping={"min_length": get_policy(request).min_length},
    )
    return {
        "page_title": translate(request, _("Choose a new password")),
        "token": token,
        "username": username,
        "error": translate(request, error),
        "password_hint": translate(request, hint),
    }


def done(request, url="") -> dict:
    """``reset_done.pt``: changed, signed out everywhere, sign in again."""
    return {"page_title": translate(request, _("Password changed")), "login_url": login_url(request, url)}


def link_invalid(request) -> dict:
    """``link_invalid.pt``: an unknown, used, replaced or expired link."""
    return {
        "page_title": translate(request, _("This link does not work")),
        "forgot_url": request.route_path("password_forgot"),
    }


def gallery(request) -> list:
    """Every page in the states a designer must see, with sample data."""
    too_short = _("Use at least ${min} characters.", mapping={"min": 10})
    states = [
        ("forgot", "forgot.pt", forgot(request)),
        (
            "forgot-error",
            "forgot.pt",
            forgot(request, email="alice", errors={"email": _("Enter an email address such as name@example.org.")}),
        ),
        (
            "forgot-rate-limited",
            "forgot.pt",
            forgot(
                request,
                email="alice@example.org",
                errors={"form": _("Too many requests from your network. Please try again later.")},
            ),
        ),
        ("sent", "forgot_sent.pt", sent(request)),
        ("reset", "reset.pt", reset(request, "sample-token", "alice")),
        ("reset-error", "reset.pt", reset(request, "sample-token", "alice", too_short)),
        ("done", "reset_done.pt", done(request)),
        ("link-invalid", "link_invalid.pt", link_invalid(request)),
    ]
    return [(f"password_reset/{name}", TEMPLATES + template, values) for name, template, values in states]
