"""Sample states of the TOTP pages for the theme gallery."""

from __future__ import annotations

from ostiary.plugin import step_page_values

from .console import LAST_FACTOR
from .method import NO_CODE, STEP_TEMPLATE, WRONG_CODE, TotpMethod, _, enrolment_values

#: A fixed sample secret: the gallery renders, it never enrols.
SAMPLE_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def pages(request):
    t = request.localizer.translate
    field = {"name": "code", "label": t(_("Code from your app")), "autocomplete": "one-time-code"}
    common = {"method_name": "totp", "method_title": TotpMethod.title, "client_name": "Demo application"}
    enrol = step_page_values(request, **common, enrolling=True)
    enrol_error = step_page_values(request, **common, enrolling=True, error=WRONG_CODE)
    console = {
        "page_title": t(TotpMethod.title),
        "notice": None,
        "error": None,
        "created_at": None,
        "action": "#",
        "account_url": "#",
    }
    return [
        ("totp/console-off", "ostiary_totp:templates/console.pt", {**console, "enrolled": False}),
        (
            "totp/console-on-refused",
            "ostiary_totp:templates/console.pt",
            {**console, "enrolled": True, "error": t(LAST_FACTOR)},
        ),
        ("totp/step", STEP_TEMPLATE, step_page_values(request, **common, fields=[field], intro=t(NO_CODE))),
        (
            "totp/step-wrong-code",
            STEP_TEMPLATE,
            step_page_values(request, **common, fields=[field], intro=t(NO_CODE), error=WRONG_CODE),
        ),
        ("totp/enrol", "ostiary_totp:templates/enrol.pt", enrolment_values(request, enrol, SAMPLE_SECRET, "alice")),
        (
            "totp/enrol-wrong-code",
            "ostiary_totp:templates/enrol.pt",
            enrolment_values(request, enrol_error, SAMPLE_SECRET, "alice"),
        ),
    ]
