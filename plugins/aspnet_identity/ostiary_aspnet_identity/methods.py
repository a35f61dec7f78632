"""ASP.NET Identity's two factors as authentication methods of core's
sign-in steps (``ostiary_authentication_methods``).

A user with ``TwoFactorEnabled`` passes the password first (it does not
reset ``AccessFailedCount``, as ``CheckPasswordSignInAsync`` leaves it when
a second factor follows); core then asks for a code from the authenticator
app the person set up in the .NET application, or one of their recovery
codes. Both are checked, counted and written back in the Identity
database (:mod:`.two_factor`). Neither can be set up here: the .NET
application's own pages do that.
"""

from __future__ import annotations

from pyramid.i18n import TranslationStringFactory

from ostiary.plugin import AuthenticationMethod, StepResult, render_page, translate

from . import two_factor
from .two_factor import Outcome

_ = TranslationStringFactory("ostiary_aspnet_identity")
STEP_TEMPLATE = "ostiary_theme_default:templates/login_step.pt"

WRONG_CODE = _("That code is not right. Check your authenticator app and try again.")
WRONG_RECOVERY_CODE = _("That recovery code is not right, or it was used already.")
LOCKED_OUT = _("Too many wrong codes: this account is locked for a while. Try again later.")


def _store_user(request, user):
    """The Identity row of ``user`` when this store holds them, else None."""
    store = request.registry.aspnet_identity
    found = store.find(request.aspnet_identity_db, user.subject)
    return store, found


def _refusal(outcome: Outcome, wrong) -> StepResult:
    if outcome is Outcome.LOCKED_OUT:
        return StepResult.failed(LOCKED_OUT)
    return StepResult.failed(wrong)


class _AspNetFactor(AuthenticationMethod):
    """What both factors share: enrolled when the user has two factors on
    and this factor's data in the Identity database; a code posted in
    ``field``, checked and counted there by ``verify``."""

    first_factor = False
    further_factor = True
    amr = ("otp",)
    field = ""
    wrong = WRONG_CODE

    @staticmethod
    def stored(store, db, subject):
        """This factor's data of ``subject`` in the Identity database."""
        raise NotImplementedError

    @staticmethod
    def verify(store, db, found, code: str) -> Outcome:
        raise NotImplementedError

    def enrolled(self, request, user) -> bool:
        store, found = _store_user(request, user)
        return bool(
            found is not None
            and found.two_factor_enabled
            and self.stored(store, request.aspnet_identity_db, found.subject)
        )

    def render(self, request, step):
        return render_page(request, STEP_TEMPLATE, self.values(request, step.page))

    def check(self, request, step) -> StepResult:
        code = request.POST.get(self.field, "")
        if not code.strip():
            return StepResult.failed(self.wrong, guessed=False)
        store, found = _store_user(request, step.user)
        if found is None:
            return StepResult.failed(self.wrong)
        outcome = self.verify(store, request.aspnet_identity_db, found, code[:64])
        return StepResult.passed() if outcome is Outcome.PASSED else _refusal(outcome, self.wrong)


class AspNetAuthenticator(_AspNetFactor):
    """A code from the authenticator app whose key ASP.NET stored."""

    name = "aspnet_authenticator"
    title = _("Authenticator app")
    field = "code"
    wrong = WRONG_CODE
    stored = staticmethod(two_factor.authenticator_key)
    verify = staticmethod(two_factor.verify_authenticator_code)

    def values(self, request, page: dict) -> dict:
        field = {
            "name": self.field,
            "label": translate(request, _("Code from your authenticator app")),
            "type": "text",
            "autocomplete": "one-time-code",
            "required": True,
        }
        intro = translate(request, _("Open the authenticator app you set up for this account and enter its code."))
        return {**page, "fields": [field], "intro": intro}


class AspNetRecoveryCode(_AspNetFactor):
    """One of the recovery codes ASP.NET gave the person, used up once."""

    name = "aspnet_recovery_code"
    title = _("A recovery code")
    backup = True
    field = "recovery_code"
    wrong = WRONG_RECOVERY_CODE
    stored = staticmethod(two_factor.recovery_codes)
    verify = staticmethod(two_factor.redeem_recovery_code)

    def values(self, request, page: dict) -> dict:
        field = {"name": self.field, "label": translate(request, _("Recovery code")), "autocomplete": "off"}
        intro = translate(request, _("Enter one of the recovery codes you saved. Each works once."))
        return {**page, "fields": [field], "intro": intro}


def has_second_factor_here(store, db, user) -> bool:
    """Whether a TwoFactorEnabled user has a factor these methods can ask:
    one whose two factors are something else (codes by email or SMS,
    which Ostiary cannot send) is still refused a password-only sign-in."""
    return bool(
        two_factor.authenticator_key(store, db, user.subject) or two_factor.recovery_codes(store, db, user.subject)
    )


def gallery(request) -> list:
    """The step pages in the states a designer must see (``ostiary_gallery_pages``)."""
    from pyramid.csrf import get_csrf_token

    def sample(method, error=None):
        other = AspNetRecoveryCode() if method.name == AspNetAuthenticator.name else AspNetAuthenticator()
        page = {
            "page_title": translate(request, method.title),
            "heading": translate(request, method.title),
            "method_title": translate(request, method.title),
            "method": method.name,
            "csrf_token": get_csrf_token(request),
            "action": "#",
            "return_url": "",
            "client_name": "Demo application",
            "choices": [{"name": other.name, "title": translate(request, other.title), "href": "#"}],
            "error": translate(request, error),
            "enrolling": False,
            "cancel_label": request.localizer.translate(_("Cancel")),
        }
        return method.values(request, page)

    states = [
        ("authenticator", AspNetAuthenticator(), None),
        ("authenticator-wrong", AspNetAuthenticator(), WRONG_CODE),
        ("authenticator-locked", AspNetAuthenticator(), LOCKED_OUT),
        ("recovery-code", AspNetRecoveryCode(), None),
        ("recovery-code-wrong", AspNetRecoveryCode(), WRONG_RECOVERY_CODE),
    ]
    return [(f"aspnet_identity/{name}", STEP_TEMPLATE, sample(method, error)) for name, method, error in states]
