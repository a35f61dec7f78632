"""The translation catalogs: complete, compiled, and in step with the sources.

``make messages`` (tools/messages.py) regenerates them; these tests fail
when someone adds a text and forgets to run it or to translate."""

import importlib.util
import pathlib
import subprocess
import sys

import pytest

polib = pytest.importorskip("polib", reason="polib comes with the test extras (lingua)")

ROOT = pathlib.Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("ostiary_tools_messages", ROOT / "tools" / "messages.py")
messages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(messages)

CATALOGS = messages.discover()
PO_FILES = [
    pytest.param(ROOT / locale / lang / "LC_MESSAGES" / f"{domain}.po", id=f"{domain}-{lang}")
    for domain, locale, _ in CATALOGS
    for lang in messages.LANGUAGES
]


@pytest.mark.parametrize("po_path", PO_FILES)
def test_every_message_is_translated(po_path):
    po = polib.pofile(str(po_path))
    assert [e.msgid for e in po if not e.translated()] == []


@pytest.mark.parametrize("po_path", PO_FILES)
def test_the_compiled_catalog_matches_the_po_file(po_path):
    po = polib.pofile(str(po_path))
    mo = polib.mofile(str(po_path.with_suffix(".mo")))
    assert {e.msgid: e.msgstr for e in mo} == {e.msgid: e.msgstr for e in po if e.translated()}


@pytest.mark.parametrize("po_path", PO_FILES)
def test_placeholders_survive_translation(po_path):
    import re

    for entry in polib.pofile(str(po_path)):
        assert sorted(re.findall(r"\$\{\w+\}", entry.msgid)) == sorted(re.findall(r"\$\{\w+\}", entry.msgstr)), (
            entry.msgid
        )


@pytest.mark.parametrize("domain, locale, sources", [pytest.param(*c, id=c[0]) for c in CATALOGS])
def test_the_catalog_holds_every_text_of_the_sources(tmp_path, domain, locale, sources):
    pot_create = pathlib.Path(sys.executable).parent / "pot-create"
    if not pot_create.exists():
        pytest.skip("lingua's pot-create comes with the test extras")
    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [str(pot_create), "-d", domain, "-k", "N_", "-o", str(pot), *messages.sources(sources)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    extracted = {e.msgid for e in polib.pofile(str(pot))}
    for lang in messages.LANGUAGES:
        po = polib.pofile(str(ROOT / locale / lang / "LC_MESSAGES" / f"{domain}.po"))
        assert extracted - {e.msgid for e in po} == set(), f"run make messages ({lang})"
