"""The TOTP plugin's hook implementations (entry point ``totp``)."""

from __future__ import annotations

from ostiary.plugin import Setting, hookimpl, package_locale_dir, whole_number_between

from . import method, models

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
