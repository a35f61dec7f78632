"""Rendering pages through the theme.

Templates are named by asset specification in the default theme; the
selected theme overrides them file by file (see ``ostiary.themes``), so a
page rendered here picks up the theme's version when there is one.
"""

from __future__ import annotations

from pyramid.renderers import render_to_response

DEFAULT_THEME_PACKAGE = "ostiary_theme_default"


def template(name: str) -> str:
    """The asset specification of a template: a core template's file name
    (``"login.pt"``) or a full specification (``"my_plugin:templates/x.pt"``),
    which is used as it is."""
    return name if ":" in name else f"{DEFAULT_THEME_PACKAGE}:templates/{name}"


def render_page(request, name: str, values: dict, status: int = 200, cache: bool = False):
    """Render template ``name`` (see :func:`template`) through the theme; pages
    are not cached unless asked, since most carry a form, a CSRF token or
    personal data."""
    response = render_to_response(template(name), values, request=request)
    response.status = status
    if not cache:
        response.headers["Cache-Control"] = "no-store"
    return response
