"""Branding without a theme: product name, logo, accent colour, footer link.

The settings (``ostiary.product_name``, ``ostiary.logo_url``,
``ostiary.accent_colour``, ``ostiary.accent_colour_dark``,
``ostiary.footer_link_url``, ``ostiary.footer_link_text``) become the
``brand`` renderer global. The accent colour reaches the pages as a small
generated stylesheet, ``/brand.css?v=<hash>``, linked after the theme's
stylesheets: the Content Security Policy (``style-src 'self'``) allows no
inline style. The stylesheet sets the custom properties ``--accent`` and
``--accent-fg`` (text on an accent background) for light and dark mode,
and ``--brand-accent-light`` / ``--brand-accent-dark`` for themes that
choose their own scheme.

A colour too pale (or, in dark mode, too dark) for readable text is moved
towards black (white) until it reaches a contrast ratio of 4.5:1 against
the default theme's card background, and the adjustment is logged.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from urllib.parse import urlsplit

from pyramid.response import Response

log = logging.getLogger(__name__)

LIGHT_BACKGROUND = "#ffffff"
DARK_BACKGROUND = "#1f2228"
MIN_CONTRAST = 4.5
MAX_AGE = 365 * 24 * 3600


def _channels(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""

    def linear(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _mix(colour: str, towards: str, share: float) -> str:
    mixed = (round((c + (t - c) * share) * 255) for c, t in zip(_channels(colour), _channels(towards), strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def readable_on(colour: str, background: str) -> str:
    """``colour``, or the nearest mix of it towards black or white (whichever
    moves away from ``background``) that is readable on ``background``."""
    target = "#000000" if luminance(background) > 0.5 else "#ffffff"
    for step in range(0, 21):
        candidate = _mix(colour, target, step / 20)
        if contrast(candidate, background) >= MIN_CONTRAST:
            return candidate
    return target


def text_on(colour: str) -> str:
    """Black or white, whichever reads better on ``colour``."""
    return "#ffffff" if contrast("#ffffff", colour) >= contrast("#111111", colour) else "#111111"


@dataclasses.dataclass(frozen=True)
class Brand:
    """The ``brand`` renderer global."""

    product_name: str
    logo_url: str | None
    footer_link_url: str | None
    footer_link_text: str | None
    stylesheet: str | None  # the generated CSS, None without an accent colour
    version: str

    @property
    def logo_origin(self) -> str | None:
        """Origin of an absolute logo URL (for the CSP), None for a local path."""
        if not self.logo_url or self.logo_url.startswith("/"):
            return None
        parts = urlsplit(self.logo_url)
        return f"{parts.scheme}://{parts.netloc}"


def _accent(colour: str, background: str, setting: str) -> str:
    accent = readable_on(colour, background)
    if accent != colour:
        log.warning("%s = %s is hard to read on %s; using %s", setting, colour, background, accent)
    return accent


def stylesheet(light: str | None, dark: str | None) -> str | None:
    """The brand stylesheet for the accent colours, None when none is set."""
    if not light and not dark:
        return None
    light = _accent(light or dark, LIGHT_BACKGROUND, "ostiary.accent_colour")
    dark = _accent(dark or light, DARK_BACKGROUND, "ostiary.accent_colour_dark")
    return "\n".join(
        (
            "/* Generated from ostiary.accent_colour. */",
            f":root {{ --brand-accent-light: {light}; --brand-accent-dark: {dark};",
            f"  --accent: {light}; --accent-fg: {text_on(light)}; }}",
            "@media (prefers-color-scheme: dark) {",
            f"  :root {{ --accent: {dark}; --accent-fg: {text_on(dark)}; }}",
            "}",
            "",
        )
    )


def brand_from_settings(settings) -> Brand:
    css = stylesheet(settings.accent_colour, settings.accent_colour_dark)
    return Brand(
        product_name=settings.product_name or "Ostiary",
        logo_url=settings.logo_url,
        footer_link_url=settings.footer_link_url,
        footer_link_text=settings.footer_link_text,
        stylesheet=css,
        version=hashlib.sha256((css or "").encode()).hexdigest()[:12],
    )


def brand_stylesheet_url(request) -> str | None:
    """Request method ``request.brand_stylesheet_url``."""
    brand = request.registry.ostiary_brand
    if brand.stylesheet is None:
        return None
    return request.route_path("brand_css", _query={"v": brand.version})


def brand_css(request):
    """``GET /brand.css``: the accent colours as custom properties."""
    brand = request.registry.ostiary_brand
    response = Response(brand.stylesheet or "", content_type="text/css", charset="utf-8")
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response


def includeme(config):
    registry = config.registry
    registry.ostiary_brand = brand_from_settings(registry.ostiary_settings)
    config.add_route("brand_css", "/brand.css")
    config.add_view(brand_css, route_name="brand_css", request_method=("GET", "HEAD"))
    config.add_request_method(brand_stylesheet_url, "brand_stylesheet_url", reify=True)
