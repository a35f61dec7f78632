"""Sample data for the gallery: each core page in the states a designer
must see. The values are built by the same function as the view's (each
page module's ``values``), from sample data instead of a flow, so the
template gets the same keys from both (``docs/themes.md`` lists them)."""

from __future__ import annotations

from types import SimpleNamespace

from .i18n import _, translate_text
from .interaction import consent, device, errors, home, login, logout
from .interaction.account import applications as grants
from .interaction.account import console
from .interaction.account.sections import visible_sections
from .interaction.login import GENERIC_FAILURE
from .interaction.pages import template
from .protocol.authorize import form_post_values

CLIENT = SimpleNamespace(client_id="sample-app", name="Sample Application")


def _scope(request, name, display_name, description="", kind="identity", required=False):
    return SimpleNamespace(
        name=name,
        display_name=translate_text(request, display_name),
        description=translate_text(request, description),
        required=required,
        emphasize=False,
        kind=kind,
    )


def _login_pages(request):
    gallery = request.route_path("gallery")
    providers = [
        {"name": "github", "display_name": "GitHub", "href": gallery},
        {"name": "corporate", "display_name": "Corporate account", "href": gallery},
    ]
    links = [  # as the bundled plugins label them, in their translation domains
        {"href": gallery, "label": translate_text(request, "Forgot your password?", "ostiary_password_reset")},
        {"href": gallery, "label": translate_text(request, "Create an account", "ostiary_registration")},
    ]
    otp = {"name": "otp", "label": "One-time code", "type": "text", "value": "", "required": True}
    return [
        ("login", login.values(request)),
        ("login-error", login.values(request, username="alice", error=GENERIC_FAILURE)),
        ("login-for-client", login.values(request, client_name=CLIENT.name, providers=providers, links=links)),
        ("login-extra-field", login.values(request, client_name=CLIENT.name, fields=[otp], links=links[:1])),
        ("login-external-only", login.values(request, client_name=CLIENT.name, providers=providers, local_login=False)),
    ]


def _consent(request, error=None, checked=None, remember=True):
    identity = [
        _scope(request, "openid", "Your user identifier", required=True),
        _scope(request, "profile", "Your profile (name, nickname, picture, ...)"),
        _scope(request, "email", "Your email address"),
    ]
    api = [
        _scope(request, "api", "Sample API", "Read and write your data in the sample API", kind="api"),
        _scope(
            request,
            "offline_access",
            "Offline access",
            "Stay signed in to the application when you are away",
            kind="offline",
        ),
    ]
    names = [s.name for s in identity + api]
    return consent.values(
        request,
        client=CLIENT,
        scopes=identity + api,
        checked=names if checked is None else checked,
        allow_remember=remember,
        error=error,
    )


def _error(request, error, error_id=None, description=None):
    return errors.values(request, error, error_id, description)


#: One application in each state the signed-out page reports.
RECEIPTS = (
    {"client_id": "crm", "name": "CRM", "backchannel": "delivered", "frontchannel": None},
    {"client_id": "mail", "name": "Mail", "backchannel": "pending", "frontchannel": None},
    {"client_id": "shop", "name": "Shop", "backchannel": None, "frontchannel": "loaded"},
    {"client_id": "wiki", "name": "Wiki", "backchannel": "expired", "frontchannel": None},
    {"client_id": "forum", "name": "Forum", "backchannel": None, "frontchannel": "blocked"},
    {"client_id": "tickets", "name": "Tickets", "backchannel": "refused", "frontchannel": None},
    {"client_id": "files", "name": "Files", "backchannel": None, "frontchannel": "unconfirmed"},
)


def _signed_out(request, frames=0, signed_out=True, client_name=CLIENT.name, receipts=()):
    frame = request.route_path("gallery_frame")
    return logout.signed_out_values(
        request,
        post_logout_url=request.route_path("gallery") if signed_out else None,
        client_name=client_name,
        signed_out=signed_out,
        frames=[frame] * frames,
        automatic_redirect=False,  # the gallery shows the page; it must not leave it
        receipts=receipts,  # no receipt id: the gallery's page does not poll
    )


def _grants(request, entries, revoked=None):
    return grants.values(request, entries, revoked=revoked)


def _account_sections(request) -> list:
    """Every state of the console's section pages (issue 12)."""
    from .interaction.account import deletion, email, password, profile
    from .interaction.account.forms import page_values

    claims = SimpleNamespace(name="Alice Liddell", given_name="Alice", family_name="Liddell", locale="en-GB")
    sample_user = SimpleNamespace(claims=vars(claims))
    fields = profile._fields(sample_user, ("name", "given_name", "family_name", "picture", "zoneinfo", "locale"))
    bad = profile._fields(
        sample_user,
        ("name", "picture", "zoneinfo"),
        {"picture": "http://x.example/a.png", "zoneinfo": "Mars/Olympus"},
        {"picture": _("Enter an https:// address."), "zoneinfo": _("Enter a time zone such as Europe/Berlin.")},
    )
    mail = "alice@example.org"
    return [
        ("account-profile", "account_profile.pt", profile.values(request, fields)),
        (
            "account-profile-saved",
            "account_profile.pt",
            profile.values(request, fields, notice=_("Your profile was saved.")),
        ),
        (
            "account-profile-error",
            "account_profile.pt",
            profile.values(request, bad, error=_("Please correct the marked fields.")),
        ),
        ("account-profile-read-only", "account_profile.pt", profile.values(request, [])),
        ("account-password", "account_password.pt", password.values(request)),
        ("account-password-first", "account_password.pt", password.values(request, has_password=False)),
        ("account-password-wrong", "account_password.pt", password.values(request, error=password.WRONG_PASSWORD)),
        (
            "account-password-changed",
            "account_password.pt",
            password.values(request, notice=_("Your password was changed.")),
        ),
        ("account-email", "account_email.pt", email.values(request, email=mail, verified=True)),
        ("account-email-unconfirmed", "account_email.pt", email.values(request, email=mail, verified=False)),
        (
            "account-email-sent",
            "account_email.pt",
            email.values(
                request,
                email=mail,
                verified=True,
                notice=_("We sent a link to the new address. Your email changes when you open it."),
            ),
        ),
        (
            "account-email-error",
            "account_email.pt",
            email.values(
                request, email=mail, verified=True, error=_("Enter a valid email address."), new_email="alice@"
            ),
        ),
        (
            "account-email-confirmed",
            "account_email_confirmed.pt",
            page_values(request, _("Email"), notice=_("Your email address was changed.")),
        ),
        (
            "account-email-link-invalid",
            "account_email_confirmed.pt",
            page_values(request, _("Email"), error=_("This link is not valid any more. Ask for a new one.")),
        ),
        ("account-delete", "account_delete.pt", deletion.values(request, username="alice")),
        (
            "account-delete-unconfirmed",
            "account_delete.pt",
            deletion.values(request, username="alice", error=deletion.NOT_CONFIRMED),
        ),
    ]


def _sample_sections(request):
    """The console home's sections as the hook gives them for a signed-in person."""
    return visible_sections(request)


def core_pages(request) -> list[tuple[str, str, dict]]:
    """``(name, template, values)`` for every state of every core page."""
    grant = SimpleNamespace(
        client_id=CLIENT.client_id,
        client_name=CLIENT.name,
        created="2026-01-15",
        expires=None,
        scopes=[
            translate_text(request, "Your profile (name, nickname, picture, ...)"),
            translate_text(request, "Your email address"),
        ],
    )
    other = SimpleNamespace(
        client_id="wiki",
        client_name="Team Wiki",
        created="2025-11-02",
        expires="2026-11-02",
        scopes=[translate_text(request, "Your user identifier")],
    )
    user = SimpleNamespace(username="alice")
    pages = [(name, "login.pt", values) for name, values in _login_pages(request)]
    pages += [
        ("consent", "consent.pt", _consent(request)),
        (
            "consent-optional-unchecked-error",
            "consent.pt",
            _consent(request, error=_("Pick at least one permission."), checked=(), remember=False),
        ),
        ("logout", "logout.pt", logout.confirm_values(request, "sample")),
        ("signed-out", "signed_out.pt", _signed_out(request, frames=2)),
        ("signed-out-unnamed-client", "signed_out.pt", _signed_out(request, frames=1, client_name=None)),
        ("signed-out-no-session", "signed_out.pt", _signed_out(request, signed_out=False)),
        ("signed-out-receipts", "signed_out.pt", _signed_out(request, receipts=RECEIPTS)),
        ("error", "error.pt", _error(request, "not_found")),
        (
            "error-with-detail",
            "error.pt",
            _error(request, "server_error", "k3J9xQ2mPz1w", "KeyError: 'sample' (shown in development mode only)"),
        ),
        ("grants", "grants.pt", _grants(request, [grant, other])),
        ("grants-revoked", "grants.pt", _grants(request, [other], revoked="sample-app")),
        ("grants-empty", "grants.pt", _grants(request, [])),
        ("home-signed-in", "home.pt", home.values(request, user, signed_in=True)),
        # -- the account console (issue 12) --
        ("account", "account.pt", console.values(request, user, _sample_sections(request))),
        *_account_sections(request),
        (
            "account-notice",
            "account.pt",
            console.values(request, user, _sample_sections(request), notice=_("Your password was changed.")),
        ),
        ("home-signed-out", "home.pt", home.values(request, None, signed_in=False)),
        ("form-post", "form_post.pt", form_post_values(request, "#", [("code", "sample-code"), ("state", "xyz")])),
        # -- oauth-grants (issue 15): the device page (RFC 8628) --
        ("device", "device.pt", device.values(request, user_code="WDJB-MJHT")),
        (
            "device-wrong-code",
            "device.pt",
            device.values(
                request,
                user_code="WDJB-MJHX",
                error=translate_text(request, "This code is not valid or has expired. Check it on your device."),
            ),
        ),
        ("device-approved", "device.pt", device.values(request, state=device.APPROVED, client_name=CLIENT.name)),
        ("device-denied", "device.pt", device.values(request, state=device.DENIED, client_name=CLIENT.name)),
    ]
    # The account console's sessions, history and linked logins (issue 12).
    from .federation import account_links
    from .interaction.account import history, sessions

    pages += sessions.gallery(request) + history.gallery(request) + account_links.gallery(request)
    pages += _step_pages(request)
    return [(name, template(name_of), values) for name, name_of, values in pages]


# -- sign-in as steps (issue 13) ---------------------------------------------------


def _step_pages(request) -> list[tuple[str, str, dict]]:
    """The step page of a further factor: asked, refused, with a choice, enrolling."""
    from .interaction import steps

    code = [{"name": "code", "label": request.localizer.translate(_("One-time code")), "autocomplete": "one-time-code"}]
    choice = {"name": "password", "title": request.localizer.translate(_("Password")), "href": "#"}
    common = {"method_name": "sample", "method_title": _("Confirm it is you"), "client_name": CLIENT.name}
    return [
        ("signin-step", "login_step.pt", steps.values(request, **common, fields=code)),
        (
            "signin-step-error-choices",
            "login_step.pt",
            steps.values(request, **common, fields=code, error=steps.STEP_FAILURE, choices=[choice]),
        ),
        ("signin-step-enrol", "login_step.pt", steps.values(request, **common, fields=code, enrolling=True)),
    ]
