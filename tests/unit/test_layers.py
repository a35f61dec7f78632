"""The layer rule of docs/architecture.md, read from the source: imports go
one way, ``models`` <- ``protocol`` <- ``interaction`` <- plugins; authlib
stays in ``protocol`` (and the federation plugin's upstream client), ZODB in ``models``.

Imports inside functions count too: a late import is still a dependency.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

CORE = pathlib.Path(__file__).resolve().parents[2] / "core"

#: Layers from the bottom up; a module may import its own layer and those below.
LAYERS = {
    "base": 0,  # settings, hook specs, events, i18n, the facade: used by every layer
    "models": 1,
    "protocol": 2,
    "interaction": 3,
    "federation": 4,  # a plugin, like the built-in defaults
    "defaults": 4,
    "administration": 4,  # the service layer of the admin API, console and command line
    "app": 5,  # start-up, command line, themes, testing: may use everything
}
BASE = {"settings", "hookspecs", "events", "i18n", "passwords", "facade", "retry", "branding"}
APP = {
    "",
    "plugins",
    "plugin",
    "themes",
    "gallery",
    "sample",
    "cli",
    "loader",
    "maintenance",
    "testing",
    "server",
    "request_checks",
}

#: Third-party packages that only these layers may import: authlib serves
#: as the authorization server in protocol and as the OAuth client towards
#: upstream providers in the federation plugin.
CONFINED = {
    "authlib": {"protocol", "federation"},
    "ZODB": {"models"},
    "BTrees": {"models"},
    "persistent": {"models"},
    "pyramid_zodbconn": {"models"},
}


def layer_of(module: str) -> str:
    top = module.removeprefix("ostiary").lstrip(".").partition(".")[0]
    if top in BASE:
        return "base"
    if top in APP:
        return "app"
    return top


def _module_name(path: pathlib.Path) -> tuple[str, str]:
    parts = list(path.relative_to(CORE).with_suffix("").parts)
    package = parts[:-1]
    if parts[-1] == "__init__":
        parts = package = parts[:-1]
    return ".".join(parts), ".".join(package)


def _imports(path: pathlib.Path):
    module, package = _module_name(path)
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if not node.level:
                yield node.module
                continue
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            if node.module:
                yield ".".join(base + [node.module])
            else:
                yield from (".".join(base + [alias.name]) for alias in node.names)


def _existing(target: str) -> str:
    """``from . import main`` names a function of ``ostiary``, not a module:
    the nearest enclosing module is what is imported."""
    while target.startswith("ostiary."):
        path = CORE.joinpath(*target.split("."))
        if path.with_suffix(".py").exists() or (path / "__init__.py").exists():
            break
        target = target.rpartition(".")[0]
    return target


def all_imports() -> set[tuple[str, str]]:
    found = set()
    for path in (CORE / "ostiary").rglob("*.py"):
        module, _ = _module_name(path)
        found.update((module, _existing(target)) for target in _imports(path))
    return found


def violations() -> set[tuple[str, str]]:
    bad = set()
    for module, target in all_imports():
        here = layer_of(module)
        if target.startswith("ostiary"):
            if LAYERS[layer_of(target)] > LAYERS[here]:
                bad.add((module, target))
            continue
        package = target.partition(".")[0]
        if package in CONFINED and here not in CONFINED[package] | {"app"}:
            bad.add((module, package))
    return bad


def test_imports_go_one_way():
    new = violations()
    assert not new, "imports against the layer rule (docs/architecture.md): " + ", ".join(
        f"{module} -> {target}" for module, target in sorted(new)
    )


@pytest.mark.parametrize(
    "module, expected",
    [
        ("ostiary.models.grants", "models"),
        ("ostiary.protocol.grants", "protocol"),
        ("ostiary.settings", "base"),
        ("ostiary", "app"),
        ("ostiary.cli.users", "app"),
        ("ostiary.defaults.profile", "defaults"),
        ("ostiary.administration.clients", "administration"),
    ],
)
def test_every_module_has_a_layer(module, expected):
    assert layer_of(module) == expected


def test_every_core_package_is_placed_in_a_layer():
    tops = {
        path.relative_to(CORE / "ostiary").parts[0].removesuffix(".py") for path in (CORE / "ostiary").rglob("*.py")
    }
    tops.discard("__init__")
    unplaced = {top for top in tops if layer_of("ostiary." + top) not in LAYERS}
    assert not unplaced, f"add to the layers of docs/architecture.md and this test: {sorted(unplaced)}"


def test_only_models_database_reads_pyramid_zodbconns_private_registry_attribute():
    readers = {
        path.relative_to(CORE).as_posix()
        for path in (CORE / "ostiary").rglob("*.py")
        if "_zodb_databases" in path.read_text()
    }
    assert readers == {"ostiary/models/database.py"}


def test_bundled_plugins_import_only_the_public_plugin_api():
    """A third-party plugin needs nothing a bundled one does not have: the
    bundled plugins import Ostiary through ``ostiary.plugin`` alone."""
    plugins = CORE.parent / "plugins"
    offenders = set()
    for path in plugins.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            offenders.update(
                f"{path.relative_to(plugins)}: {name}"
                for name in names
                if name.startswith("ostiary.") and name != "ostiary.plugin" or name == "ostiary"
            )
    assert not offenders, sorted(offenders)
