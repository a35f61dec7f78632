"""Themes: selection, per-file fallback to the default theme, plugin pages,
static files, and every page rendering in every installed theme."""

import hashlib
import os
import re
import time
from importlib.metadata import entry_points

import pytest
import webtest
from theme_kit import PAGE, install_package, install_theme, normalise, unique

from ostiary import SettingsError, main
from ostiary.testing import DEMO, close_app, load_data
from ostiary.themes import installed_themes

DEFAULT_STATIC = "ostiary_theme_default/static"


@pytest.fixture
def build(ostiary_settings, tmp_path):
    """``build(**settings)``: a WebTest app (development mode, demo data)."""
    apps = []

    def make(plugins=(), **extra):
        settings = dict(ostiary_settings, **{"ostiary.development": "true"})
        settings["zodbconn.uri"] = settings["zodbconn.uri"].replace("Data.fs", f"Data{len(apps)}.fs")
        settings.update(extra)
        settings["ostiary_testing_plugins"] = list(plugins)
        app = main({}, **settings)
        apps.append(app)
        load_data(app, DEMO)
        return webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})

    yield make
    for app in apps:
        close_app(app)


def gallery_names(app) -> list[str]:
    index = app.get("/_gallery")
    return sorted(set(re.findall(r'href="/_gallery/([^"?]+)"', index.text)) - {"frame"})


def pages(app) -> dict[str, str]:
    return {name: normalise(app.get(f"/_gallery/{name}").text) for name in gallery_names(app)}


def test_an_unknown_theme_stops_start_up_naming_the_installed_ones(ostiary_settings):
    with pytest.raises(SettingsError) as excinfo:
        main({}, **dict(ostiary_settings, **{"ostiary.theme": "chartreuse"}))
    message = str(excinfo.value)
    assert "ostiary.theme = 'chartreuse'" in message
    for name in installed_themes():
        assert name in message


def test_a_theme_that_overrides_one_template_changes_that_page_and_no_other(build, monkeypatch, tmp_path):
    theme = install_theme(
        monkeypatch, tmp_path, "onlylogin", {"templates/login.pt": PAGE.format(marker="Custom sign-in")}
    )
    default, themed = pages(build()), pages(build(**{"ostiary.theme": theme}))
    assert default.keys() == themed.keys()
    changed = {name for name in default if default[name] != themed[name]}
    assert changed == {name for name in default if name.startswith("login")}
    assert "Custom sign-in" in themed["login"]


def test_a_theme_that_overrides_one_macro_changes_it_everywhere_and_nothing_else(build, monkeypatch, tmp_path):
    footer = '<tal:f metal:define-macro="site_footer"><span class="x">Acme Corp</span></tal:f>'
    theme = install_theme(monkeypatch, tmp_path, "footer", {"templates/macros/site_footer.pt": footer})
    default, themed = pages(build()), pages(build(**{"ostiary.theme": theme}))
    for name in default:
        assert "Acme Corp" in themed[name] and "Powered by Ostiary" not in themed[name]
        without_footer = themed[name].replace('<span class="x">Acme Corp</span>', "")
        assert re.sub(r"<footer.*</footer>", "", without_footer, flags=re.S) == re.sub(
            r"<footer.*</footer>", "", default[name], flags=re.S
        )


def test_a_theme_can_replace_the_layout(build, monkeypatch, tmp_path):
    layout = """<html metal:define-macro="layout" lang="${request.locale_name}"><body class="acme">
      <metal:main define-slot="main"></metal:main></body></html>"""
    theme = install_theme(monkeypatch, tmp_path, "layout", {"templates/layout.pt": layout})
    app = build(**{"ostiary.theme": theme})
    for path in ("/account/login", "/_gallery/consent", "/_gallery/error"):
        page = app.get(path)
        assert '<body class="acme">' in page.text
        assert "site-header" not in page.text


def test_a_theme_with_only_a_stylesheet_serves_it_and_falls_back_for_the_rest(build, monkeypatch, tmp_path):
    theme = install_theme(monkeypatch, tmp_path, "cssonly", {"static/theme.css": ":root { --accent: #7a1fa2; }"})
    app = build(**{"ostiary.theme": theme})
    page = app.get("/account/login")
    theme_css = app.get(re.search(r'href="(/static/theme\.css[^"]*)"', page.text).group(1))
    assert theme_css.text == ":root { --accent: #7a1fa2; }"
    base_css = app.get(re.search(r'href="(/static/ostiary\.css[^"]*)"', page.text).group(1))
    assert "--accent: #2456a6" in base_css.text  # the default theme's


def test_static_urls_carry_a_hash_of_the_content_and_are_cached_for_a_year(app, monkeypatch):
    import ostiary_theme_default

    page = app.get("/account/login")
    url = re.search(r'href="(/static/ostiary\.css\?v=([0-9a-f]+))"', page.text)
    with open(ostiary_theme_default.__path__[0] + "/static/ostiary.css", "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest().startswith(url.group(2))
    response = app.get(url.group(1))
    assert response.cache_control.max_age == 365 * 24 * 3600 and "immutable" in response.headers["Cache-Control"]
    assert app.get("/static/ostiary.css").cache_control.max_age == 3600  # no fingerprint, no promise
    assert "https://" not in page.text and "//cdn" not in page.text  # nothing from elsewhere


def test_an_edited_macro_shows_at_once_when_templates_are_reloaded(build, monkeypatch, tmp_path):
    """Macros are looked up once per app, except with
    ``pyramid.reload_templates`` (development), where an edit shows on the
    next page as before."""
    footer = '<tal:f metal:define-macro="site_footer"><span class="x">{}</span></tal:f>'
    theme = install_theme(monkeypatch, tmp_path, "editing", {"templates/macros/site_footer.pt": footer.format("One")})
    app = build(**{"ostiary.theme": theme, "pyramid.reload_templates": "true"})
    assert "One" in app.get("/account/login").text
    path = tmp_path / "site" / f"ostiary_theme_{theme}" / "templates" / "macros" / "site_footer.pt"
    path.write_text(footer.format("Two"))
    os.utime(path, (time.time() + 5, time.time() + 5))  # a later mtime, however coarse the clock
    assert "Two" in app.get("/account/login").text


def test_a_static_files_url_changes_with_its_content(build, monkeypatch, tmp_path):
    """Where the file lies is looked up once; its content is looked at every time."""
    theme = install_theme(monkeypatch, tmp_path, "restyled", {"static/theme.css": ":root { --accent: #111; }"})
    app = build(**{"ostiary.theme": theme})

    def theme_css_url() -> str:
        return re.search(r'href="(/static/theme\.css[^"]*)"', app.get("/account/login").text).group(1)

    first = theme_css_url()
    path = tmp_path / "site" / f"ostiary_theme_{theme}" / "static" / "theme.css"
    path.write_text(":root { --accent: #222222; }")
    second = theme_css_url()
    assert first != second and app.get(second).text == ":root { --accent: #222222; }"


PLUGIN = """
from pyramid.renderers import render_to_response
from ostiary.hookspecs import hookimpl

def page(request):
    return render_to_response("{package}:templates/page.pt", {{}}, request=request)

@hookimpl
def ostiary_configure(config):
    config.add_route("plugin_page", "/plugin-page")
    config.add_view(page, route_name="plugin_page")
"""


def test_a_theme_restyles_a_plugin_page_from_templates_plugins(build, monkeypatch, tmp_path):
    package = unique("ostiary_sample_plugin")
    plugin = install_package(
        monkeypatch,
        tmp_path / "plugin",
        package,
        {
            "__init__.py": PLUGIN.format(package=package),
            "templates/page.pt": PAGE.format(marker="The plugin's own page"),
        },
    )
    theme = install_theme(
        monkeypatch,
        tmp_path,
        "plugins",
        {
            f"templates/plugins/{package}/page.pt": PAGE.format(marker="Restyled by the theme"),
        },
    )
    plain = build(plugins=[("sample", plugin)]).get("/plugin-page")
    assert "The plugin's own page" in plain.text and "site-header" in plain.text
    themed = build(plugins=[("sample", plugin)], **{"ostiary.theme": theme}).get("/plugin-page")
    assert "Restyled by the theme" in themed.text


def _plugins_with_gallery_pages() -> list[str]:
    names = []
    for ep in entry_points(group="ostiary.plugins"):
        try:
            if hasattr(ep.load(), "ostiary_gallery_pages"):
                names.append(ep.name)
        except Exception:  # noqa: BLE001 - a plugin that does not import has no pages to show
            continue
    return names


@pytest.mark.parametrize("theme", sorted(installed_themes()))
@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_page_renders_in_every_installed_theme_and_language(build, theme, lang, tmp_path):
    plugins = _plugins_with_gallery_pages()
    # a store plugin's required setting (its gallery pages need no database rows)
    required = {"aspnet_identity.url": f"sqlite:///{tmp_path}/identity.db"} if "aspnet_identity" in plugins else {}
    app = build(**{"ostiary.theme": theme, "ostiary.plugins": " ".join(plugins), **required})
    names = gallery_names(app)
    assert {"login", "login-error", "consent", "logout", "signed-out", "error", "grants"} <= set(names)
    for name in names:
        page = app.get(f"/_gallery/{name}", params={"lang": lang})
        assert page.text.startswith("<!DOCTYPE html>"), name
        assert f'<html lang="{lang}"' in re.sub(r"\s+", " ", page.text), name
        assert "${" not in page.text, name
        if lang != "en" and "/" not in name:  # a core page: translated, not only labelled
            english = app.get(f"/_gallery/{name}", params={"lang": "en"})
            main = re.compile(r"<main.*</main>", re.S)
            assert main.search(normalise(page.text)).group(0) != main.search(normalise(english.text)).group(0), name


def test_the_second_theme_overrides_only_some_templates_and_looks_different(build):
    default, nightfall = pages(build()), pages(build(**{"ostiary.theme": "nightfall"}))
    assert "One key for every door" in nightfall["login"]  # its header macro
    assert "or with your password" in nightfall["login-for-client"]  # its login page

    def body(html):  # without the head (another stylesheet) and the header (another macro)
        return re.sub(r"<head>.*</header>", "", html, flags=re.S)

    for name in ("consent", "error", "grants"):  # from the default theme
        assert body(nightfall[name]) == body(default[name])
