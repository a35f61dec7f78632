"""Two Ostiary server processes on one database: nothing a second process
needs lives in process memory.

Each storage of ``etc/production.ini`` is started for real: RelStorage on a
PostgreSQL cluster made by the test run, and ZEO with ``runzeo``. The ini
file is production.ini itself with only the database address, the issuer
and cheap password hashing changed. Two ``pserve`` processes start at once
on the empty database; the demo data is then loaded by the ``ostiary``
command, a third process, while they run. A browser and a client then talk
to both over real HTTP.
"""

from __future__ import annotations

import configparser
import itertools
import re
import secrets
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from storage_servers import BIN, REPO, ostiary_command, ostiary_processes, postgresql, zeo_server  # noqa: F401

from ostiary.protocol.signing import POLLED_JWKS_RECHECK
from ostiary.testing import REDIRECT_URI, form_value, pkce_pair

pytestmark = [pytest.mark.servers, pytest.mark.slow]

PRODUCTION_INI = REPO / "etc" / "production.ini"
DEMO_TOML = REPO / "etc" / "demo.toml"
#: The issuer etc/demo.toml is written for (its API audience is under it). The
#: processes listen on other ports, as workers behind one public URL do.
ISSUER = "http://127.0.0.1:6543"
CLIENT = ("demo-rp", "demo-secret")
SCOPE = "openid profile email offline_access api"


def production_uri(scheme: str) -> str:
    """The ``zodbconn.uri`` production.ini gives for ``scheme``, active or commented."""
    match = re.search(rf"^#?\s*zodbconn\.uri\s*=\s*({scheme}://\S+)\s*$", PRODUCTION_INI.read_text(), re.M)
    assert match, f"etc/production.ini has no {scheme}:// zodbconn.uri"
    return match.group(1)


def retarget(uri: str, netloc: str, path: str = "") -> str:
    """``uri`` with another server address (and database), its options kept."""
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, netloc, path, parts.query, ""))


def write_ini(directory: Path, zodb_uri: str) -> Path:
    """etc/production.ini with this test's database, the demo issuer and cheap hashing."""
    config = configparser.RawConfigParser()
    config.read(PRODUCTION_INI)
    app = config["app:main"]
    app["zodbconn.uri"] = zodb_uri
    app["ostiary.issuer"] = ISSUER
    app["ostiary.argon2_time_cost"] = "1"
    app["ostiary.argon2_memory_cost"] = "1024"
    ini = directory / "ostiary.ini"
    with open(ini, "w") as stream:
        config.write(stream)
    return ini


@pytest.fixture(scope="module", params=[pytest.param("relstorage", marks=pytest.mark.postgres), "zeo"])
def shared_ini(request, tmp_path_factory):
    """An ini file whose database several processes can share."""
    if request.param == "relstorage":
        cluster = request.getfixturevalue("postgresql")
        netloc = f"{cluster.user}:{cluster.password}@{cluster.host}:{cluster.port}"
        uri = retarget(production_uri("postgres"), netloc, "/" + cluster.create_database())
    else:
        server = request.getfixturevalue("zeo_server")
        uri = retarget(production_uri("zeo"), f"127.0.0.1:{server.port}")
    return write_ini(tmp_path_factory.mktemp(request.param), uri)


@pytest.fixture(scope="module")
def processes(shared_ini):
    """Processes A and B, started together on a database made by ``ostiary
    init``; then the demo data, loaded by the ``ostiary`` command while they
    run. Shared by the tests of one storage: each uses new browsers and codes."""
    assert "database ready" in ostiary_command(shared_ini, "init")
    with ostiary_processes(shared_ini, "A", "B") as (a, b):
        assert "loaded" in ostiary_command(shared_ini, "load", str(DEMO_TOML))
        yield a, b
        for process in (a, b):
            assert "Traceback" not in process.log_text(), process.log_text()


class Browser:
    """A person's browser. Each request goes to the next of ``servers``, as a
    round-robin proxy in front of them would send it."""

    def __init__(self, *servers, remember_consent: bool = True):
        self.session = requests.Session()
        self.remember_consent = remember_consent
        self.servers = itertools.cycle(servers)
        self.visited = []

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        server = next(self.servers)
        self.visited.append((server.name, method, urlsplit(path).path))
        return self.session.request(method, server.url + path, allow_redirects=False, timeout=10, **kwargs)

    def sign_in(self, **extra) -> tuple[dict, str]:
        """Run an authorization request to the end; return the parameters the
        client receives and the PKCE verifier."""
        verifier, challenge = pkce_pair()
        params = {
            "client_id": CLIENT[0],
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": SCOPE,
            "state": secrets.token_hex(8),
            "nonce": secrets.token_hex(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            **extra,
        }
        response = self.request("GET", "/connect/authorize", params=params)
        for _ in range(8):
            assert response.status_code in (302, 303), f"{response.status_code}: {response.text[:2000]}"
            location = response.headers["Location"]
            if location.startswith(REDIRECT_URI):
                received = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
                assert received["state"] == params["state"]
                return received, verifier
            parts = urlsplit(location)
            page = self.request("GET", urlunsplit(("", "", parts.path, parts.query, "")))
            if parts.path == "/account/login":
                response = self.submit(
                    page, "/account/login", [("username", "alice"), ("password", "alice-password"), ("action", "login")]
                )
            elif parts.path == "/consent":
                scopes = [("scope", s) for s in re.findall(r'name="scope" value="([^"]+)"', page.text)]
                remember = [("remember", "yes")] if self.remember_consent else []
                response = self.submit(page, "/consent", scopes + remember + [("action", "allow")])
            else:
                response = page
        raise AssertionError(f"the sign-in did not reach the client: {self.visited}")

    def submit(self, page, path: str, fields: list) -> requests.Response:
        assert page.status_code == 200, f"{page.status_code}: {page.text[:2000]}"
        hidden = [(name, form_value(page.text, name)) for name in ("csrf_token", "returnUrl")]
        return self.request("POST", path, data=hidden + fields)


def token_request(server, **form) -> requests.Response:
    return requests.post(server.url + "/connect/token", data=form, auth=CLIENT, timeout=10)


def redeem(server, code: str, verifier: str) -> requests.Response:
    return token_request(
        server, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier
    )


def userinfo(server, access_token: str) -> requests.Response:
    return requests.get(
        server.url + "/connect/userinfo", timeout=10, headers={"Authorization": "Bearer " + access_token}
    )


def test_a_code_issued_by_one_process_is_redeemed_at_the_other(processes):
    a, b = processes
    browser = Browser(a)
    received, verifier = browser.sign_in()
    assert received["iss"] == ISSUER
    assert ("A", "POST", "/account/login") in browser.visited

    response = redeem(b, received["code"], verifier)
    assert response.status_code == 200, response.text
    tokens = response.json()
    # B signed the ID token with a key A publishes: one key ring, in the database.
    jwks = KeySet.import_key_set(requests.get(a.url + "/.well-known/jwks.json", timeout=10).json())
    id_token = jwt.decode(tokens["id_token"], jwks)
    assert id_token.claims["iss"] == ISSUER and id_token.claims["aud"] == CLIENT[0]

    refreshed = token_request(a, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    info = userinfo(b, refreshed.json()["access_token"])
    assert info.status_code == 200, info.text
    assert info.json()["sub"] == id_token.claims["sub"]
    assert info.json()["name"] == "Alice Liddell"


def test_the_sso_session_and_consent_set_at_one_process_hold_at_the_other(processes):
    a, b = processes
    browser = Browser(a)
    browser.sign_in()
    # B signs Alice in with the cookie A set and the consent A stored, showing no page.
    browser.servers = itertools.cycle([b])
    browser.visited.clear()
    received, verifier = browser.sign_in()
    assert [page for _, _, page in browser.visited] == ["/connect/authorize"]
    assert redeem(a, received["code"], verifier).status_code == 200


def test_a_code_replayed_at_the_other_process_is_refused_and_revokes_its_tokens(processes):
    a, b = processes
    received, verifier = Browser(a).sign_in()
    tokens = redeem(b, received["code"], verifier).json()
    assert userinfo(a, tokens["access_token"]).status_code == 200

    replay = redeem(a, received["code"], verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # What the code issued is revoked in the database, so at B as well.
    assert userinfo(b, tokens["access_token"]).status_code == 401
    refresh = token_request(b, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"


def test_a_sign_in_whose_pages_alternate_between_processes_succeeds(processes):
    a, b = processes
    browser = Browser(a, b)
    received, verifier = browser.sign_in()
    assert {"A", "B"} == {name for name, _, _ in browser.visited}
    assert {"/connect/authorize", "/account/login"} <= {page for _, _, page in browser.visited}
    response = redeem(b, received["code"], verifier)
    assert response.status_code == 200, response.text
    assert userinfo(a, response.json()["access_token"]).json()["email"] == "alice@example.org"


def test_a_key_rotation_by_the_command_line_reaches_both_processes_jwks(processes, shared_ini):
    """Each process serves the JWKS from memory while nothing changes; a
    rotation committed by a third process must still show up at both."""

    def kids(server) -> set:
        response = requests.get(server.url + "/.well-known/jwks.json", timeout=10)
        return {key["kid"] for key in response.json()["keys"]}

    before = [kids(server) for server in processes]  # each process caches its JWKS
    assert before[0] == before[1]
    output = ostiary_command(shared_ini, "keys", "rotate")
    fresh = {line.split()[3].rstrip(":") for line in output.splitlines() if line.startswith("new ")}
    assert len(fresh) == 2
    rotated = time.monotonic()
    for server in processes:
        # Each process runs several granian workers, each with its own cache:
        # on RelStorage a worker serves the JWKS it read last for
        # POLLED_JWKS_RECHECK seconds, so one fresh answer does not mean the
        # next worker has looked yet. Past that window (and ZEO's
        # asynchronous delivery, allowed a moment more on a busy machine),
        # every answer of every worker has the new keys.
        deadline = rotated + POLLED_JWKS_RECHECK + 5
        answers = []
        while time.monotonic() < deadline and not (
            time.monotonic() > rotated + POLLED_JWKS_RECHECK and len(answers) >= 6 and all(answers[-6:])
        ):
            answers.append(kids(server) == before[0] | fresh)
            time.sleep(0.05)
        assert all(kids(server) == before[0] | fresh for _ in range(6)), server.name


def test_pack_names_the_tool_that_packs_a_shared_storage(shared_ini):
    result = subprocess.run(
        [str(BIN / "ostiary"), str(shared_ini), "pack"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    config = configparser.RawConfigParser()
    config.read(shared_ini)
    tool = "zeopack" if config["app:main"]["zodbconn.uri"].startswith("zeo://") else "zodbpack"
    assert lines[0].startswith("ostiary: not packed: pack ") and tool in lines[0]
