"""Signing-key rotation as relying parties and resource servers see it: old
tokens keep verifying against the JWKS until they have expired, announced
keys are published before they sign, new tokens carry the new key id once
it signs, and the running app notices a rotation made by another
connection or process, and an activation when its time comes."""

from __future__ import annotations

import base64
import json

import pytest
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError
from joserfc.jwk import KeySet
from pyramid_zodbconn import db_from_uri

import ostiary.protocol.signing as signing_module
from ostiary.cli import main as ostiary_command
from ostiary.models.util import now
from ostiary.testing import transaction_root

DAY = 86400


def sign_in(flow) -> dict:
    """Tokens from a fresh run of the code flow."""
    return flow.exchange(flow.code(scope="openid profile email")["code"]).json


def kid(token: str) -> str:
    """The key id in the JWT's header, read without verifying."""
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def jwks(app) -> dict:
    return app.get("/.well-known/jwks.json").json


def verify_with_jwks(app, token: str) -> dict:
    """What a relying party does: verify ``token`` with the published keys."""
    return jwt.decode(token, KeySet.import_key_set(jwks(app)), algorithms=["RS256", "ES256"]).claims


def userinfo(app, access_token: str, status: int = 200):
    return app.get("/connect/userinfo", headers={"Authorization": "Bearer " + access_token}, status=status)


def rotate(ostiary_app, lifetime: int = 3600, announce: int = 0) -> list[str]:
    """Rotate in a connection of its own, as another process would; return the new kids."""
    with transaction_root(ostiary_app) as root:
        return [key.kid for key in root.keys.rotate(lifetime, announce)]


def keyring_version(ostiary_app) -> int:
    with transaction_root(ostiary_app) as root:
        return root.keys.version


def test_a_token_signed_before_rotation_still_verifies(app, flow, ostiary_app):
    before = sign_in(flow)
    rotate(ostiary_app)
    assert verify_with_jwks(app, before["id_token"])["aud"] == "demo-rp"
    assert verify_with_jwks(app, before["access_token"])["client_id"] == "demo-rp"
    assert userinfo(app, before["access_token"]).json["name"] == "Alice Liddell"


def test_tokens_after_rotation_carry_the_new_key_id(app, flow, ostiary_app):
    before = sign_in(flow)
    fresh = rotate(ostiary_app)
    after = sign_in(flow)
    assert kid(after["id_token"]) in fresh
    assert kid(after["access_token"]) in fresh
    assert kid(after["id_token"]) != kid(before["id_token"])
    assert verify_with_jwks(app, after["id_token"])["sub"] == verify_with_jwks(app, before["id_token"])["sub"]


def test_the_jwks_lists_old_and_new_keys(app, ostiary_app):
    old = {key["kid"] for key in jwks(app)["keys"]}  # also fills the app's key cache
    fresh = rotate(ostiary_app)
    assert {key["kid"] for key in jwks(app)["keys"]} == old | set(fresh)
    assert all("d" not in key for key in jwks(app)["keys"])  # public halves only


def test_the_old_key_leaves_the_jwks_once_its_tokens_expired_and_prune_ran(app, flow, ostiary_app):
    before = sign_in(flow)
    old = kid(before["id_token"])
    fresh = rotate(ostiary_app)
    assert old in {key["kid"] for key in jwks(app)["keys"]}
    with transaction_root(ostiary_app) as root:
        # Prune as it would run once publish_until has passed.
        retired = [key for key in root.keys.keys if key.retired_at is not None]
        assert root.prune(max(key.publish_until for key in retired) + 1) >= 2
    assert {key["kid"] for key in jwks(app)["keys"]} == set(fresh)
    with pytest.raises(InvalidKeyIdError):
        verify_with_jwks(app, before["id_token"])
    userinfo(app, before["access_token"], status=401)
    assert userinfo(app, sign_in(flow)["access_token"]).json["name"] == "Alice Liddell"


def test_an_announced_rotation_is_published_at_once_and_signs_later(app, flow, ostiary_app):
    before = sign_in(flow)
    old = {key["kid"] for key in jwks(app)["keys"]}  # also fills the app's key cache
    fresh = rotate(ostiary_app, announce=DAY)
    # Relying parties that fetch the JWKS now know the new keys ...
    assert {key["kid"] for key in jwks(app)["keys"]} == old | set(fresh)
    # ... before any token carries them.
    during = sign_in(flow)
    assert kid(during["id_token"]) == kid(before["id_token"])
    assert kid(during["access_token"]) == kid(before["access_token"])
    assert verify_with_jwks(app, during["id_token"])["aud"] == "demo-rp"


def test_an_announced_key_signs_once_its_activation_has_come_without_a_commit(app, flow, ostiary_app, monkeypatch):
    """The process caches the parsed keys per key-ring version; nothing is
    committed at an activation, so the cache must end by itself then."""
    before = sign_in(flow)
    fresh = rotate(ostiary_app, announce=DAY)
    during = sign_in(flow)  # rebuilds the key cache for the new version, still signing with the old key
    assert kid(during["id_token"]) == kid(before["id_token"])
    version = keyring_version(ostiary_app)
    # A day later, as far as the process's key cache can tell: the stored
    # times stay as the rotation wrote them, and nothing is committed.
    monkeypatch.setattr(signing_module, "now", lambda: now() + DAY)
    after = sign_in(flow)
    assert kid(after["id_token"]) in fresh
    assert kid(after["access_token"]) in fresh
    assert keyring_version(ostiary_app) == version
    # Tokens of the retired key verify on, at the relying party and at userinfo.
    assert {key["kid"] for key in jwks(app)["keys"]} >= {kid(before["id_token"]), *fresh}
    assert verify_with_jwks(app, before["id_token"])["aud"] == "demo-rp"
    assert verify_with_jwks(app, during["access_token"])["client_id"] == "demo-rp"
    assert userinfo(app, during["access_token"]).json["name"] == "Alice Liddell"
    assert verify_with_jwks(app, after["id_token"])["sub"] == verify_with_jwks(app, before["id_token"])["sub"]


def run_command(ostiary_app, ostiary_settings, tmp_path, *args) -> int:
    """``ostiary INI ARGS`` against the running app's database."""
    ini = tmp_path / "ostiary.ini"
    ini.write_text(
        "[app:main]\nuse = egg:ostiary\n" + "".join(f"{name} = {value}\n" for name, value in ostiary_settings.items())
    )
    # FileStorage admits one database object at a time: the server steps
    # aside while the command runs, as with `pserve` stopped.
    uri = ostiary_settings["zodbconn.uri"]
    ostiary_app.registry._zodb_databases[""].close()
    try:
        return ostiary_command([str(ini), *args])
    finally:
        ostiary_app.registry._zodb_databases[""] = db_from_uri(uri, "", {})


def new_kids(output: str) -> list[str]:
    """The kids of the ``new ALG key KID: ...`` lines of ``keys rotate``."""
    return [line.split()[3].rstrip(":") for line in output.splitlines() if line.startswith("new ")]


def test_an_announced_rotation_by_the_command_line_is_seen_by_the_running_app(
    app, flow, ostiary_app, ostiary_settings, tmp_path, capsys
):
    before = sign_in(flow)
    assert run_command(ostiary_app, ostiary_settings, tmp_path, "keys", "rotate") == 0
    fresh = new_kids(capsys.readouterr().out)
    assert len(fresh) == 2
    assert {key["kid"] for key in jwks(app)["keys"]} >= {kid(before["id_token"]), *fresh}
    after = sign_in(flow)
    assert kid(after["id_token"]) == kid(before["id_token"])  # a day before the new keys sign
    assert verify_with_jwks(app, after["access_token"])["exp"] > now()


def test_an_immediate_rotation_by_the_command_line_is_seen_by_the_running_app(
    app, flow, ostiary_app, ostiary_settings, tmp_path, capsys
):
    before = sign_in(flow)
    assert run_command(ostiary_app, ostiary_settings, tmp_path, "keys", "rotate", "--now") == 0
    fresh = new_kids(capsys.readouterr().out)
    assert len(fresh) == 2
    assert {key["kid"] for key in jwks(app)["keys"]} >= {kid(before["id_token"]), *fresh}
    assert verify_with_jwks(app, before["id_token"])["aud"] == "demo-rp"
    after = sign_in(flow)
    assert kid(after["id_token"]) in fresh
    assert verify_with_jwks(app, after["access_token"])["exp"] > now()


def test_the_jwks_is_read_from_the_database_only_after_a_commit(app, ostiary_app):
    """While nothing is committed the JWKS comes from the process's cache
    without a database connection; any commit (here a rotation by another
    connection) makes the next request read the key ring again."""
    db = ostiary_app.registry._zodb_databases[""]
    first = {key["kid"] for key in jwks(app)["keys"]}
    opened = []
    real_open = db.open

    def counting_open(*args, **kwargs):
        opened.append(1)
        return real_open(*args, **kwargs)

    db.open = counting_open
    try:
        assert {key["kid"] for key in jwks(app)["keys"]} == first
        assert opened == []
        fresh = rotate(ostiary_app)
        opened.clear()
        assert {key["kid"] for key in jwks(app)["keys"]} == first | set(fresh)
        assert len(opened) == 1
        opened.clear()
        assert {key["kid"] for key in jwks(app)["keys"]} == first | set(fresh)
        assert opened == []
    finally:
        del db.open
