"""The registration plugin's hook implementations (entry point ``registration``)."""

from __future__ import annotations

from ostiary_accounts.models import prune_container
from ostiary_accounts.pages import translate
from pyramid.i18n import TranslationStringFactory

from ostiary.plugin import Setting, hookimpl, plugin_settings, positive_int

from . import models, pages, views

_ = TranslationStringFactory("ostiary_registration")

SETTINGS = (
    Setting("registration.token_lifetime", "86400", positive_int, "Seconds a confirmation link works."),
    Setting(
        "registration.rate_limit",
        "10",
        positive_int,
        "Registrations and resend requests per client address per window.",
    ),
    Setting(
        "registration.rate_window",
        "3600",
        positive_int,
        "The window of registration.rate_limit and registration.mails_per_address, in seconds.",
    ),
    Setting(
        "registration.mails_per_address",
        "3",
        positive_int,
        "Mails per window to the owner of an address someone tried to register with.",
    ),
)

PAGES = (
    ("register", "/account/register", views.register_form, views.register_submit),
    ("register_verify", "/account/register/verify", views.verify_form, views.verify_submit),
    ("register_resend", "/account/register/resend", views.resend_form, views.resend_submit),
)


@hookimpl
def ostiary_settings():
    return SETTINGS


@hookimpl
def ostiary_configure(config):
    config.include("ostiary_accounts")
    registry = config.registry
    registry.ostiary_registration_settings = plugin_settings(registry, "registration")
    for name, path, show, submit in PAGES:
        config.add_route(name, path)
        config.add_view(show, route_name=name, request_method=("GET", "HEAD"))
        config.add_view(submit, route_name=name, request_method="POST")


@hookimpl
def ostiary_registration_url(request, return_url):
    """``prompt=create``: the registration page, back to the authorization after."""
    return request.route_path("register", _query={"returnUrl": return_url} if return_url else {})


@hookimpl
def ostiary_login_links(request, context):
    url = request.params.get("returnUrl") if context is not None else None
    href = request.route_path("register", _query={"returnUrl": url} if url else {})
    return [{"href": href, "label": translate(request, _("Create an account"))}]


@hookimpl
def ostiary_is_active(request, subject):
    """An account registered here cannot sign in before its email address is
    confirmed: by the mailed link, or by anything else that sets the
    ``email_verified`` claim (a password-reset link reaches the same mailbox)."""
    if not models.is_unverified(request, subject):
        return None
    user = request.plugins.user_by_subject(subject=subject)
    if user is not None and user.claims.get("email_verified") is True:
        return None
    return False


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
