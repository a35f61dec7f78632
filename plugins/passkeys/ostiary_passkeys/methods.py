"""Passkeys and security keys as an authentication method of core's
sign-in steps (``ostiary_authentication_methods``).

As a further factor, after a password: the step names the person's
credentials (so a security key that stores no discoverable credential is
found too) and keeps its challenge in the step's server-side state, which
core binds to the browser and ends with the sign-in. Enrolment in the
middle of a sign-in (when policy demands a further factor the person does
not have) registers a credential the same way. As a first factor the
method has its own page (``views.sign_in_form``), since it names nobody
before the authenticator answers.
"""

from __future__ import annotations

import webauthn
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from ostiary.plugin import AuthenticationMethod, StepResult, render_page, translate

from . import ceremony, events, models, pages
from .pages import _

CHALLENGE = "challenge"


class Passkey(AuthenticationMethod):
    name = "webauthn"
    title = _("A passkey or security key")
    first_factor = True
    further_factor = True
    amr = ("hwk", "user")
    can_enrol = True

    def enrolled(self, request, user) -> bool:
        return bool(models.get(request).of_subject(user.subject))

    def reset(self, request, user) -> bool:
        store = models.get(request)
        credentials = store.of_subject(user.subject)
        for credential in credentials:
            store.remove(credential)
        return bool(credentials)

    def render(self, request, step):
        if step.enrolling:
            options = ceremony.new_registration(request, step.user)
            kind, options_json, challenge = "create", webauthn.options_to_json(options), options.challenge
        else:
            # None: the credentials were removed meanwhile; the page says the passkey was not used
            kind, (options_json, challenge) = (
                "get",
                ceremony.second_factor_options(request, step.user.subject) or ("{}", None),
            )
        if challenge:
            step.state[CHALLENGE] = bytes_to_base64url(challenge)
        return render_page(request, pages.TEMPLATES + "step.pt", _values(request, step, kind, options_json))

    def check(self, request, step) -> StepResult:
        kept = step.state.pop(CHALLENGE, None)  # single use, right or wrong
        raw = request.POST.get("credential")
        if not raw:
            return StepResult.failed(pages.NO_ANSWER, guessed=False)
        challenge = base64url_to_bytes(kept) if kept else None
        try:
            if step.enrolling:
                name = " ".join(request.POST.get("name", "").split())[: models.MAX_NAME_LENGTH]
                if challenge is None:
                    raise ceremony.Refused("no live challenge for this step")
                credential = ceremony.register(request, step.user.subject, raw, name or "Passkey", challenge)
                events.registered(request, credential)
                return StepResult.passed(amr=self.amr)
            assertion = ceremony.authenticate_further(request, raw, challenge, step.user.subject)
        except ceremony.Refused as error:
            events.refused(request, error, subject=step.user.subject)
            return StepResult.failed(pages.REFUSED)
        return StepResult.passed(amr=assertion.amr)


def _values(request, step, kind: str, options_json: str) -> dict:
    values = dict(step.page)
    values.update(
        {
            "page_title": translate(
                request, _("Add a passkey") if step.enrolling else _("Use your passkey or security key")
            ),
            "kind": kind,
            "options": options_json,
            "script": pages.script_url(request),
            "browser_failed": translate(request, pages.BROWSER_FAILED),
            "enrolling": step.enrolling,
        }
    )
    values.setdefault("choices", [])
    values.setdefault("error", None)
    values.setdefault("cancel_label", translate(request, _("Cancel")))
    return values


def gallery_values(request, enrolling: bool, error=None) -> dict:
    """A step page's values for the gallery, without a sign-in in progress."""
    from pyramid.csrf import get_csrf_token

    page = {
        "method": Passkey.name,
        "csrf_token": get_csrf_token(request),
        "action": "#",
        "return_url": "",
        "choices": [{"name": "totp", "title": "Authenticator app", "href": "#"}],
        "error": translate(request, error),
        "enrolling": enrolling,
        "cancel_label": translate(request, _("Cancel")),
    }

    class _Sample:
        def __init__(self):
            self.page, self.enrolling = page, enrolling

    return _values(request, _Sample(), "create" if enrolling else "get", pages.SAMPLE_OPTIONS)
