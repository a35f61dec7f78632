"""The development gallery (``/_gallery``) in a real Chromium, in every
installed theme: a screenshot of every page state, kept in
``test-artifacts/browser/gallery/<theme>/``, and an axe-core scan of the
login, consent, error and logout states that finds nothing serious or
critical. Both in the default language, to keep the run short: the gallery
offers every state in every language (``?lang=``) for a person to look at.

Each theme gets its own Ostiary in development mode (the gallery exists
only there). The gallery's CSP (``script-src 'none'``) refuses an injected
script, so the scan, and only the scan, uses a ``bypass_csp=True`` context.
"""

from __future__ import annotations

import json

import pytest
from axe_scan import blocking, describe, scan
from browser_env import new_context
from live_server import LiveServer

from ostiary.themes import installed_themes

THEMES = sorted(installed_themes())
#: The gallery states the accessibility scan covers (by name prefix).
SCANNED = ("login", "consent", "error", "logout", "signed-out", "signin-step")
VIEWPORT = {"width": 1024, "height": 900}  # tall enough for most states: a cheap screenshot


@pytest.fixture(scope="module", params=THEMES)
def gallery(request, tmp_path_factory):
    """(theme, Ostiary in development mode with that theme)."""
    theme = request.param
    with LiveServer(
        tmp_path_factory.mktemp("gallery-" + theme), **{"ostiary.development": "true", "ostiary.theme": theme}
    ) as live:
        yield theme, live


@pytest.fixture(scope="module")
def gallery_index(gallery, browser) -> dict:
    """The gallery index as the browser sees it: its state links (default
    language) and its languages."""
    _, live = gallery
    context = new_context(browser, **VIEWPORT)
    try:
        page = context.new_page()
        page.goto(live.url + "/_gallery")
        states = page.eval_on_selector_all("table.gallery th[scope=row] a", "els => els.map(e => e.href)")
        languages = page.eval_on_selector_all("table.gallery thead th[scope=col]", "els => els.map(e => e.innerText)")
    finally:
        context.close()
    return {"states": states, "languages": languages[1:]}


def _state(url: str) -> str:
    """``http://.../_gallery/login-error`` -> "login-error"."""
    return url.split("/_gallery/", 1)[1]


@pytest.fixture(scope="module")
def gallery_shots(gallery, gallery_index, browser, artifacts) -> dict:
    """Screenshot every gallery page: state -> (HTTP status, path)."""
    theme, _ = gallery
    folder = artifacts / "gallery" / theme
    folder.mkdir(parents=True, exist_ok=True)
    shots = {}
    context = new_context(browser, **VIEWPORT)
    try:
        page = context.new_page()
        for url in gallery_index["states"]:
            name = _state(url)
            response = page.goto(url)
            path = folder / f"{name.replace('/', '_')}.png"
            taller = page.evaluate("document.documentElement.scrollHeight") > VIEWPORT["height"]
            page.screenshot(path=str(path), full_page=taller)
            shots[name] = (response.status, path)
    finally:
        context.close()
    return shots


@pytest.fixture(scope="module")
def gallery_scans(gallery, gallery_index, browser, axe_js, artifacts) -> dict:
    """axe-core on the login, consent, error and logout states: state -> result."""
    theme, _ = gallery
    results = {}
    context = new_context(browser, **VIEWPORT, bypass_csp=True)
    try:
        page = context.new_page()
        for url in gallery_index["states"]:
            name = _state(url)
            if name.startswith(SCANNED):
                page.goto(url)
                results[name] = scan(page, axe_js)
    finally:
        context.close()
    (artifacts / "gallery" / f"axe-{theme}.json").write_text(json.dumps(results, indent=2))
    return results


def test_the_gallery_lists_the_pages_people_see_in_every_language(gallery_index):
    assert {"login", "consent", "error", "logout", "signed-out"} <= set(map(_state, gallery_index["states"]))
    assert len(gallery_index["languages"]) >= 2


def test_every_gallery_page_renders_and_is_kept_as_a_screenshot(gallery_shots, gallery_index):
    assert len(gallery_shots) == len(gallery_index["states"])
    broken = {state: status for state, (status, _) in gallery_shots.items() if status != 200}
    assert not broken
    assert all(path.stat().st_size > 1000 for _, path in gallery_shots.values())


def test_gallery_pages_have_no_serious_or_critical_accessibility_violations(gallery_scans):
    assert gallery_scans and all(result["passes"] > 0 for result in gallery_scans.values())
    found = {state: blocking(result) for state, result in gallery_scans.items()}
    report = "\n".join(f"{state}:\n{describe(violations)}" for state, violations in found.items() if violations)
    assert not report, "axe-core found:\n" + report
