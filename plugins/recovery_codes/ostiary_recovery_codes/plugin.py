"""The recovery codes plugin's hook implementations (entry point ``recovery_codes``)."""

from __future__ import annotations

from ostiary.plugin import hookimpl, package_locale_dir

from . import console, method, models


@hookimpl
def ostiary_configure(config):
    config.include("ostiary_accounts")  # mail through pyramid_mailer, as the account plugins send it
    locale = package_locale_dir(__name__)
    if locale is not None:
        config.add_translation_dirs(locale)
    config.add_route("account_recovery_codes", "/account/recovery-codes")
    config.add_view(console.show, route_name="account_recovery_codes", request_method=("GET", "HEAD"))
    config.add_view(console.regenerate, route_name="account_recovery_codes", request_method="POST")


@hookimpl
def ostiary_account_sections(request):
    return [console.section(request)]


@hookimpl
def ostiary_authentication_methods(request):
    return [method.RecoveryCodeMethod()]


@hookimpl
def ostiary_evolve_steps():
    return models.KEY, models.EVOLVE_STEPS


@hookimpl
def ostiary_gallery_pages(request):
    from ostiary.plugin import step_page_values

    common = {"method_name": "recovery_code", "method_title": method.RecoveryCodeMethod.title}
    t = request.localizer.translate
    field = {"name": "code", "label": t(method._("Recovery code")), "autocomplete": "off"}
    sample = ["abcd-efgh-jkmn-pqrs", "2345-6789-abcd-efgh", "tuvw-xyz2-3456-789a"]
    return [
        ("recovery-codes/console", "ostiary_recovery_codes:templates/console.pt", console.status_values(request, 7)),
        (
            "recovery-codes/console-none",
            "ostiary_recovery_codes:templates/console.pt",
            console.status_values(request, None),
        ),
        (
            "recovery-codes/show",
            method.SHOW_TEMPLATE,
            method.codes_values(request, step_page_values(request, **common, enrolling=True), sample),
        ),
        (
            "recovery-codes/step-wrong-code",
            method.STEP_TEMPLATE,
            step_page_values(request, **common, fields=[field], intro=t(method.NO_CODE), error=method.WRONG_CODE),
        ),
    ]


@hookimpl
def ostiary_account_deleted(request, subject):
    # The person's codes go with their account.
    models.remove(request, subject)
