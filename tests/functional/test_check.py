"""``ostiary CONFIG check``: one line per finding, exit status for CI."""

from __future__ import annotations

import pytest

from ostiary.protocol.sites import same_site

INI = """\
[app:main]
use = egg:ostiary
ostiary.issuer = {issuer}
ostiary.development = {development}
ostiary.argon2_time_cost = 1
ostiary.argon2_memory_cost = 1024
zodbconn.uri = file://{directory}/Data.fs

[server:main]
use = egg:ostiary#granian
listen = 127.0.0.1:6543
{server}
"""

CLIENT = """
[[clients]]
client_id = "shop"
name = "Shop"
secret = "{secret}"
redirect_uris = ["https://shop.example.org/cb"]
frontchannel_logout_uri = "{frontchannel}"
"""


def _deployment(tmp_path, ostiary_command_line, *, issuer, development="false", server="", secret, frontchannel):
    ini = tmp_path / "check.ini"
    ini.write_text(INI.format(issuer=issuer, development=development, directory=tmp_path, server=server))
    data = tmp_path / "clients.toml"
    data.write_text(CLIENT.format(secret=secret, frontchannel=frontchannel))
    assert ostiary_command_line(ini, "init").code == 0
    loaded = ostiary_command_line(ini, "load", str(data))
    assert loaded.code == 0, loaded.err
    return ini, loaded


def test_an_unsafe_deployment_is_reported_and_fails(tmp_path, ostiary_command_line):
    ini, loaded = _deployment(
        tmp_path,
        ostiary_command_line,
        issuer="http://id.example.org",
        development="true",
        server="workers = 2\ntrusted_proxy = *\ntrusted_proxy_headers = x-forwarded-for",
        secret="shop-secret",
        frontchannel="https://shop.example.net/logout",
    )
    assert "warning: client shop: frontchannel_logout_uri" in loaded.out  # said where it is configured
    result = ostiary_command_line(ini, "check")
    assert result.code == 1
    lines = result.out.splitlines()
    assert "error    issuer: http://id.example.org is not https" in lines
    assert "error    cookies: session cookies are sent without Secure" in lines
    assert any(line.startswith("error    development:") for line in lines)
    assert any(line.startswith("error    proxy: trusted_proxy = *") for line in lines)
    assert any(line.startswith("error    storage: 2 workers on a FileStorage") for line in lines)
    assert any(line.startswith("warning  client shop: frontchannel_logout_uri") for line in lines)
    assert any(line.startswith("warning  client shop: 1 weak secret") for line in lines)
    assert lines[-1] == "5 error(s), 2 warning(s)"
    assert [line.split()[0] for line in lines[:-1]] == sorted(
        (line.split()[0] for line in lines[:-1]), key=lambda s: s != "error"
    )  # errors first


def test_a_sound_deployment_passes_and_strict_fails_on_warnings_only(tmp_path, ostiary_command_line):
    ini, _loaded = _deployment(
        tmp_path,
        ostiary_command_line,
        issuer="https://id.example.org",
        secret="Xq3vT9pL2mR8wK5zN7bH4cJ6dF1gS0aE_-yU",
        frontchannel="https://shop.example.org/logout",
    )
    result = ostiary_command_line(ini, "check")
    assert result.code == 0 and result.out.splitlines()[-1] == "0 error(s), 0 warning(s)"
    verbose = ostiary_command_line(ini, "check", "--verbose")
    assert "ok       issuer: https://id.example.org is https" in verbose.out
    assert "ok       clock: the clock agrees with the database" in verbose.out


def test_strict_turns_a_warning_into_a_failure(tmp_path, ostiary_command_line):
    ini, _loaded = _deployment(
        tmp_path,
        ostiary_command_line,
        issuer="https://id.example.org",
        secret="short",
        frontchannel="https://shop.example.org/logout",
    )
    assert ostiary_command_line(ini, "check").code == 0
    assert ostiary_command_line(ini, "check", "--strict").code == 1


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://id.example.org/", "https://app.example.org/x", True),
        ("https://id.example.org/", "https://app.example.net/x", False),
        ("https://id.example.co.uk/", "https://shop.example.co.uk/", True),
        ("https://id.example.co.uk/", "https://other.co.uk/", False),
        ("https://id.example.org/", "http://app.example.org/", False),
        ("http://127.0.0.1:6543/", "http://127.0.0.1:9999/fc", True),
    ],
)
def test_same_site_is_scheme_and_registrable_domain(a, b, same):
    assert same_site(a, b) is same
