"""Recovery codes as a method of sign-in: a backup for the other factors.

Core sets them up right after a person's first further factor (``backup``):
the page shows the new codes once, and they are stored (hashed) when the
person confirms they saved them. At sign-in they are one of the choices
beside the person's factor. Each works once; using one is an audit event
and a mail to the person, so that a stolen code does not go unnoticed.
"""

from __future__ import annotations

from ostiary_accounts import mail
from pyramid.i18n import TranslationStringFactory

from ostiary.plugin import AuthenticationMethod, StepResult, declare, emit, render_page

from . import models

_ = TranslationStringFactory("ostiary_recovery_codes")

CODE_USED = declare("recovery_code.used", "A person signed in with one of their recovery codes (they were mailed).")
CODES_CREATED = declare(
    "recovery_code.created", "A person's recovery codes were generated (the old ones stopped working)."
)

WRONG_CODE = _("That recovery code is not right, or it was used already.")
NO_CODE = _("Enter one of your recovery codes.")
SHOW_TEMPLATE = "ostiary_recovery_codes:templates/codes.pt"
STEP_TEMPLATE = "ostiary_theme_default:templates/login_step.pt"
MAIL_TEMPLATE = "ostiary_recovery_codes:templates/code_used.txt"


def _t(request, message):
    return request.localizer.translate(message)


def codes_values(request, page: dict, codes) -> dict:
    """What ``codes.pt`` receives (the view and the gallery alike)."""
    return {**page, "codes": list(codes), "confirm_label": _t(request, _("I have saved these codes"))}


def generate(request, subject: str) -> list[str]:
    """A new set for ``subject``, returned in clear this once."""
    codes = models.new_codes()
    models.replace(request, subject, codes)
    emit(request, CODES_CREATED, subject=subject)
    return codes


class RecoveryCodeMethod(AuthenticationMethod):
    name = "recovery_code"
    title = _("Recovery code")
    further_factor = True
    backup = True
    amr = ("otp",)  # RFC 8176 has no value of its own for it: a one-time password

    def enrolled(self, request, user) -> bool:
        code_set = models.get(request, user.subject)
        return code_set is not None and code_set.remaining > 0

    def reset(self, request, user) -> bool:
        return models.remove(request, user.subject)

    def render(self, request, step):
        if step.enrolling:
            codes = step.state.get("codes")
            if not codes:
                codes = step.state["codes"] = models.new_codes()
            return render_page(request, SHOW_TEMPLATE, codes_values(request, step.page, codes))
        field = {"name": "code", "label": _t(request, _("Recovery code")), "autocomplete": "off"}
        return render_page(request, STEP_TEMPLATE, {**step.page, "fields": [field], "intro": _t(request, NO_CODE)})

    def check(self, request, step) -> StepResult:
        if step.enrolling:  # the person saved the codes shown: store them, hashed, and forget them
            codes = step.state.pop("codes", None)
            if not codes:
                return StepResult.failed(guessed=False)
            models.replace(request, step.user.subject, codes)
            emit(request, CODES_CREATED, subject=step.user.subject)
            return StepResult.passed(amr=())
        code = request.POST.get("code", "")
        if not models.normalized(code):
            return StepResult.failed(NO_CODE, guessed=False)
        code_set = models.get(request, step.user.subject)
        if code_set is None or not code_set.use(code):
            return StepResult.failed(WRONG_CODE)
        emit(request, CODE_USED, subject=step.user.subject, remaining=code_set.remaining)
        _tell(request, step.user, code_set.remaining)
        return StepResult.passed()


def _tell(request, user, remaining: int) -> None:
    """Mail the person that a code was used (after the commit)."""
    if not user.email:
        return
    mail.send(
        request,
        user.email,
        _("A recovery code was used"),
        MAIL_TEMPLATE,
        {"username": user.username, "remaining": remaining, "issuer": request.registry.ostiary_settings.issuer},
    )
