"""A person in a real Chromium signs in to a relying party through Ostiary,
consents, and signs out again, with the front-channel logout iframe loaded
by the browser itself.

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
    logged_out_url: str = ""
    logged_out_text: str = ""
    home_after_text: str = ""
    screenshots: list = field(default_factory=list)


def _wait_for_hits(relying_party, timeout=10.0) -> list:
    deadline = time.monotonic() + timeout
    while not relying_party.frontchannel_hits and time.monotonic() < deadline:
        time.sleep(0.05)
    return list(relying_party.frontchannel_hits)


@pytest.fixture(scope="module")
def journey(browser, ostiary, relying_party, artifacts) -> Journey:
    seen = Journey()
    context = new_context(browser)
    page = context.new_page()

    def shot(name):
        path = artifacts / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        seen.screenshots.append(path)

    try:
        # The relying party sends the browser to authorize; no session yet: the login page.
        page.goto(relying_party.url + "/login")
        page.wait_for_url(ostiary.url + "/account/login?*")
        seen.login_url, seen.login_text = page.url, page.inner_text("main")
        shot("01-login")
        page.fill("#username", "alice")
        page.fill("#password", "alice-password")
        page.click("button[value=login]")

        page.wait_for_url(ostiary.url + "/consent?*")
        seen.consent_text = page.inner_text("main")
        seen.consent_scopes = page.eval_on_selector_all("input[type=checkbox][name=scope]", "els => els.map(e => e.value)")
        shot("02-consent")
        page.click("button[value=allow]")

        page.wait_for_url(relying_party.url + "/")
        page.wait_for_selector("#hello")
        seen.hello_text = page.inner_text("main")
        seen.sid = next(s["claims"]["sid"] for s in relying_party.sessions.values() if "claims" in s)
        shot("03-rp-signed-in")

        # Sign out: the relying party sends id_token_hint, so no confirmation is asked.
        with page.expect_response(re.compile(re.escape(ostiary.url) + r"/account/logout\?")) as signed_out:
            page.click("#logout")
        seen.signed_out_csp = signed_out.value.headers.get("content-security-policy", "")
        page.wait_for_load_state("load")  # iframes included
        seen.signed_out_text = page.inner_text("main")
        seen.frame_urls = [frame.url for frame in page.frames if frame != page.main_frame]
        seen.frontchannel_hits = _wait_for_hits(relying_party)
        shot("04-signed-out")

        page.click("#post-logout")
        page.wait_for_url(relying_party.url + "/logged-out?*")
        seen.logged_out_url, seen.logged_out_text = page.url, page.inner_text("main")
        shot("05-rp-logged-out")

        page.goto(relying_party.url + "/")
        seen.home_after_text = page.inner_text("main")
    except Exception as exc:
        shot("failure")
        raise AssertionError(f"the walk stopped at {page.url}: {page.inner_text('body')[:500]!r}") from exc
    finally:
        context.close()
    return seen


def test_relying_party_sends_the_browser_to_the_login_page_naming_it(journey):
    assert "Sign in" in journey.login_text
    assert "Browser test application" in journey.login_text


def test_consent_page_lists_the_requested_scopes(journey):
    assert "Browser test application asks for access" in journey.consent_text
    assert {"profile", "email"} <= set(journey.consent_scopes)


def test_relying_party_greets_alice_after_the_code_flow(journey):
    assert "Hello Alice Liddell" in journey.hello_text


def test_signed_out_page_tells_the_person_they_are_signed_out(journey):
    assert "You are signed out" in journey.signed_out_text
    assert "Return to Browser test application" in journey.signed_out_text


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


def test_post_logout_link_returns_to_the_relying_party_with_its_state(journey):
    assert "You have left the application" in journey.logged_out_text
    assert re.search(r"[?&]state=bye-[0-9a-f]{8}(&|$)", journey.logged_out_url)


def test_a_screenshot_of_every_page_is_kept(journey):
    names = [path.name for path in journey.screenshots]
    assert names == ["01-login.png", "02-consent.png", "03-rp-signed-in.png", "04-signed-out.png",
                     "05-rp-logged-out.png"]
    assert all(path.stat().st_size > 1000 for path in journey.screenshots)
