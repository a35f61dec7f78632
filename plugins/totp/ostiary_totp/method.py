"""The TOTP method: enrolment (QR code and secret, confirmed by a first
code) and the sign-in step, with pyotp for the RFC 6238 arithmetic.

Codes have 6 digits and a 30-second step, what every authenticator app
uses by default. A code is accepted for the current step and
``totp.drift_steps`` steps on either side (default 1: a phone clock up to
30 seconds off, plus the time it takes to type), and never for a step at
or before the last one accepted for that person: a code seen over a
shoulder, or replayed, is refused.
"""

from __future__ import annotations

import hmac
import re

import pyotp
import segno
from pyramid.i18n import TranslationStringFactory

from ostiary.plugin import AuthenticationMethod, StepResult, now, plugin_settings, render_page

from . import models

_ = TranslationStringFactory("ostiary_totp")

DIGITS = 6
INTERVAL = 30
ENROL_TEMPLATE = "ostiary_totp:templates/enrol.pt"
STEP_TEMPLATE = "ostiary_theme_default:templates/login_step.pt"

WRONG_CODE = _("That code is not right. Enter the code your app shows now.")
NO_CODE = _("Enter the 6-digit code from your authenticator app.")


def _t(request, message):
    return request.localizer.translate(message)


def normalized(code: str) -> str:
    """What people type, as a code: spaces and dashes dropped (apps show
    ``123 456``)."""
    return re.sub(r"[\s-]", "", code or "")


def matching_step(secret: str, code: str, drift: int, when: int | None = None) -> int | None:
    """The time step within ``drift`` steps of now whose code is ``code``, or None."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    current = int((now() if when is None else when) // INTERVAL)
    found = None
    for step in range(current - drift, current + drift + 1):
        # compare every candidate: the time taken does not tell which matched
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def qr_svg(uri: str, label: str) -> str:
    """The provisioning URI as an inline SVG QR code, drawn on the server (no
    outside service sees the secret); dark on white in either colour scheme,
    which every camera reads."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff", title=label)


def _drift(request) -> int:
    return plugin_settings(request.registry, "totp").drift_steps


class TotpMethod(AuthenticationMethod):
    name = "totp"
    title = _("Authenticator app")
    further_factor = True
    amr = ("otp",)
    can_enrol = True

    def enrolled(self, request, user) -> bool:
        return models.get(request, user.subject) is not None

    def reset(self, request, user) -> bool:
        models.take_pending(request, user.subject)  # a key being set up goes too
        return models.remove(request, user.subject)

    # -- rendering --------------------------------------------------------------

    def render(self, request, step):
        field = {
            "name": "code",
            "label": _t(request, _("Code from your app")),
            "autocomplete": "one-time-code",
            "type": "text",
        }
        if not step.enrolling:
            values = {**step.page, "fields": [field], "intro": _t(request, NO_CODE)}
            return render_page(request, STEP_TEMPLATE, values)
        secret = step.state.get("secret")
        if not secret:
            secret = step.state["secret"] = pyotp.random_base32()
        return render_page(request, ENROL_TEMPLATE, enrolment_values(request, step.page, secret, step.user.username))

    # -- checking ---------------------------------------------------------------

    def check(self, request, step) -> StepResult:
        code = normalized(request.POST.get("code", ""))
        if not code:
            return StepResult.failed(NO_CODE, guessed=False)
        if step.enrolling:
            secret = step.state.get("secret")
            matched = matching_step(secret, code, _drift(request)) if secret else None
            if matched is None:
                return StepResult.failed(WRONG_CODE)
            models.put(request, step.user.subject, models.Authenticator(secret, matched))
            del step.state["secret"]  # kept nowhere else now: never shown again
            return StepResult.passed()
        return verify(request, step.user.subject, code)


def verify(request, subject: str, code: str) -> StepResult:
    """Check ``code`` against ``subject``'s authenticator, using its step up."""
    authenticator = models.get(request, subject)
    if authenticator is None:
        return StepResult.failed(WRONG_CODE)
    matched = matching_step(authenticator.secret, normalized(code), _drift(request))
    if matched is None or matched <= authenticator.last_step:  # wrong, or already used
        return StepResult.failed(WRONG_CODE)
    authenticator.last_step = matched
    authenticator.last_used_at = now()
    return StepResult.passed()


def enrolment_values(request, page: dict, secret: str, username: str) -> dict:
    """What ``enrol.pt`` receives (the view and the gallery alike)."""
    label = request.registry.ostiary_brand.product_name
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(name=username, issuer_name=label)
    return {
        **page,
        "qr_svg": qr_svg(uri, _t(request, _("QR code for your authenticator app"))),
        "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "code_label": _t(request, _("Code from your app")),
    }
