"""Start-up refuses bad settings with a message naming them."""

import subprocess
import sys
from pathlib import Path

import pytest

from ostiary import SettingsError, main


@pytest.mark.parametrize(
    "key, value, fragment",
    [
        ("ostiary.issuer", "not a url", "ostiary.issuer"),
        ("ostiary.issuer", "https://id.example.org/?x=1", "no query"),
        ("ostiary.development", "perhaps", "ostiary.development"),
        ("ostiary.code_lifetime", "0", "ostiary.code_lifetime"),
        ("ostiary.signing_alg", "HS256", "ostiary.signing_alg"),
        ("ostiary.key_announcement", "-1", "ostiary.key_announcement = '-1': expected 0 to"),
        ("ostiary.key_announcement", "a day", "expected a whole number of seconds"),
        ("ostiary.theme", "nonexistent", "installed"),
        ("ostiary.plugins", "nonexistent", "no installed plugin"),
        ("ostiary.colour", "blue", "unknown setting"),
        ("ostiary.pack_keep_days", "100000", "ostiary.pack_keep_days = '100000': expected at most 36500 days"),
        ("ostiary.login_throttle_failures", "5", "must be less than ostiary.max_failed_logins"),
        ("ostiary.max_body_size", "0", "ostiary.max_body_size = '0': expected a whole number of at least 1"),
        ("ostiary.max_query_length", "8k", "ostiary.max_query_length = '8k'"),
    ],
)
def test_bad_setting_stops_start_up(ostiary_settings, key, value, fragment):
    settings = dict(ostiary_settings, **{key: value})
    with pytest.raises(SettingsError) as excinfo:
        main({}, **settings)
    assert fragment in str(excinfo.value)


def test_missing_issuer_is_named(ostiary_settings):
    settings = dict(ostiary_settings)
    del settings["ostiary.issuer"]
    with pytest.raises(SettingsError, match="ostiary.issuer: required"):
        main({}, **settings)


def test_a_mistyped_disabled_plugin_stops_start_up_naming_it(ostiary_settings):
    settings = dict(ostiary_settings, **{"ostiary.plugins.disabled": "zodb_user"})
    with pytest.raises(SettingsError) as excinfo:
        main({}, **settings)
    message = str(excinfo.value)
    assert message.startswith("ostiary.plugins.disabled: no plugin named 'zodb_user' (known: ")
    assert "zodb_users" in message and "audit_log" in message


def test_missing_database_uri_is_named(ostiary_settings):
    settings = dict(ostiary_settings)
    del settings["zodbconn.uri"]
    with pytest.raises(SettingsError, match="zodbconn.uri: required setting is missing"):
        main({}, **settings)


def test_a_bad_setting_loaded_from_an_ini_file_exits_with_one_line(ostiary_settings):
    settings = dict(ostiary_settings, **{"ostiary.code_lifetime": "0"})
    with pytest.raises(SystemExit) as excinfo:
        main({"__file__": "/etc/ostiary.ini", "here": "/etc"}, **settings)
    assert str(excinfo.value) == (
        "/etc/ostiary.ini: ostiary.code_lifetime = '0': expected a whole number of at least 1"
    )


def test_pserve_prints_one_line_for_a_bad_setting(tmp_path):
    ini = tmp_path / "bad.ini"
    ini.write_text(PSERVE_INI.format(db=tmp_path / "Data.fs", extra="ostiary.plugins.disabled = zodb_user"))
    result = subprocess.run(
        [str(Path(sys.executable).with_name("pserve")), str(ini)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{ini}: ostiary.plugins.disabled: no plugin named 'zodb_user' (known: ")


def test_pserve_names_a_missing_database_uri_in_one_line(tmp_path):
    ini = tmp_path / "bad.ini"
    ini.write_text(PSERVE_INI.format(db=tmp_path / "Data.fs", extra="").replace("zodbconn.uri", "# zodbconn.uri"))
    result = subprocess.run(
        [str(Path(sys.executable).with_name("pserve")), str(ini)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{ini}: zodbconn.uri: required setting is missing")


PSERVE_INI = """\
[app:main]
use = egg:ostiary
ostiary.issuer = http://127.0.0.1:6543
ostiary.argon2_time_cost = 1
ostiary.argon2_memory_cost = 1024
zodbconn.uri = file://{db}
{extra}

[server:main]
use = egg:waitress#main
listen = 127.0.0.1:0
"""


def test_a_word_for_a_number_says_a_whole_number_is_expected(ostiary_settings):
    settings = dict(ostiary_settings, **{"ostiary.pack_keep_days": "a week"})
    with pytest.raises(SettingsError) as excinfo:
        main({}, **settings)
    assert str(excinfo.value) == "ostiary.pack_keep_days = 'a week': expected a whole number"
