"""The password-reset plugin's hook implementations (entry point ``password_reset``)."""

from __future__ import annotations

from ostiary_accounts.models import prune_container
from ostiary_accounts.pages import translate
from pyramid.i18n import TranslationStringFactory

from ostiary.plugin import AccountSection, Setting, current_user, hookimpl, plugin_settings, positive_int

from . import models, pages, views

_ = TranslationStringFactory("ostiary_password_reset")

SETTINGS = (
    Setting("password_reset.token_lifetime", "3600", positive_int, "Seconds a reset link works."),
    Setting("password_reset.rate_limit", "10", positive_int, "Reset requests per client address per window."),
    Setting(
        "password_reset.rate_window",
        "3600",
        positive_int,
        "The window of password_reset.rate_limit and password_reset.mails_per_address, in seconds.",
    ),
    Setting("password_reset.mails_per_address", "3", positive_int, "Reset mails to one address per window."),
)

PAGES = (
    ("password_forgot", "/account/password/forgot", views.forgot_form, views.forgot_submit),
    ("password_reset", "/account/password/reset", views.reset_form, views.reset_submit),
)


@hookimpl
def ostiary_settings():
    return SETTINGS


@hookimpl
def ostiary_configure(config):
    config.include("ostiary_accounts")
    registry = config.registry
    registry.ostiary_password_reset_settings = plugin_settings(registry, "password_reset")
    for name, path, show, submit in PAGES:
        config.add_route(name, path)
        config.add_view(show, route_name=name, request_method=("GET", "HEAD"))
        config.add_view(submit, route_name=name, request_method="POST")


@hookimpl
def ostiary_account_sections(request):
    """Beside the console's Password section, which asks for the current
    password: the way for a person who no longer knows it (signed in with a
    passkey or an external provider, say) to set a new one by a mailed link.
    Shown only to someone with an email address to send it to."""
    user = current_user(request)
    return [
        AccountSection(
            name="password-reset",
            title=_("Forgotten password"),
            url=request.route_path("password_forgot"),
            order=310,
            description=_("Get a link by email to set a new password without the current one."),
            available=bool(user and user.email),
        )
    ]


@hookimpl
def ostiary_login_links(request, context):
    url = request.params.get("returnUrl") if context is not None else None
    href = request.route_path("password_forgot", _query={"returnUrl": url} if url else {})
    return [{"href": href, "label": translate(request, _("Forgot your password?"))}]


@hookimpl
def ostiary_evolve_steps():
    return models.KEY, models.EVOLVE_STEPS


@hookimpl
def ostiary_housekeeping(mapping, now):
    """Expired links and rate-limit counters go with Ostiary's own pruning."""
    return prune_container(mapping, models.KEY, now)


@hookimpl
def ostiary_gallery_pages(request):
    return pages.gallery(request)
