"""The pages of the bundled factors (issue 13) in a real Chromium: every
gallery state of the sign-in step, the authenticator app and the recovery
codes, in both themes and both languages, without serious or critical axe
findings (the inline SVG QR code included)."""

from __future__ import annotations

import pytest
from axe_scan import blocking, describe, scan
from browser_env import new_context
from live_server import LiveServer

from ostiary.themes import installed_themes

STATES = (
    "signin-step",
    "signin-step-error-choices",
    "signin-step-enrol",
    "totp/step",
    "totp/step-wrong-code",
    "totp/enrol",
    "totp/enrol-wrong-code",
    "totp/console-off",
    "totp/console-on-refused",
    "recovery-codes/show",
    "recovery-codes/console",
    "recovery-codes/console-none",
    "recovery-codes/step-wrong-code",
)


@pytest.fixture(scope="module", params=sorted(installed_themes()))
def live(request, tmp_path_factory):
    settings = {
        "ostiary.development": "true",
        "ostiary.theme": request.param,
        "ostiary.plugins": "totp recovery_codes",
        "accounts.mailer": "testing",
    }
    with LiveServer(tmp_path_factory.mktemp("factors-" + request.param), **settings) as server:
        yield server


def test_factor_pages_render_and_have_no_serious_accessibility_findings(live, browser, axe_js):
    context = new_context(browser, width=1024, height=900, bypass_csp=True)
    found = {}
    try:
        page = context.new_page()
        for state in STATES:
            for lang in ("en", "de"):
                response = page.goto(f"{live.url}/_gallery/{state}?lang={lang}")
                assert response.status == 200, state
                violations = blocking(scan(page, axe_js))
                if violations:
                    found[f"{state} ({lang})"] = violations
    finally:
        context.close()
    report = "\n".join(f"{state}:\n{describe(v)}" for state, v in found.items())
    assert not report, "axe-core found:\n" + report
