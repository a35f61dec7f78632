"""The passkeys plugin's hook implementations (entry point ``passkeys``)."""

from __future__ import annotations

from pyramid.i18n import TranslationStringFactory

from ostiary.plugin import AccountSection, Setting, choice, hookimpl, names, optional_text, positive_int, translate

from . import ceremony, methods, models, pages, views

_ = TranslationStringFactory("ostiary_passkeys")


def _host_name(value: str) -> str:
    value = value.strip().lower()
    if value and ("/" in value or ":" in value or value.startswith(".")):
        raise ValueError("a host name such as example.org, without scheme or port")
    return value


def _origins(value: str):
    found = names(value)
    for origin in found:
        if not origin.startswith(("https://", "http://localhost")) or origin.count("/") != 2:
            raise ValueError(f"{origin!r} is not an origin such as https://login.example.org")
    return tuple(found)


SETTINGS = (
    Setting(
        "passkeys.rp_id",
        "",
        _host_name,
        "The WebAuthn relying-party id; empty: the issuer's host name. A parent domain shares credentials with its subdomains.",
    ),
    Setting(
        "passkeys.origins",
        "",
        _origins,
        "Further origins (besides the issuer's) whose pages may answer a ceremony, space-separated.",
    ),
    Setting("passkeys.rp_name", "", optional_text, "The name authenticators show; empty: ostiary.product_name."),
    Setting(
        "passkeys.user_verification",
        "preferred",
        choice("required", "preferred", "discouraged"),
        "Whether the authenticator must check the person too (PIN, biometrics): required, preferred or discouraged.",
    ),
    Setting("passkeys.challenge_lifetime", "300", positive_int, "Seconds a ceremony's challenge can be answered."),
)

PAGES = (
    ("passkeys_sign_in", "/account/passkeys/sign-in", views.sign_in_form, views.sign_in_submit),
    ("passkeys", "/account/passkeys", views.manage, None),
    ("passkeys_add", "/account/passkeys/add", None, views.add),
    ("passkeys_rename", "/account/passkeys/rename", None, views.rename),
    ("passkeys_remove", "/account/passkeys/remove", None, views.remove),
)


@hookimpl
def ostiary_settings():
    return SETTINGS


@hookimpl
def ostiary_configure(config):
    for name, path, show, submit in PAGES:
        config.add_route(name, path)
        if show is not None:
            config.add_view(show, route_name=name, request_method=("GET", "HEAD"))
        if submit is not None:
            config.add_view(submit, route_name=name, request_method="POST")
    # The page script, from this package: CSP allows scripts from 'self' only.
    config.add_static_view("passkeys-static", "ostiary_passkeys:static/", cache_max_age=3600)


@hookimpl
def ostiary_login_providers(request, context):
    """The login page offers a passkey beside the external providers."""
    if context is not None and not context.client.accepts_idp(views.LOCAL_IDP):
        return []
    url = request.params.get("returnUrl") if context is not None else None
    href = request.route_path("passkeys_sign_in", _query={"returnUrl": url} if url else {})
    return [{"href": href, "display_name": translate(request, _("A passkey"))}]


@hookimpl
def ostiary_login_scripts(request, context):
    """The login page offers the browser's passkeys in the username field's
    autofill (conditional mediation); picking one signs in without a password."""
    if context is not None and not context.client.accepts_idp(views.LOCAL_IDP):
        return []
    data = {
        "passkey-options": ceremony.sign_in_options(request),
        "passkey-action": request.route_path("passkeys_sign_in"),
    }
    return [{"src": pages.script_url(request), "data": data, "webauthn_autofill": True}]


@hookimpl
def ostiary_evolve_steps():
    return models.KEY, models.EVOLVE_STEPS


@hookimpl
def ostiary_housekeeping(mapping, now):
    """Challenges nobody answered go with Ostiary's own pruning."""
    return models.prune(mapping, now)


@hookimpl
def ostiary_gallery_pages(request):
    steps = [
        ("passkeys/step", pages.TEMPLATES + "step.pt", methods.gallery_values(request, enrolling=False)),
        ("passkeys/step-refused", pages.TEMPLATES + "step.pt", methods.gallery_values(request, False, pages.REFUSED)),
        ("passkeys/step-enrol", pages.TEMPLATES + "step.pt", methods.gallery_values(request, enrolling=True)),
    ]
    return pages.gallery(request) + steps


@hookimpl
def ostiary_authentication_methods(request):
    return [methods.Passkey()]


# -- the account console -------------------------------------------------------------


@hookimpl
def ostiary_account_sections(request):
    return [
        AccountSection(
            name="passkeys",
            title=_("Passkeys and security keys"),
            url=request.route_path("passkeys"),
            order=520,
            description=_("Sign in without a password, or confirm a sign-in with a key."),
        )
    ]


@hookimpl
def ostiary_account_export(request, subject):
    """What a person's data download says about their credentials: names
    and dates, never a key."""
    return {"passkeys": [pages.export_row(c) for c in models.get(request).of_subject(subject)]}


@hookimpl
def ostiary_account_deleted(request, subject):
    models.get(request).forget(subject)
