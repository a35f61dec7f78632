"""``ostiary registration token ...`` while a server holds the FileStorage
database: the real console script in another process works through the
server's admin API, and the token it prints registers a client there."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from live_server import LiveServer
from test_cli_through_admin_api import _ini, _run

from ostiary.models.clients import Client
from ostiary.testing import transaction_root


@pytest.fixture
def server(tmp_path):
    with LiveServer(tmp_path, **{"ostiary.client_registration": "token"}) as live:
        with transaction_root(live.app) as root:
            client = Client("ops", grant_types=["client_credentials"], scopes=["ostiary:admin"])
            client.add_secret("ops-secret")
            root.clients.add(client)
        yield live


def _register(server, token) -> int:
    request = urllib.request.Request(
        server.url + "/connect/register",
        data=json.dumps({"redirect_uris": ["https://rp.example/cb"]}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_token_commands_work_through_the_running_server(tmp_path, server):
    ini = _ini(tmp_path, server)
    created = _run(ini, "registration", "token", "create", "--uses", "1", "--expires", "1h")
    assert created.returncode == 0, created.stderr
    token = re.search(r"token \(shown only now.*\): (\S+)", created.stdout).group(1)
    token_id = re.search(r"initial access token (\S+) \(1 use", created.stdout).group(1)
    listed = _run(ini, "registration", "token", "list")
    assert token_id in listed.stdout and "client:ops" in listed.stdout and token not in listed.stdout
    assert _register(server, token) == 201
    assert _register(server, token) == 401
    assert _run(ini, "registration", "token", "revoke", token_id).returncode == 0
    again = _run(ini, "registration", "token", "revoke", token_id)
    assert again.returncode == 2 and "no initial access token" in again.stderr
