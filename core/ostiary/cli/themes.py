"""``ostiary theme new NAME [--dest DIR]``: a theme package to start from.

The skeleton installs with ``pip install -e DIR`` and is selectable at
once with ``ostiary.theme = NAME``. It overrides little, to show the
mechanism: ``static/theme.css`` (loaded after the default stylesheet) and
one macro, copied from the default theme to edit. Every other template
falls back to the default theme; copy more from ``ostiary_theme_default``
to change them (see ``docs/themes.md``). No configuration file is needed.
"""

from __future__ import annotations

import argparse
import importlib
import pathlib
import re

from .app import CommandError

NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")

PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "0.1.0"
description = "The {name} theme for Ostiary"
requires-python = ">=3.11"
dependencies = ["ostiary"]

# The entry point makes the theme selectable: ostiary.theme = {name}
[project.entry-points."ostiary.themes"]
{name} = "{package}"

[tool.setuptools.packages.find]
include = ["{package}*"]

[tool.setuptools.package-data]
{package} = ["templates/*.pt", "templates/*/*.pt", "templates/plugins/*/*.pt", "static/*",
    "locale/*/LC_MESSAGES/*"]
"""

README = """\
# {dist}

An Ostiary theme. Install it next to Ostiary and select it in the ini file:

```sh
pip install -e .
```

```ini
ostiary.theme = {name}
```

What it changes, and what falls back to the default theme:

- `{package}/static/theme.css` is loaded after the default stylesheet: change
  colours and fonts there. Ship `static/ostiary.css` instead to replace the
  default stylesheet entirely.
- `{package}/templates/macros/site_footer.pt` overrides one macro, the footer.
- Every other template comes from the default theme. To change a page, copy it
  from `ostiary_theme_default/templates/` to `{package}/templates/` and edit it;
  to restyle a plugin's page, put it in `templates/plugins/<plugin package>/`.

With `ostiary.development = true`, `/_gallery` shows every page in every state.
"""

INIT = '"""The {name} theme for Ostiary: templates/ and static/ override the default theme file by file."""\n'

THEME_CSS = """\
/* The {name} theme: loaded after the default theme's ostiary.css on every page.
   Custom properties of the default stylesheet you may change here:
   --accent, --accent-fg, --bg, --fg, --card, --muted, --border, --danger, --radius, --font
   (ostiary.accent_colour, when set, wins over --accent and --accent-fg). */
:root {{ --radius: 14px; --font: Georgia, "Times New Roman", serif; }}
@media (prefers-color-scheme: dark) {{
  :root {{ }}
}}
"""


def _default_macro(name: str) -> str:
    default = importlib.import_module("ostiary_theme_default")
    return (pathlib.Path(default.__file__).parent / "templates" / "macros" / f"{name}.pt").read_text()


def skeleton(name: str) -> dict[str, str]:
    """Relative path -> content of every file of the theme ``name``."""
    package = f"ostiary_theme_{name}"
    names = {"name": name, "package": package, "dist": f"ostiary-theme-{name.replace('_', '-')}"}
    return {
        "pyproject.toml": PYPROJECT.format(**names),
        "README.md": README.format(**names),
        f"{package}/__init__.py": INIT.format(**names),
        f"{package}/static/theme.css": THEME_CSS.format(**names),
        f"{package}/templates/macros/site_footer.pt": _default_macro("site_footer"),
    }


def create(name: str, dest: str | None = None) -> pathlib.Path:
    """Write the skeleton of theme ``name`` into ``dest`` (default:
    ``./ostiary-theme-NAME``); refuse to overwrite anything."""
    if not NAME.fullmatch(name) or name == "default":
        raise CommandError(
            f"{name!r}: a theme name is lower-case letters, digits and _, starting with a letter (and not 'default')"
        )
    files = skeleton(name)
    root = pathlib.Path(dest or f"ostiary-theme-{name.replace('_', '-')}")
    if root.exists() and any(root.iterdir()):
        raise CommandError(f"{root}: exists and is not empty")
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def cmd_new(app, args):
    root = create(args.name, args.dest)
    print(f"created {root}/: install it with `pip install -e {root}`, then set `ostiary.theme = {args.name}`")


def register(sub) -> None:
    """Add ``theme new`` to the argparse sub-parsers ``sub``."""
    theme = sub.add_parser("theme", help="work with themes (no database needed)")
    theme_sub = theme.add_subparsers(dest="theme_command", required=True, metavar="COMMAND")
    new = theme_sub.add_parser("new", help="create a theme package skeleton that installs with pip")
    new.add_argument("name", help="the theme's name, e.g. acme (package ostiary_theme_acme)")
    new.add_argument("--dest", help="directory to create (default: ./ostiary-theme-NAME)")
    new.set_defaults(handler=cmd_new, needs_app=False)


def main(argv) -> int:
    """``ostiary theme ...`` without an ini file."""
    import sys

    parser = argparse.ArgumentParser(prog="ostiary", description="Manage an Ostiary server.")
    register(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    try:
        return args.handler(None, args) or 0
    except CommandError as exc:
        print(f"ostiary: {exc}", file=sys.stderr)
        return 2
