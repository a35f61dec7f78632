"""Branding from the ini: product name, logo, accent colour, footer link."""

import re

import pytest

from ostiary import SettingsError, main
from ostiary.branding import contrast, stylesheet


@pytest.fixture
def branded(ostiary_settings):
    ostiary_settings.update(
        {
            "ostiary.product_name": "Acme ID",
            "ostiary.logo_url": "https://static.acme.example/logo.svg",
            "ostiary.accent_colour": "#0b7a3e",
            "ostiary.footer_link_url": "https://acme.example/privacy",
            "ostiary.footer_link_text": "Privacy",
        }
    )


def test_the_product_name_is_in_the_header_and_the_title(branded, app):
    page = app.get("/account/login")
    assert "<title>Sign in · Acme ID</title>" in page.text
    assert '<span class="brand-name">Acme ID</span>' in page.text


def test_the_logo_is_shown_and_its_origin_allowed_by_the_csp(branded, app):
    page = app.get("/account/login")
    assert 'src="https://static.acme.example/logo.svg"' in page.text
    assert "img-src 'self' data: https://static.acme.example;" in page.headers["Content-Security-Policy"]


def test_the_footer_link_is_on_every_page(branded, app):
    for path in ("/account/login", "/"):
        assert '<a class="footer-link"\n     href="https://acme.example/privacy">Privacy</a>' in app.get(path).text


def test_the_accent_colour_arrives_as_a_stylesheet_the_csp_allows(branded, app):
    page = app.get("/account/login")
    href = re.search(r'href="(/brand\.css\?v=[0-9a-f]+)"', page.text).group(1)
    assert "style-src 'self'" in page.headers["Content-Security-Policy"] and "<style" not in page.text
    css = app.get(href)
    assert css.content_type == "text/css" and "--accent: #0b7a3e;" in css.text
    assert css.cache_control.max_age == 365 * 24 * 3600


def test_without_an_accent_colour_there_is_no_brand_stylesheet(app):
    assert "/brand.css" not in app.get("/account/login").text


def test_a_pale_accent_colour_is_darkened_until_text_is_readable():
    css = stylesheet("#ffe066", None)
    light = re.search(r"--brand-accent-light: (#[0-9a-f]{6})", css).group(1)
    dark = re.search(r"--brand-accent-dark: (#[0-9a-f]{6})", css).group(1)
    assert light != "#ffe066" and contrast(light, "#ffffff") >= 4.5
    assert contrast(dark, "#1f2228") >= 4.5


@pytest.mark.parametrize(
    "key, value, fragment",
    [
        ("ostiary.accent_colour", "green", "CSS hex colour"),
        ("ostiary.accent_colour", "#12345", "CSS hex colour"),
        ("ostiary.logo_url", "javascript:alert(1)", "ostiary.logo_url"),
        ("ostiary.footer_link_url", "https://acme.example/imprint", "set both or neither"),
        ("ostiary.languages", "en german", "ostiary.languages"),
    ],
)
def test_bad_branding_settings_stop_start_up(ostiary_settings, key, value, fragment):
    with pytest.raises(SettingsError, match=fragment):
        main({}, **dict(ostiary_settings, **{key: value}))
