"""``ostiary CONFIG registration token ...``: initial access tokens made
on the command line register clients over HTTP."""

from __future__ import annotations

import json
import re

import pytest
import webtest

from ostiary import main
from ostiary.testing import base_settings, close_app


@pytest.fixture
def ini(tmp_path):
    settings = {**base_settings(tmp_path), "ostiary.client_registration": "token"}
    lines = ["[app:main]", "use = egg:ostiary"] + [f"{k} = {v}" for k, v in settings.items()]
    path = tmp_path / "test.ini"
    path.write_text("\n".join(lines) + "\n")
    return path, settings


def test_a_token_from_the_command_line_registers_a_client_once(ini, ostiary_command_line):
    path, settings = ini
    created = ostiary_command_line(path, "registration", "token", "create", "--uses", "1", "--expires", "1h")
    assert created.code == 0, created.err
    token = re.search(r"token \(shown only now.*\): (\S+)", created.out).group(1)
    listed = ostiary_command_line(path, "registration", "token", "list")
    assert "cli" in listed.out and token not in listed.out

    app = main({}, **settings)
    try:
        testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
        body = json.dumps({"redirect_uris": ["https://rp.example/cb"]})
        headers = {"Authorization": f"Bearer {token}"}
        kwargs = {"headers": headers, "content_type": "application/json", "expect_errors": True}
        assert testapp.post("/connect/register", body, **kwargs).status_int == 201
        assert testapp.post("/connect/register", body, **kwargs).status_int == 401
    finally:
        close_app(app)


def test_a_revoked_token_is_gone(ini, ostiary_command_line):
    path, _ = ini
    created = ostiary_command_line(path, "registration", "token", "create", "--uses", "unlimited", "--expires", "never")
    token_id = re.search(r"initial access token (\S+) \(unlimited uses, expires never\)", created.out).group(1)
    assert ostiary_command_line(path, "registration", "token", "revoke", token_id).code == 0
    assert token_id not in ostiary_command_line(path, "registration", "token", "list").out
    again = ostiary_command_line(path, "registration", "token", "revoke", token_id)
    assert again.code != 0 and "no initial access token" in again.err


@pytest.mark.parametrize(("option", "value"), [("--uses", "0x"), ("--expires", "soon")])
def test_bad_options_are_one_line_errors(ini, ostiary_command_line, option, value):
    path, _ = ini
    with pytest.raises(SystemExit):
        ostiary_command_line(path, "registration", "token", "create", option, value)
