"""Themes: discovery, template lookup with per-file fallback, renderer globals.

A theme is a distribution registered in the ``ostiary.themes`` entry-point
group whose package holds ``templates/`` and ``static/``. Every page names
its template in the default theme (``ostiary_theme_default:templates/x.pt``);
the selected theme overrides the default theme's directories with
``config.override_asset``, and Pyramid falls back to the default theme's
file wherever the theme has none.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from pyramid.events import BeforeRender
from pyramid.renderers import get_renderer

from .interaction.pages import DEFAULT_THEME_PACKAGE, template
from .settings import SettingsError

ENTRY_POINT_GROUP = "ostiary.themes"


def installed_themes() -> dict[str, str]:
    """Map theme names to their package names."""
    return {ep.name: ep.value.split(":")[0] for ep in entry_points(group=ENTRY_POINT_GROUP)}


def add_renderer_globals(event) -> None:
    """Give every template the layout macro and the settings it may show."""
    request = event.get("request")
    event["layout"] = get_renderer(template("layout.pt")).implementation().macros["layout"]
    event["static"] = lambda path: request.static_path(f"{DEFAULT_THEME_PACKAGE}:static/{path}")
    event.setdefault("page_title", "Ostiary")


def includeme(config):
    settings = config.registry.ostiary_settings
    themes = installed_themes()
    if settings.theme not in themes:
        listed = ", ".join(sorted(themes)) or "none"
        raise SettingsError(f"ostiary.theme = {settings.theme!r}: no such theme is installed (installed: {listed})")
    package = themes[settings.theme]
    if package != DEFAULT_THEME_PACKAGE:
        config.override_asset(f"{DEFAULT_THEME_PACKAGE}:templates/", f"{package}:templates/")
        config.override_asset(f"{DEFAULT_THEME_PACKAGE}:static/", f"{package}:static/")
    config.add_static_view("static", f"{DEFAULT_THEME_PACKAGE}:static/", cache_max_age=3600)
    config.add_subscriber(add_renderer_globals, BeforeRender)
