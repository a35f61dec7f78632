"""A pending link is completed by a local sign-in that succeeded, never by
one a later check refused (it once was: linking ran inside a veto hook)."""

from __future__ import annotations

from federation_harness import Browser, database

from ostiary.plugin import hookimpl


class TermsLast:
    """A check that runs after every other (trylast) and refuses until the
    terms are accepted; it also counts the sign-ins it hears of."""

    def __init__(self):
        self.signed_in = 0

    @hookimpl(trylast=True)
    def ostiary_check_login(self, params):
        return None if params.get("terms") == "yes" else "Accept the terms first."

    @hookimpl
    def ostiary_signed_in(self):
        self.signed_in += 1


def test_a_sign_in_refused_after_the_password_links_nothing(make_downstream, upstream):
    terms = TermsLast()
    app = make_downstream(ostiary_testing_plugins=[("terms", terms)])
    browser = Browser(app, upstream.url)
    result = browser.sign_in_upstream()
    assert result["at"] == "/account/login"  # asked to sign in locally to link
    refused = browser.local_login(result["response"], "alice", "alice-password")
    assert refused.status_int == 200 and "Accept the terms first." in refused.text
    assert database(app)[1] == {}
    assert terms.signed_in == 0
