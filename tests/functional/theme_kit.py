"""Helpers for theme tests: install a throw-away theme or plugin package
from files written into a temporary directory, registered with a real
entry point (a ``.dist-info`` directory on ``sys.path``), the way pip
would install it."""

from __future__ import annotations

import importlib
import itertools
import re
import textwrap

_unique = itertools.count(1)

PAGE = """<metal:page use-macro="layout" i18n:domain="ostiary">
<metal:main fill-slot="main"><h1>{marker}</h1></metal:main>
</metal:page>
"""


def install_package(monkeypatch, root, package: str, files: dict, entry_points: str = ""):
    """Write ``files`` (relative path -> text) under ``root/package`` with a
    dist-info whose ``entry_points.txt`` is ``entry_points``; import it."""
    site = root / "site"
    for relative, content in {"__init__.py": "", **files}.items():
        path = site / package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content))
    info = site / f"{package}-0.1.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    monkeypatch.syspath_prepend(str(site))
    return importlib.import_module(package)


def unique(name: str) -> str:
    """``name`` with a number no other test in this process used: packages
    stay imported after a test, so each test theme or plugin needs its own."""
    return f"{name}{next(_unique)}"


def install_theme(monkeypatch, root, name: str, files: dict) -> str:
    """A theme called ``name`` + a unique number, in package
    ``ostiary_theme_<that>``, holding ``files``; return the theme's name."""
    name = unique(name)
    package = f"ostiary_theme_{name}"
    install_package(monkeypatch, root, package, files, f"[ostiary.themes]\n{name} = {package}\n")
    return name


def normalise(html: str) -> str:
    """A page without what changes on every request (CSRF tokens, nonces)."""
    html = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', html)
    html = re.sub(r'class="request-id">[^<]*<', 'class="request-id"><', html)
    return re.sub(r'nonce="[^"]*"', 'nonce=""', html)
