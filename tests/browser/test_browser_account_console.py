"""The account console in a real browser: sign in through a relying party,
change the email address through the link mailed to the new one, then
delete the account, whose session's client gets its back-channel logout.

(Seeing and ending a second browser's session is
``test_browser_account_sessions.py``.) Mail goes to pyramid_mailer's
testing mailer of the live server, the one thing outside that is mocked.
"""

from __future__ import annotations

import re

import pytest
from browser_env import new_context
from live_server import LiveServer
from pyramid_mailer.interfaces import IMailer

from ostiary.testing import DEMO, LogoutReceiver, load_data, transaction_root


@pytest.fixture(scope="module")
def ostiary(tmp_path_factory):
    """Like the shared fixture, with a (testing) mailer: the Email section shows only with one."""
    with LiveServer(tmp_path_factory.mktemp("console"), **{"pyramid.includes": "pyramid_mailer.testing"}) as live:
        load_data(live.app, {"users": DEMO["users"]})
        yield live


@pytest.fixture(scope="module")
def receiver(ostiary, relying_party):
    receiver = LogoutReceiver()
    with transaction_root(ostiary.app) as root:
        root.clients.get(relying_party.client_id).update(backchannel_logout_uri=receiver.url)
    yield receiver
    receiver.close()


def _outbox(ostiary) -> list:
    return ostiary.app.registry.getUtility(IMailer).outbox


def test_change_the_email_through_the_mailed_link_then_delete_the_account(
    browser, ostiary, relying_party, receiver, artifacts
):
    context = new_context(browser)
    try:
        _journey(context.new_page(), ostiary, relying_party, receiver, artifacts)
    finally:
        context.close()


def _journey(page, ostiary, relying_party, receiver, artifacts):
    page.goto(relying_party.url + "/login")
    page.wait_for_url(ostiary.url + "/account/login?*")
    page.fill("#username", "alice")
    page.fill("#password", "alice-password")
    page.click("button[value=login]")
    page.wait_for_url(lambda url: "/consent?" in url or url == relying_party.url + "/")
    if "/consent?" in page.url:
        page.click("button[value=allow]")
    page.wait_for_selector("#hello")

    # The console home lists the sections; Email mails a link to the new address.
    page.goto(ostiary.url + "/account")
    assert page.locator("main a[href='/account/email']").count() == 1
    page.click("main a[href='/account/email']")
    page.fill("input[name=email]", "alice.new@example.org")
    page.click("main form button[type=submit]")
    page.wait_for_url(ostiary.url + "/account/email*")
    with transaction_root(ostiary.app) as root:
        assert root.users.by_login("alice").email == "alice@example.org"  # nothing changed yet
    link_mail = next(m for m in _outbox(ostiary) if "alice.new@example.org" in m.recipients)
    link = re.search(r"http://\S+/account/email/confirm\?token=\S+", link_mail.body).group(0)
    page.goto(link)
    assert "Your email address was changed." in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / "console-email-confirmed.png"), full_page=True)
    with transaction_root(ostiary.app) as root:
        user = root.users.by_login("alice")
        assert user.email == "alice.new@example.org" and user.claims["email_verified"] is True
    assert any("alice@example.org" in m.recipients for m in _outbox(ostiary))  # the notice to the old address
    page.goto(link)  # a used link is refused
    assert "not valid" in page.locator("main").inner_text()

    # Delete the account: without the confirmation nothing happens; with it the person is gone.
    page.goto(ostiary.url + "/account/delete")
    page.click("main form button[type=submit]")
    with transaction_root(ostiary.app) as root:
        assert root.users.by_login("alice") is not None
    page.check("input[name=confirm]")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    with transaction_root(ostiary.app) as root:
        assert root.users.by_login("alice") is None
    assert len(receiver.wait_tokens()) == 1  # the relying party heard of the session's end
    page.goto(ostiary.url + "/account")
    page.wait_for_url(ostiary.url + "/account/login?*")
