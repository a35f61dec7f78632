"""Front-channel logout receipts in a real Chromium (issue 16).

A person signs in to three relying parties with a front-channel logout
URI: one whose sign-out page loads in a frame, one whose sign-out page
answers ``X-Frame-Options: DENY``, so that the browser refuses to show it,
and one whose sign-out page does not answer while the person is there.
Then the person signs out at Ostiary, and the signed-out page must tell
them apart: Chromium fires ``load`` at an iframe for its own error page
too, which is why the page embeds the frames as ``<object>`` elements
(each in a sandboxed wrapper iframe), whose ``error`` event Chromium fires
when it cannot show the page (``signed_out.pt``). What the browser
reported is then what the operator sees per client in the admin API
(``GET /admin/api/v1/logout-deliveries``, the same service function as
``ostiary logout-deliveries`` and the console).

One walk (``journey``), recorded once per module; each test states one
thing the person, the relying parties or the operator sees. No test waits
for the page's 8-second "unconfirmed" timer: two frames report at once,
and the third is reported "unconfirmed" when the person leaves the page.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pytest
import requests
from browser_env import new_context
from relying_party import RelyingParty, Served

from ostiary.testing import load_data

#: The client the operator's script uses for the admin API (read only).
OPERATOR = {
    "client_id": "operator",
    "name": "Operator's script",
    "secret": "operator-secret",
    "grant_types": ["client_credentials"],
    "scopes": ["ostiary:admin.read"],
}


class FramingRefused(RelyingParty):
    """A relying party whose front-channel logout page may not be framed:
    it still receives the request (and ends its session), but the browser
    refuses to show the answer."""

    def frontchannel(self, environ, query, sid):
        status, headers, body = super().frontchannel(environ, query, sid)
        return status, [*headers, ("X-Frame-Options", "DENY")], body

    routes = {**RelyingParty.routes, "/fc": frontchannel}


class Chatty(RelyingParty):
    """A relying party whose front-channel logout page tries to open a
    dialog: the sandbox of the frame's wrapper must refuse it."""

    def frontchannel(self, environ, query, sid):
        status, headers, body = super().frontchannel(environ, query, sid)
        return status, headers, body + "<script>alert('Signed out of the shop');</script>"

    routes = {**RelyingParty.routes, "/fc": frontchannel}


class Hanging(RelyingParty):
    """A relying party whose front-channel logout page does not answer
    until the test lets it (an application that hangs)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.release = threading.Event()

    def frontchannel(self, environ, query, sid):
        self.release.wait(10)
        return super().frontchannel(environ, query, sid)

    routes = {**RelyingParty.routes, "/fc": frontchannel}


@dataclass
class Journey:
    """What the browser, the relying parties and the operator saw."""

    receipts: dict = field(default_factory=dict)  # client id -> the line the page shows
    page_text: str = ""
    frame_urls: list = field(default_factory=list)
    hits: dict = field(default_factory=dict)  # client id -> front-channel requests received
    home_after: dict = field(default_factory=dict)  # client id -> its home page after the sign-out
    frames: list = field(default_factory=list)  # the admin API's frame receipts
    seconds: float = 0.0  # from the sign-out click to both receipts shown
    dialogs: list = field(default_factory=list)  # what the frames tried to show


@pytest.fixture(scope="module")
def parties(ostiary):
    """``shop`` (frames fine, but its page tries an alert), ``legacy``
    (X-Frame-Options: DENY) and ``slow`` (no answer) on loopback ports of
    their own, registered with front-channel logout URIs."""
    shop = Chatty(ostiary.url, client_id="shop", secret="shop-secret")
    legacy = FramingRefused(ostiary.url, client_id="legacy", secret="legacy-secret")
    slow = Hanging(ostiary.url, client_id="slow", secret="slow-secret")
    served = [Served(shop), Served(legacy), Served(slow)]
    shop.url, legacy.url, slow.url = (s.url for s in served)
    names = {"shop": "Shop", "legacy": "Legacy intranet", "slow": "Slow wiki"}
    clients = [dict(p.client(), name=names[p.client_id]) for p in (shop, legacy, slow)]
    load_data(ostiary.app, {"clients": [*clients, OPERATOR]})
    with served[0], served[1], served[2]:
        try:
            yield shop, legacy, slow
        finally:
            slow.release.set()


def _sign_in(page, ostiary, party, password_first):
    page.goto(party.url + "/login")
    if password_first:
        page.wait_for_url(ostiary.url + "/account/login?*")
        page.fill("#username", "alice")
        page.fill("#password", "alice-password")
        page.click("button[value=login]")
    page.wait_for_url(lambda url: "/consent?" in url or url == party.url + "/")
    if "/consent?" in page.url:
        page.click("button[value=allow]")
    page.wait_for_url(party.url + "/")
    page.wait_for_selector("#hello")


def _operator_view(ostiary) -> list:
    token = requests.post(
        ostiary.url + "/connect/token",
        data={"grant_type": "client_credentials", "scope": "ostiary:admin.read"},
        auth=("operator", "operator-secret"),
        timeout=10,
    )
    token.raise_for_status()
    listed = requests.get(
        ostiary.url + "/admin/api/v1/logout-deliveries",
        headers={"Authorization": "Bearer " + token.json()["access_token"]},
        timeout=10,
    )
    listed.raise_for_status()
    return listed.json()["frames"]


#: The shop's and the legacy intranet's receipts are shown (the slow wiki's
#: cannot be: its page has not answered).
SETTLED = """() => ['shop', 'legacy'].every(client => {
  const item = document.querySelector(`#logout-receipts [data-client="${client}"] .receipt-state`);
  return item && !item.textContent.startsWith('waiting');
})"""


@pytest.fixture(scope="module")
def journey(browser, ostiary, parties, artifacts) -> Journey:
    shop, legacy, slow = parties
    seen = Journey()
    context = new_context(browser)
    page = context.new_page()
    page.on("dialog", lambda dialog: (seen.dialogs.append(dialog.message), dialog.dismiss()))
    try:
        _sign_in(page, ostiary, shop, password_first=True)
        for party in (legacy, slow):
            _sign_in(page, ostiary, party, password_first=False)  # single sign-on: no password again
        before = {p.client_id: len(p.frontchannel_hits) for p in parties}
        # The person signs out at Ostiary itself: the signed-out page stays.
        page.goto(ostiary.url + "/account/logout")
        started = time.monotonic()
        page.click("button[type=submit]", no_wait_after=True)  # the slow frame keeps the page loading
        page.wait_for_selector("#logout-receipts")
        page.wait_for_function(SETTLED, timeout=5_000)
        seen.seconds = time.monotonic() - started
        seen.receipts = {
            item.get_attribute("data-client"): item.inner_text()
            for item in page.query_selector_all("#logout-receipts li[data-client]")
        }
        seen.page_text = page.inner_text("main")
        seen.frame_urls = [frame.url for frame in page.frames if frame != page.main_frame]
        page.screenshot(path=str(artifacts / "logout-receipts.png"), full_page=True)
        # Leaving while the slow wiki's page still has not answered: the
        # page reports its frame "unconfirmed" as it goes.
        page.goto(shop.url + "/")
        seen.home_after["shop"] = page.inner_text("main")
        slow.release.set()
        seen.hits = {p.client_id: p.frontchannel_hits[before[p.client_id] :] for p in (shop, legacy)}
        deadline = time.monotonic() + 5  # the last report left with the page: it may still be on its way
        seen.frames = _operator_view(ostiary)
        while any(row["not_reported"] for row in seen.frames) and time.monotonic() < deadline:
            time.sleep(0.1)
            seen.frames = _operator_view(ostiary)
    except Exception as exc:
        page.screenshot(path=str(artifacts / "logout-receipts-failure.png"), full_page=True)
        raise AssertionError(f"the walk stopped at {page.url}: {page.inner_text('body')[:500]!r}") from exc
    finally:
        slow.release.set()
        context.close()
    return seen


def test_the_signed_out_page_says_which_application_was_signed_out_in_this_browser(journey):
    assert journey.receipts["shop"] == "Shop: signed out in this browser"


def test_the_signed_out_page_says_the_browser_could_not_show_the_other_applications_page(journey):
    assert journey.receipts["legacy"] == (
        "Legacy intranet: not confirmed: this browser could not show the application's sign-out page"
    )


def test_an_application_that_has_not_answered_is_still_awaited_on_the_page(journey):
    assert journey.receipts["slow"] == "Slow wiki: waiting for the application to confirm"


def test_both_answers_come_at_once_not_after_the_pages_timer(journey):
    assert journey.seconds < 5


def test_the_browser_requested_both_answering_sign_out_pages(journey, ostiary):
    # X-Frame-Options is read from the answer: the request went out all the
    # same, which is why a blocked frame is "not confirmed", not "not signed out".
    for client_id in ("shop", "legacy"):
        (hit,) = journey.hits[client_id]
        assert hit["iss"] == ostiary.url and hit["sid"]
    assert "Not signed in" in journey.home_after["shop"]


def test_the_application_page_in_the_frame_is_sandboxed(journey):
    # an <object> has no sandbox attribute; its wrapper iframe's flags hold
    assert journey.dialogs == []


def test_only_the_frame_the_browser_showed_keeps_the_application_page(journey, parties):
    shop, legacy, _slow = parties
    assert any(url.startswith(shop.url + "/fc?") for url in journey.frame_urls)
    assert not any(url.startswith(legacy.url) for url in journey.frame_urls)


def test_the_operator_sees_per_client_what_the_frames_did(journey):
    rows = {row["client_id"]: row for row in journey.frames}
    counts = {
        client_id: {k: row[k] for k in ("loaded", "blocked", "unconfirmed", "not_reported")}
        for client_id, row in rows.items()
    }
    assert counts == {
        "legacy": {"loaded": 0, "blocked": 1, "unconfirmed": 0, "not_reported": 0},
        "shop": {"loaded": 1, "blocked": 0, "unconfirmed": 0, "not_reported": 0},
        "slow": {"loaded": 0, "blocked": 0, "unconfirmed": 1, "not_reported": 0},
    }
