"""The theme gallery: every page state with sample data, in development mode only."""

import re

import pytest
from signed_out_kit import frame_urls, frame_wrappers

from ostiary.hookspecs import hookimpl

CORE_STATES = {
    "login",
    "login-error",
    "login-for-client",
    "login-extra-field",
    "consent",
    "consent-optional-unchecked-error",
    "logout",
    "signed-out",
    "signed-out-no-session",
    "error",
    "error-with-detail",
    "grants",
    "grants-empty",
    "home-signed-in",
    "form-post",
}


class GalleryPlugin:
    @hookimpl
    def ostiary_gallery_pages(self, request):
        return [
            (
                "sample/notice",
                "ostiary_theme_default:templates/error.pt",
                {"error": "sample_error", "error_id": None, "message": "A plugin's sample state", "description": None},
            )
        ]


@pytest.fixture
def development(ostiary_settings):
    ostiary_settings["ostiary.development"] = "true"


@pytest.fixture
def ostiary_plugins():
    return [("gallery_sample", GalleryPlugin())]


def links(page) -> set[str]:
    return set(re.findall(r'href="/_gallery/([^"?]+)"', page.text))


def test_there_is_no_gallery_outside_development_mode(app):
    assert app.get("/_gallery", status=404)
    assert app.get("/_gallery/login", status=404)


def test_the_index_lists_every_core_state_and_the_plugins_pages(development, app):
    index = app.get("/_gallery")
    assert CORE_STATES | {"sample/notice"} <= links(index)
    assert 'href="/_gallery/login?lang=de"' in index.text


def test_every_listed_state_renders_with_its_sample_data(development, app):
    for name in links(app.get("/_gallery")):
        page = app.get(f"/_gallery/{name}")
        assert page.status_int == 200 and "<main" in page.text, name


def test_a_plugin_contributes_its_pages(development, app):
    assert "A plugin's sample state" in app.get("/_gallery/sample/notice").text


def test_the_login_error_state_ties_the_message_to_the_fields(development, app):
    page = app.get("/_gallery/login-error")
    assert 'id="login-error" class="alert" role="alert"' in page.text
    assert page.text.count('aria-describedby="login-error"') == 2


def test_the_signed_out_state_loads_front_channel_frames_the_csp_allows(development, app):
    page = app.get("/_gallery/signed-out")
    frames = frame_urls(page.html)
    assert len(frames) == 2
    assert all(
        w.get_attribute_list("sandbox") == ["allow-same-origin", "allow-scripts"] for w in frame_wrappers(page.html)
    )
    policy = page.headers["Content-Security-Policy"]
    assert "frame-src 'self'" in policy and "default-src 'self'" in policy and "object-src" not in policy
    assert app.get(frames[0]).content_type == "text/plain"


def test_sample_forms_and_scripts_cannot_leave_the_gallery(development, app):
    policy = app.get("/_gallery/form-post").headers["Content-Security-Policy"]
    assert "script-src 'none'" in policy and "form-action 'none'" in policy


def test_a_state_is_shown_in_the_language_asked_for(development, app):
    page = app.get("/_gallery/consent", params={"lang": "de"})
    assert '<html\n      lang="de">' in page.text or 'lang="de"' in page.text
    assert "Erlauben" in page.text


def test_an_unknown_state_is_not_found(development, app):
    app.get("/_gallery/no-such-state", status=404)
