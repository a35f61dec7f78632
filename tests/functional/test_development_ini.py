"""etc/development.ini and the `make run` banner: the port lives in one place."""

import re
import shutil
import subprocess
from pathlib import Path

import plaster
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def moved_ini(tmp_path):
    """etc/development.ini with its one port line changed to 7001."""
    text = (REPO / "etc" / "development.ini").read_text()
    moved, count = re.subn(r"(?m)^http_port = 6543$", "http_port = 7001", text)
    assert count == 1
    path = tmp_path / "development.ini"
    path.write_text(moved)
    return path


def test_moving_the_port_moves_the_server_and_the_issuer(moved_ini):
    loader = plaster.get_loader(str(moved_ini), protocols=["wsgi"])
    assert loader.get_settings("app:main")["ostiary.issuer"] == "http://127.0.0.1:7001"
    assert loader.get_settings("server:main")["listen"] == "127.0.0.1:7001"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_the_make_run_banner_shows_the_port_of_the_ini(moved_ini):
    result = subprocess.run(
        ["make", "-s", "-C", str(REPO), "banner", f"DEV_INI={moved_ini}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "Ostiary demo on http://127.0.0.1:7001\n" in result.stdout
    assert "issuer         http://127.0.0.1:7001\n" in result.stdout
    assert "6543" not in result.stdout


def test_the_demo_contract_stays_on_port_6543():
    loader = plaster.get_loader(str(REPO / "etc" / "development.ini"), protocols=["wsgi"])
    assert loader.get_settings("app:main")["ostiary.issuer"] == "http://127.0.0.1:6543"
    assert loader.get_settings("server:main")["listen"] == "127.0.0.1:6543"


def test_make_run_serves_with_granian_and_keeps_waitress_for_a_debugger():
    """The production server by default (one worker: FileStorage allows one
    process); waitress, in pserve's own process, under --server-name debug."""
    loader = plaster.get_loader(str(REPO / "etc" / "development.ini"), protocols=["wsgi"])
    main = loader.get_settings("server:main")
    assert main["use"] == "egg:ostiary#granian"
    assert main["workers"] == "1"
    debug = loader.get_settings("server:debug")
    assert debug["use"] == "egg:waitress#main"
    assert debug["listen"] == main["listen"] == "127.0.0.1:6543"
