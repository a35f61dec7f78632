"""Themes: discovery, template lookup with per-file fallback, renderer globals.

A theme is a distribution registered in the ``ostiary.themes`` entry-point
group whose package holds ``templates/``, ``static/`` and optionally
``locale/``. Every page names its template in the default theme
(``ostiary_theme_default:templates/login.pt``). The selected theme's
directories are registered as asset overrides of the default theme's, so
Pyramid looks for each file in the selected theme first and falls back to
the default theme's file when the theme has none: a theme may ship one
template, one macro (``templates/macros/<name>.pt``) or just a stylesheet.

Plugin pages take part too. A plugin renders its own templates by asset
specification (``ostiary_registration:templates/register.pt``); for every
enabled plugin whose package has a ``templates/`` directory, a theme's
``templates/plugins/<package>/`` directory overrides it file by file.

Renderer globals every template receives:

``layout``
    the page macro of ``layout.pt``, filled through the slots ``head``,
    ``title``, ``main`` and ``footer``;
``macros``
    the shared macros, one file each in ``templates/macros/``:
    ``macros['field']`` is the macro ``field`` of ``macros/field.pt``;
``static``
    ``static('ostiary.css')``: the fingerprinted URL of a theme static file;
``brand``
    the branding settings (:class:`ostiary.branding.Brand`);
``page_title``
    the page's title, when the view gives none: the product name.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Mapping
from importlib.metadata import entry_points

import pkg_resources
from pyramid.events import BeforeRender, NewResponse
from pyramid.renderers import get_renderer
from pyramid.static import QueryStringCacheBuster

from .i18n import package_locale_dir
from .interaction.pages import DEFAULT_THEME_PACKAGE, template
from .settings import SettingsError

ENTRY_POINT_GROUP = "ostiary.themes"
#: Static files carry a content hash in their URL, so they may be cached long.
STATIC_MAX_AGE = 365 * 24 * 3600
UNVERSIONED_MAX_AGE = 3600


def installed_themes() -> dict[str, str]:
    """Map theme names to their package names."""
    return {ep.name: ep.value.split(":")[0] for ep in entry_points(group=ENTRY_POINT_GROUP)}


def selected_theme_package(settings) -> str:
    """The package of the theme ``ostiary.theme`` names, or a SettingsError
    that lists the installed themes."""
    themes = installed_themes()
    if settings.theme not in themes:
        listed = ", ".join(sorted(themes)) or "none"
        raise SettingsError(f"ostiary.theme = {settings.theme!r}: no such theme is installed (installed: {listed})")
    return themes[settings.theme]


def _package_dir(package_name: str) -> str | None:
    try:
        module = importlib.import_module(package_name)
    except ImportError:
        return None
    return os.path.dirname(module.__file__ or "") or None


def plugin_packages(plugin_manager) -> list[str]:
    """Top-level packages of the registered plugins, in registration order."""
    packages = []
    for _name, plugin in plugin_manager.list_name_plugin():
        if plugin is None:
            continue
        module = plugin.__name__ if hasattr(plugin, "__file__") else type(plugin).__module__
        package = module.split(".")[0]
        if package not in packages and package != "ostiary":
            packages.append(package)
    return packages


class Macros(Mapping):
    """The ``macros`` renderer global: ``macros[name]`` is the macro ``name``
    of ``templates/macros/<name>.pt``, looked up through the theme.

    With ``remember``, each macro is looked up once (a page uses ten or so,
    each lookup a renderer, an asset and a template): for one app's
    registry only, whose overrides are fixed, and only when templates are
    not reloaded, since a reloaded template's macro is a new one."""

    def __init__(self, remember: bool = False):
        self._remembered = {} if remember else None

    def __getitem__(self, name: str):
        remembered = self._remembered
        if remembered is not None and name in remembered:
            return remembered[name]
        try:
            renderer = get_renderer(template(f"macros/{name}.pt"))
            macro = renderer.implementation().macros[name]
        except (ValueError, KeyError):
            raise KeyError(f"no macro {name!r}: expected templates/macros/{name}.pt defining it") from None
        if remembered is not None:
            remembered[name] = macro
        return macro

    def __iter__(self):
        directory = pkg_resources.resource_filename(DEFAULT_THEME_PACKAGE, "templates/macros")
        return (name[:-3] for name in sorted(os.listdir(directory)) if name.endswith(".pt"))

    def __len__(self):
        return sum(1 for _ in self)


MACROS = Macros()


class ContentHashCacheBuster(QueryStringCacheBuster):
    """Adds ``?v=<hash of the file's content>`` to static URLs; the hash is
    recomputed when the file changes (development edits, a theme upgrade)."""

    def __init__(self):
        super().__init__(param="v")
        self._hashes = {}
        # Where each static path's file is: the theme's overrides are fixed
        # once the app is configured, and asking pkg_resources (through
        # them) took 30 µs a URL, four URLs a page. The file itself is
        # still looked at every time (os.stat), so an edit shows at once.
        self._filenames = {}

    def tokenize(self, request, subpath, kw):
        try:
            filename = self._filenames.get(subpath)
            if filename is None:
                filename = self._filenames[subpath] = pkg_resources.resource_filename(
                    DEFAULT_THEME_PACKAGE, "static/" + subpath
                )
            stat = os.stat(filename)
        except (OSError, ValueError):
            return "missing"
        key = (filename, stat.st_mtime_ns, stat.st_size)
        token = self._hashes.get(key)
        if token is None:
            with open(filename, "rb") as handle:
                token = self._hashes[key] = hashlib.sha256(handle.read()).hexdigest()[:12]
        return token


def _templates_fixed(registry) -> bool:
    """Whether this app's templates stay as compiled at start-up (neither
    ``pyramid.reload_templates`` nor ``pyramid.reload_assets``)."""
    settings = registry.settings or {}
    return not (settings.get("reload_templates") or settings.get("reload_assets"))


def _layout(registry):
    layout = getattr(registry, "ostiary_layout_macro", None)
    if layout is None:
        layout = get_renderer(template("layout.pt")).implementation().macros["layout"]
        if _templates_fixed(registry):
            registry.ostiary_layout_macro = layout
    return layout


def add_renderer_globals(event) -> None:
    """Give every template the layout, the macros, static URLs and the brand."""
    request = event.get("request")
    registry = request.registry if request is not None else None
    if registry is not None and getattr(registry, "ostiary_macros", None) is not None:
        event["layout"] = _layout(registry)
        event["macros"] = registry.ostiary_macros
    else:
        event["layout"] = get_renderer(template("layout.pt")).implementation().macros["layout"]
        event["macros"] = MACROS
    brand = request.registry.ostiary_brand if request is not None else None
    event["brand"] = brand
    if request is not None:
        event["static"] = lambda path: request.static_path(f"{DEFAULT_THEME_PACKAGE}:static/{path}")
    event.setdefault("page_title", brand.product_name if brand else "Ostiary")


def cache_static_files(event) -> None:
    """Subscriber: a static file asked for by its fingerprinted URL (``?v=``)
    never changes, so browsers may keep it a year; without the fingerprint
    (a ``url()`` inside a stylesheet) an hour."""
    request, response = event.request, event.response
    route = getattr(request, "matched_route", None)
    if route is None or route.name != "__static/" or response.status_int != 200:
        return
    if "v" in request.GET:
        response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}, immutable"
    elif "Cache-Control" in response.headers:
        response.headers["Cache-Control"] = f"public, max-age={UNVERSIONED_MAX_AGE}"
        response.headers.pop("Expires", None)


def add_doctype(event) -> None:
    """Subscriber: a page rendered through the ``layout`` macro starts at
    ``<html>``, since Chameleon leaves the macro file's doctype behind; put
    ``<!DOCTYPE html>`` back so that browsers use standards mode."""
    response = event.response
    if response.content_type == "text/html" and response.app_iter is not None:
        body = response.body
        if body[:5].lower() == b"<html":
            response.body = b"<!DOCTYPE html>\n" + body


def _override_templates(config, theme_packages, plugin_manager) -> None:
    """Look in the selected theme, then the default theme, then the original
    files: ``override_asset`` puts each newer override in front of the older."""
    for package in theme_packages:
        config.override_asset(f"{DEFAULT_THEME_PACKAGE}:templates/", f"{package}:templates/")
        config.override_asset(f"{DEFAULT_THEME_PACKAGE}:static/", f"{package}:static/")
    for plugin_package in plugin_packages(plugin_manager):
        directory = _package_dir(plugin_package)
        if directory is None or not os.path.isdir(os.path.join(directory, "templates")):
            continue
        for package in (DEFAULT_THEME_PACKAGE, *theme_packages):
            config.override_asset(f"{plugin_package}:templates/", f"{package}:templates/plugins/{plugin_package}/")


def _add_translations(config, theme_package, plugin_manager) -> None:
    for package in dict.fromkeys((*plugin_packages(plugin_manager), DEFAULT_THEME_PACKAGE, theme_package)):
        spec = package_locale_dir(package)
        if spec is not None:
            config.add_translation_dirs(spec)


def _template_specs(registry):
    """The asset specification of every template a page may render: the
    default theme's files and each enabled plugin's ``templates/``
    (overrides by the selected theme resolve through the same names)."""
    packages = [DEFAULT_THEME_PACKAGE, *plugin_packages(registry.ostiary_plugins)]
    for package in packages:
        directory = _package_dir(package)
        if directory is None:
            continue
        root = os.path.join(directory, "templates")
        for folder, _dirs, files in os.walk(root):
            for name in sorted(files):
                if name.endswith(".pt"):
                    relative = os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
                    yield f"{package}:templates/{relative}"


def compile_templates(registry) -> int:
    """Compile every template now, before any request thread renders one.

    Chameleon compiles a template the first time it renders, and two
    threads compiling at once is not safe on this Python: a freshly started
    granian worker under concurrent first requests answered 500 now and then
    (``SystemError: AST constructor recursion depth mismatch``). Compiled
    here, in the one thread that builds the app, a request only runs code.
    With ``pyramid.reload_templates`` an edited file is still compiled again
    on its next use, which is what development wants. Returns how many
    templates were compiled.
    """
    from pyramid.threadlocal import manager

    count = 0
    # Asset overrides (the selected theme's files) are looked up through the
    # current registry: make it this app's while the names are resolved.
    manager.push({"registry": registry, "request": None})
    try:
        for spec in _template_specs(registry):
            get_renderer(spec, registry=registry).implementation().cook_check()
            count += 1
    finally:
        manager.pop()
    return count


def includeme(config):
    registry = config.registry
    settings = registry.ostiary_settings
    package = selected_theme_package(settings)
    registry.ostiary_theme_package = package
    plugins = registry.ostiary_plugins
    config.include(".i18n")
    config.include(".branding")
    config.include(".gallery")
    _override_templates(config, [package] if package != DEFAULT_THEME_PACKAGE else [], plugins)
    _add_translations(config, package, plugins)
    config.add_static_view("static", f"{DEFAULT_THEME_PACKAGE}:static/", cache_max_age=STATIC_MAX_AGE)
    config.add_cache_buster(f"{DEFAULT_THEME_PACKAGE}:static/", ContentHashCacheBuster())
    registry.ostiary_macros = Macros(remember=_templates_fixed(registry))
    config.add_subscriber(add_renderer_globals, BeforeRender)
    config.add_subscriber(add_doctype, NewResponse)
    config.add_subscriber(cache_static_files, NewResponse)
