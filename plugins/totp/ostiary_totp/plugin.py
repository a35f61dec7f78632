"""The TOTP plugin's hook implementations (entry point ``totp``)."""

from __future__ import annotations

from ostiary.plugin import Setting, hookimpl, package_locale_dir, whole_number_between

from . import console, method, models

SETTINGS = (
    Setting(
        "totp.drift_steps",
        "1",
        whole_number_between(0, 10),
        "Time steps (30 seconds each) a code may be early or late: 1 accepts a phone clock 30 seconds off.",
    ),
)


@hookimpl
def ostiary_settings():
    return SETTINGS


@hookimpl
def ostiary_configure(config):
    locale = package_locale_dir(__name__)
    if locale is not None:
        config.add_translation_dirs(locale)
    config.add_route("account_totp", "/account/authenticator")
    config.add_view(console.show, route_name="account_totp", request_method=("GET", "HEAD"))
    config.add_view(console.submit, route_name="account_totp", request_method="POST")


@hookimpl
def ostiary_account_sections(request):
    return [console.section(request)]


@hookimpl
def ostiary_housekeeping(mapping, now):
    return models.prune(mapping, now)


@hookimpl
def ostiary_authentication_methods(request):
    return [method.TotpMethod()]


@hookimpl
def ostiary_evolve_steps():
    return models.KEY, models.EVOLVE_STEPS


@hookimpl
def ostiary_gallery_pages(request):
    from .gallery import pages

    return pages(request)


@hookimpl
def ostiary_account_deleted(request, subject):
    # The person's key (and one being set up) goes with their account.
    models.take_pending(request, subject)
    models.remove(request, subject)
