"""Extract, merge and compile the translation catalogs (``make messages``).

For each catalog: lingua's ``pot-create`` extracts the messages of one
domain from the templates (Chameleon ``i18n:`` attributes) and the Python
code (``_("...")``, ``N_("...")``) into ``<locale>/<domain>.pot``; every
``<locale>/<lang>/LC_MESSAGES/<domain>.po`` is merged with it (new
messages added untranslated, vanished ones dropped) and compiled to the
``.mo`` file Pyramid reads. The ``.mo`` files are committed, so a fresh
clone runs without these tools; ``tests/unit/test_catalogs.py`` checks
that they match the ``.po`` files and that every message is translated.

    python tools/messages.py                      # every catalog below
    python tools/messages.py DOMAIN LOCALE_DIR SOURCE...   # a plugin's or theme's
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

import polib

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = pathlib.Path(sys.executable).parent

#: The core's catalog also holds the default theme's texts (domain ``ostiary``).
CORE = ("ostiary", "core/ostiary/locale", ["core/ostiary", "themes/default/ostiary_theme_default/templates"])


def discover() -> list[tuple[str, str, list[str]]]:
    """Every catalog in the repository: the core's, and each theme's or
    plugin's package that has a ``locale/<domain>.pot`` (the domain is the
    file's name; the sources are the package). Start a new one with
    ``python tools/messages.py DOMAIN LOCALE_DIR SOURCE...``."""
    catalogs = [CORE]
    for pot in sorted(ROOT.glob("*/*/ostiary_*/locale/*.pot")):
        package = pot.parent.parent
        catalogs.append((pot.stem, str(pot.parent.relative_to(ROOT)), [str(package.relative_to(ROOT))]))
    return catalogs


#: Not shown to people in a browser: the command line and the test fixtures.
SKIP = ("/cli/", "/testing.py", "/sample.py")
LANGUAGES = ("de",)


def _shown(path: pathlib.Path) -> str:
    """``path`` relative to the repository when it is inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def sources(directories) -> list[str]:
    found = []
    for directory in directories:
        for path in sorted((ROOT / directory).rglob("*")):
            if path.suffix in (".py", ".pt") and not any(s in path.as_posix() for s in SKIP):
                found.append(_shown(path))
    return found


def extract(domain: str, locale_dir: pathlib.Path, files: list[str]) -> pathlib.Path:
    pot = locale_dir / f"{domain}.pot"
    locale_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            str(BIN / "pot-create"),
            "-d",
            domain,
            "-k",
            "N_",
            "-s",
            "--no-linenumbers",
            "--package-name",
            domain,
            "-o",
            str(pot),
            *files,
        ],
        cwd=ROOT,
        check=True,
    )
    return pot


def merge_and_compile(domain: str, locale_dir: pathlib.Path, pot_path: pathlib.Path) -> None:
    pot = polib.pofile(str(pot_path))
    for lang in LANGUAGES:
        po_path = locale_dir / lang / "LC_MESSAGES" / f"{domain}.po"
        po_path.parent.mkdir(parents=True, exist_ok=True)
        po = polib.pofile(str(po_path)) if po_path.exists() else polib.POFile()
        if not po_path.exists():
            po.metadata = {
                "Content-Type": "text/plain; charset=UTF-8",
                "Language": lang,
                "Plural-Forms": "nplurals=2; plural=(n != 1);",
            }
        po.merge(pot)
        for entry in po.obsolete_entries():
            po.remove(entry)
        po.save(str(po_path))
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        missing = [e.msgid for e in po if not e.translated()]
        print(f"{_shown(po_path)}: {len(po)} messages, {len(missing)} untranslated")


def run(domain: str, locale_dir: str, directories) -> None:
    locale = ROOT / locale_dir
    merge_and_compile(domain, locale, extract(domain, locale, sources(directories)))


def main(argv) -> None:
    if argv:
        run(argv[0], argv[1], argv[2:])
        return
    for domain, locale_dir, directories in discover():
        run(domain, locale_dir, directories)


if __name__ == "__main__":
    main(sys.argv[1:])
