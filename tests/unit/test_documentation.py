"""What users read stays complete: every hook has its row in
docs/plugins.md and a test that registers a plugin for it, every setting
its row in the README's configuration table (datasette keeps the same two
promises)."""

from __future__ import annotations

import inspect
import pathlib
import re

import pytest

from ostiary import hookspecs
from ostiary.federation import hookspecs as federation_hookspecs
from ostiary.settings import PROVIDER_SETTINGS, SETTINGS

TOP = pathlib.Path(__file__).resolve().parents[2]
#: Deprecated names, documented in the row of the hook that replaces them.
DEPRECATED = {"ostiary_add_pages"}


def hook_names() -> list[str]:
    return [
        name
        for module in (hookspecs, federation_hookspecs)
        for name, value in inspect.getmembers(module, inspect.isfunction)
        if name.startswith("ostiary_") and name not in DEPRECATED
    ]


def test_hook_names_are_found():
    assert {"ostiary_client", "ostiary_event", "ostiary_configure"} <= set(hook_names())


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_has_a_row_in_the_plugin_docs(name):
    assert f"| `{name}(" in (TOP / "docs" / "plugins.md").read_text()


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_is_implemented_by_a_plugin_in_a_test(name):
    pattern = re.compile(rf"def {name}\(")
    assert any(pattern.search(path.read_text()) for path in (TOP / "tests").rglob("test_*.py")), (
        f"no test registers a plugin implementing {name}"
    )


@pytest.mark.parametrize("name", [setting.name for setting in SETTINGS])
def test_every_setting_has_a_row_in_the_readme(name):
    assert f"| `{name}` |" in (TOP / "README.md").read_text()


@pytest.mark.parametrize("name", [setting.name for setting in PROVIDER_SETTINGS])
def test_every_provider_setting_is_in_the_readme(name):
    readme = (TOP / "README.md").read_text()
    assert f"`ostiary.provider.NAME.{name}`" in readme or f"`.{name}`" in readme


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_is_typed_and_documented_in_its_spec(name):
    spec = getattr(hookspecs, name, None) or getattr(federation_hookspecs, name)
    signature = inspect.signature(spec)
    assert all(parameter.annotation is not inspect.Parameter.empty for parameter in signature.parameters.values())
    assert signature.return_annotation is not inspect.Signature.empty
    assert len(inspect.getdoc(spec) or "") > 80, "say what it receives, when it is called and how results combine"


# -- plugin settings (the ostiary_settings rows of the bundled plugins) ------------


def plugin_setting_rows() -> list[tuple[str, str]]:
    """``(plugin, setting name)`` of every row a bundled plugin declares, and
    of the ``ostiary_accounts`` library, which parses its own table."""
    from importlib.metadata import entry_points

    import ostiary_accounts

    rows = [("ostiary_accounts", row.name) for row in ostiary_accounts.SETTINGS]
    for entry_point in entry_points(group="ostiary.plugins"):
        plugin = entry_point.load()
        if (TOP / "plugins").resolve() in pathlib.Path(plugin.__file__).resolve().parents:
            declared = getattr(plugin, "ostiary_settings", lambda: ())()
            rows += [(entry_point.name, row.name) for row in declared]
    return rows


def test_the_bundled_plugins_declare_settings():
    plugins = {plugin for plugin, _ in plugin_setting_rows()}
    assert {"registration", "password_reset", "aspnet_identity", "profile_example", "ostiary_accounts"} <= plugins


@pytest.mark.parametrize(("plugin", "name"), plugin_setting_rows())
def test_every_plugin_setting_is_in_the_plugin_docs_or_the_readme(plugin, name):
    pages = [TOP / "README.md", *(TOP / "docs" / "plugins").glob("*.md")]
    assert any(f"`{name}`" in page.read_text() for page in pages), f"{plugin}: {name} is not documented"
