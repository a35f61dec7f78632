"""A person in a real Chromium signs in to a relying party through Ostiary,
consents, and signs out again, with the front-channel logout iframe loaded
by the browser itself, which then returns to the relying party on its own.

The walk runs once per module (``journey``) and records what the browser
saw; each test then states one thing a person or the relying party sees.
Screenshots of every page are kept in ``test-artifacts/browser/``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import pytest
from browser_env import new_context


@dataclass
class Journey:
    """What the browser and the relying party saw on the way."""

    login_url: str = ""
    login_text: str = ""
    consent_text: str = ""
    consent_scopes: list = field(default_factory=list)
    hello_text: str = ""
    sid: str = ""
    signed_out_text: str = ""
    signed_out_csp: str = ""
    frame_urls: list = field(default_factory=list)
    frontchannel_hits: list = field(default_factory=list)
    hits_when_back: int = 0
    logged_out_url: str = ""
    logged_out_text: str = ""
    home_after_text: str = ""
    screenshots: list = field(default_factory=list)


def _wait_for_hits(relying_party, before: int, timeout=10.0) -> list:
    """The front-channel hits after the first ``before`` ones."""
    deadline = time.monotonic() + timeout
    while len(relying_party.frontchannel_hits) <= before and time.monotonic() < deadline:
        time.sleep(0.05)
    return list(relying_party.frontchannel_hits[before:])


def _sign_in(page, shot, seen, ostiary, relying_party):
    # The relying party sends the browser to authorize; no session yet: the login page.
    page.goto(relying_party.url + "/login")
    page.wait_for_url(ostiary.url + "/account/login?*")
    seen.login_url, seen.login_text = page.url, page.inner_text("main")
    shot("01-login")
    page.fill("#username", "alice")
    page.fill("#password", "alice-password")
    page.click("button[value=login]")
    page.wait_for_url(lambda url: "/consent?" in url or url == relying_party.url + "/")
    if "/consent?" in page.url:  # asked once; remembered for a second walk
        seen.consent_text = page.inner_text("main")
        seen.consent_scopes = page.eval_on_selector_all(
            "input[type=checkbox][name=scope]", "els => els.map(e => e.value)"
        )
        shot("02-consent")
        page.click("button[value=allow]")
    page.wait_for_url(relying_party.url + "/")
    page.wait_for_selector("#hello")
    seen.hello_text = page.inner_text("main")
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "rp_session")
    seen.sid = relying_party.sessions[cookie]["claims"]["sid"]
    shot("03-rp-signed-in")


def _sign_out_returning_by_itself(page, shot, seen, ostiary, relying_party):
    """The relying party sends id_token_hint, so no confirmation is asked;
    the signed-out page loads the front-channel iframe, then returns to the
    relying party without a click."""
    before = len(relying_party.frontchannel_hits)
    page.on("framenavigated", lambda frame: frame != page.main_frame and seen.frame_urls.append(frame.url))
    with page.expect_response(re.compile(re.escape(ostiary.url) + r"/account/logout\?")) as signed_out:
        page.click("#logout")
    seen.signed_out_csp = signed_out.value.headers.get("content-security-policy", "")
    page.wait_for_url(relying_party.url + "/logged-out?*", timeout=10_000)
    seen.hits_when_back = len(relying_party.frontchannel_hits) - before
    seen.logged_out_url, seen.logged_out_text = page.url, page.inner_text("main")
    seen.frontchannel_hits = _wait_for_hits(relying_party, before)
    shot("04-rp-logged-out")


def _sign_out_by_the_link(page, shot, seen, ostiary, relying_party):
    """Without script the signed-out page stays, and its link goes back."""
    before = len(relying_party.frontchannel_hits)
    page.click("#logout")
    page.wait_for_url(ostiary.url + "/account/logout?*")
    page.wait_for_load_state("load")  # iframes included
    seen.signed_out_text = page.inner_text("main")
    seen.frame_urls = [frame.url for frame in page.frames if frame != page.main_frame]
    seen.frontchannel_hits = _wait_for_hits(relying_party, before)
    shot("04-signed-out")
    page.click("#post-logout")
    page.wait_for_url(relying_party.url + "/logged-out?*")
    seen.logged_out_url, seen.logged_out_text = page.url, page.inner_text("main")
    shot("05-rp-logged-out")


def _walk(browser, ostiary, relying_party, directory, sign_out, **options) -> Journey:
    seen = Journey()
    directory.mkdir(parents=True, exist_ok=True)
    context = new_context(browser, **options)
    page = context.new_page()

    def shot(name):
        path = directory / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        seen.screenshots.append(path)

    try:
        _sign_in(page, shot, seen, ostiary, relying_party)
        sign_out(page, shot, seen, ostiary, relying_party)
        page.goto(relying_party.url + "/")
        seen.home_after_text = page.inner_text("main")
    except Exception as exc:
        shot("failure")
        raise AssertionError(f"the walk stopped at {page.url}: {page.inner_text('body')[:500]!r}") from exc
    finally:
        context.close()
    return seen


@pytest.fixture(scope="module")
def journey(browser, ostiary, relying_party, artifacts) -> Journey:
    return _walk(browser, ostiary, relying_party, artifacts, _sign_out_returning_by_itself)


@pytest.fixture(scope="module")
def journey_without_script(journey, browser, ostiary, relying_party, artifacts) -> Journey:
    """A second walk, after ``journey``, in a browser with JavaScript off."""
    return _walk(
        browser, ostiary, relying_party, artifacts / "without-script", _sign_out_by_the_link, java_script_enabled=False
    )


def test_relying_party_sends_the_browser_to_the_login_page_naming_it(journey):
    assert "Sign in" in journey.login_text
    assert "Browser test application" in journey.login_text


def test_consent_page_lists_the_requested_scopes(journey):
    assert "Browser test application asks for access" in journey.consent_text
    assert {"profile", "email"} <= set(journey.consent_scopes)


def test_relying_party_greets_alice_after_the_code_flow(journey):
    assert "Hello Alice Liddell" in journey.hello_text


def test_without_script_the_signed_out_page_stays_and_links_back(journey_without_script):
    assert "You are signed out" in journey_without_script.signed_out_text
    assert "Return to Browser test application" in journey_without_script.signed_out_text


def test_without_script_the_front_channel_logout_still_loads(journey_without_script, relying_party):
    assert any(url.startswith(relying_party.url + "/fc?") for url in journey_without_script.frame_urls)
    assert journey_without_script.frontchannel_hits[0]["sid"] == journey_without_script.sid


def test_without_script_the_link_returns_to_the_relying_party_with_its_state(journey_without_script):
    assert "You have left the application" in journey_without_script.logged_out_text
    assert re.search(r"[?&]state=bye-[0-9a-f]{8}(&|$)", journey_without_script.logged_out_url)
    assert "Not signed in" in journey_without_script.home_after_text


def test_signed_out_page_allows_frames_from_the_client_origin_only(journey, relying_party):
    directives = dict(d.strip().split(" ", 1) for d in journey.signed_out_csp.split(";"))
    assert directives["frame-src"] == relying_party.url


def test_browser_loads_the_front_channel_logout_iframe(journey, relying_party):
    assert any(url.startswith(relying_party.url + "/fc?") for url in journey.frame_urls)
    assert len(journey.frontchannel_hits) == 1


def test_front_channel_logout_carries_the_issuer_and_the_session_id(journey, ostiary):
    hit = journey.frontchannel_hits[0]
    assert hit["iss"] == ostiary.url
    assert hit["sid"] == journey.sid


def test_front_channel_logout_ends_the_relying_partys_session(journey):
    assert "Not signed in" in journey.home_after_text


def test_the_browser_returns_to_the_relying_party_by_itself_with_its_state(journey):
    assert "You have left the application" in journey.logged_out_text
    assert re.search(r"[?&]state=bye-[0-9a-f]{8}(&|$)", journey.logged_out_url)


def test_the_browser_returns_only_after_the_front_channel_logout_loaded(journey):
    assert journey.hits_when_back == 1


def test_the_frame_receipts_reach_the_server_though_the_browser_returned_at_once(
    journey, journey_without_script, ostiary
):
    """The frame's report is recorded though the page left for the relying
    party right after the frames loaded (the report also goes with
    ``keepalive`` so that leaving cannot cancel it; this walk does not show
    that it is needed). The walk without script could not report: the
    operator sees it as not reported."""
    from ostiary.administration.deliveries import frame_rows
    from ostiary.testing import transaction_root

    deadline = time.monotonic() + 5
    while True:
        with transaction_root(ostiary.app) as root:
            rows = frame_rows(root.outbox, "browser-rp")
        if (rows and rows[0]["loaded"]) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    counts = [(row["loaded"], row["blocked"], row["unconfirmed"], row["not_reported"]) for row in rows]
    assert counts == [(1, 0, 0, 1)]


def test_a_screenshot_of_every_page_is_kept(journey):
    names = [path.name for path in journey.screenshots]
    assert names == ["01-login.png", "02-consent.png", "03-rp-signed-in.png", "04-rp-logged-out.png"]
    assert all(path.stat().st_size > 1000 for path in journey.screenshots)
