"""Request limits and undecodable input through a real granian server: what
a stranger sends over a socket (a chunked body, raw bytes in the path, a
header block above granian's limit) gets a 4xx, never a 500."""

from __future__ import annotations

import socket

import pytest
import requests
from storage_servers import BIN, REPO, free_port, ostiary_command, spawn, stop, wait_for
from test_granian_server import DEMO_TOML, write_ini

pytestmark = [pytest.mark.servers]

MAX_BODY = 4096
MAX_HEADER = 16384


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    directory = tmp_path_factory.mktemp("limits")
    port = free_port()
    ini = write_ini(directory, port, max_header_size=str(MAX_HEADER), threads="2")
    ini.write_text(ini.read_text().replace("[app:main]\n", f"[app:main]\nostiary.max_body_size = {MAX_BODY}\n"))
    assert "database ready" in ostiary_command(ini, "init")
    assert "loaded" in ostiary_command(ini, "load", str(DEMO_TOML))
    log = directory / "pserve.log"
    process = spawn([BIN / "pserve", ini], log, cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    wait_for(
        lambda: requests.get(base + "/.well-known/openid-configuration", timeout=2).ok,
        30,
        "pserve with granian",
        process,
        log,
    )
    yield base
    stop(process)
    assert "Traceback" not in log.read_text(errors="replace")


def test_a_chunked_body_above_the_limit_gets_413_json(url):
    chunks = (b"x" * 100_000 for _ in range(50))
    response = requests.post(
        url + "/connect/token", data=chunks, timeout=30, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413
    assert str(MAX_BODY) in response.json()["error_description"]


def test_a_chunked_token_request_below_the_limit_is_answered(url):
    chunks = iter([b"grant_type=client_credentials", b"&scope=api"])
    response = requests.post(
        url + "/connect/token",
        data=chunks,
        auth=("demo-rp", "demo-secret"),
        timeout=10,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=ISO-8859-1"},
    )
    assert response.status_code == 200 and "access_token" in response.json()


def test_a_header_block_above_max_header_size_gets_431(url):
    response = requests.get(url + "/account/login", headers={"X-Padding": "x" * MAX_HEADER}, timeout=10)
    assert response.status_code == 431


def test_a_path_that_is_not_utf8_gets_the_error_page(url):
    with socket.create_connection(("127.0.0.1", int(url.rpartition(":")[2])), timeout=10) as connection:
        connection.sendall(b"GET /account/%ff HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"Sorry, there was an error" in answer
