"""ASP.NET Core's PasswordHasher formats, checked against the hasher's own
published test vectors (dotnet/aspnetcore, PasswordHasherTest.cs): every
hash there is of the password "my password"; the ones made by HashPassword
use a salt of the bytes 0, 1, ..., 15."""

import base64
import struct

import pytest
from ostiary_aspnet_identity.hasher import PasswordHasher, Result

PASSWORD = "my password"
SEQUENTIAL_SALT = bytes(range(16))

V2_SHA1_1000iter_128salt_256subkey = "AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJg=="
V2_SHA1_1000iter_other_salt = "ANXrDknc7fGPpigibZXXZFMX4aoqz44JveK6jQuwY3eH/UyPhvr5xTPeGYEckLxz9A=="
V3_SHA1_250iter_128salt_128subkey = "AQAAAAAAAAD6AAAAEAhftMyfTJylOlZT+eEotFXd1elee8ih5WsjXaR3PA9M"
V3_SHA256_250000iter_256salt_256subkey = (
    "AQAAAAEAA9CQAAAAIESkQuj2Du8Y+kbc5lcN/W/3NiAZFEm11P27nrSN5/tId+bR1SwV8CO1Jd72r4C08OLvplNlCDc3oQZ8efcW+jQ="
)
V3_SHA512_50iter_128salt_128subkey = "AQAAAAIAAAAyAAAAEOMwvh3+FZxqkdMBz2ekgGhwQ4B6pZWND6zgESBuWiHw"
V3_SHA512_250iter_256salt_512subkey = (
    "AQAAAAIAAAD6AAAAIJbVi5wbMR+htSfFp8fTw8N8GOS/Sje+S/4YZcgBfU7EQuqv4OkVYmc4VJl9AGZzmRTxSkP7LtVi9IWyUxX8IAAfZ8v+"
    "ZfhjCcudtC1YERSqE1OEdXLW9VukPuJWBBjLuw=="
)
V3_SHA512_10000iter_128salt_256subkey = (
    "AQAAAAIAACcQAAAAEAABAgMEBQYHCAkKCwwNDg9B0Oxwty+PGIDSp95gcCfzeDvA4sGapUIUov8usXfD6A=="
)
V3_SHA512_100000iter_128salt_256subkey = (
    "AQAAAAIAAYagAAAAEAABAgMEBQYHCAkKCwwNDg/Q8A0WMKbtHQJQ2DHCdoEeeFBrgNlldq6vH4qX/CGqGQ=="
)
#: HashPassword's version 3 output in ASP.NET Core 6 and earlier (HMAC-SHA256, 10 000 iterations).
V3_SHA256_10000iter_128salt_256subkey = (
    "AQAAAAEAACcQAAAAEAABAgMEBQYHCAkKCwwNDg+yWU7rLgUwPZb1Itsmra7cbxw2EFpwpVFIEtP+JIuUEw=="
)

#: VerifyHashedPassword_FailureCases.
FAILURES = [
    pytest.param("AAABAgMEBQYHCAkKCwwNDg+uAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAALtH1uJg==", id="v2-incorrect-password"),
    pytest.param("AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggE=", id="v2-too-short"),
    pytest.param(
        "AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJgAAAAAAAAAAAAA=", id="v2-extra-data"
    ),
    pytest.param("AQAAAAAAAAD6AAAAEAhftMyfTJyAAAAAAAAAAAAAAAAAAAih5WsjXaR3PA9M", id="v3-incorrect-password"),
    pytest.param("AQAAAAIAAAAyAAAAEOMwvh3+FZxqkdMBz2ekgGhwQ4A=", id="v3-too-short"),
    pytest.param("AQAAAAIAAAAyAAAAEOMwvh3+FZxqkdMBz2ekgGhwQ4B6pZWND6zgESBuWiHwAAAAAAAAAAAA", id="v3-extra-data"),
]


def test_hash_password_defaults_to_version_3_sha512_100000_iterations():
    assert PasswordHasher().hash(PASSWORD, salt=SEQUENTIAL_SALT) == V3_SHA512_100000iter_128salt_256subkey


def test_hash_password_version_2():
    assert PasswordHasher("v2").hash(PASSWORD, salt=SEQUENTIAL_SALT) == V2_SHA1_1000iter_128salt_256subkey


@pytest.mark.parametrize(
    ("prf", "iterations", "expected"),
    [
        ("sha512", 10_000, V3_SHA512_10000iter_128salt_256subkey),
        ("sha256", 10_000, V3_SHA256_10000iter_128salt_256subkey),
    ],
)
def test_hash_password_version_3_with_configured_prf_and_iterations(prf, iterations, expected):
    assert PasswordHasher(prf=prf, iterations=iterations).hash(PASSWORD, salt=SEQUENTIAL_SALT) == expected


@pytest.mark.parametrize(
    ("hashed", "expected"),
    [
        (V2_SHA1_1000iter_128salt_256subkey, Result.REHASH_NEEDED),
        (V2_SHA1_1000iter_other_salt, Result.REHASH_NEEDED),
        (V3_SHA1_250iter_128salt_128subkey, Result.REHASH_NEEDED),
        (V3_SHA256_250000iter_256salt_256subkey, Result.REHASH_NEEDED),
        (V3_SHA512_50iter_128salt_128subkey, Result.REHASH_NEEDED),
        (V3_SHA512_250iter_256salt_512subkey, Result.REHASH_NEEDED),
        (V3_SHA512_10000iter_128salt_256subkey, Result.REHASH_NEEDED),
        (V3_SHA512_100000iter_128salt_256subkey, Result.SUCCESS),
    ],
)
def test_version_3_mode_verifies_published_hashes_like_dotnet_7(hashed, expected):
    assert PasswordHasher().verify(hashed, PASSWORD) is expected


@pytest.mark.parametrize(
    "hashed",
    [
        V2_SHA1_1000iter_128salt_256subkey,
        V2_SHA1_1000iter_other_salt,
        V3_SHA512_50iter_128salt_128subkey,
        V3_SHA512_250iter_256salt_512subkey,
        V3_SHA512_100000iter_128salt_256subkey,
    ],
)
def test_version_2_mode_verifies_published_hashes_without_rehash(hashed):
    assert PasswordHasher("v2").verify(hashed, PASSWORD) is Result.SUCCESS


@pytest.mark.parametrize(
    ("hashed", "expected"),
    [
        (V3_SHA256_250000iter_256salt_256subkey, Result.SUCCESS),
        (V3_SHA1_250iter_128salt_128subkey, Result.REHASH_NEEDED),
        (V3_SHA512_50iter_128salt_128subkey, Result.REHASH_NEEDED),
        (V2_SHA1_1000iter_128salt_256subkey, Result.REHASH_NEEDED),
    ],
)
def test_sha256_10000_configuration_behaves_like_aspnet_core_6(hashed, expected):
    assert PasswordHasher(prf="sha256", iterations=10_000).verify(hashed, PASSWORD) is expected


@pytest.mark.parametrize("hashed", FAILURES)
def test_published_failure_cases_fail(hashed):
    assert PasswordHasher().verify(hashed, PASSWORD) is Result.FAILED


@pytest.mark.parametrize("hashed", [V2_SHA1_1000iter_128salt_256subkey, V3_SHA512_100000iter_128salt_256subkey])
def test_wrong_password_fails(hashed):
    assert PasswordHasher().verify(hashed, "My password") is Result.FAILED


def _v3(prf=2, iterations=1000, salt_size=16, salt=None, subkey=b"\x00" * 32) -> str:
    salt = bytes(salt_size) if salt is None else salt
    return base64.b64encode(b"\x01" + struct.pack(">III", prf, iterations, salt_size) + salt + subkey).decode()


@pytest.mark.parametrize(
    "hashed",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("not base64!", id="not-base64"),
        pytest.param("AA=", id="bad-padding"),
        pytest.param(base64.b64encode(b"\x02" + bytes(60)).decode(), id="unknown-marker"),
        pytest.param(base64.b64encode(b"\x01\x00\x00").decode(), id="v3-header-cut"),
        pytest.param(_v3(prf=3), id="v3-unknown-prf"),
        pytest.param(_v3(iterations=0), id="v3-zero-iterations"),
        pytest.param(_v3(iterations=2**31), id="v3-iterations-overflow-int32"),
        pytest.param(_v3(salt_size=8), id="v3-salt-under-128-bits"),
        pytest.param(_v3(salt_size=64, salt=bytes(16)), id="v3-salt-longer-than-blob"),
        pytest.param(_v3(subkey=bytes(15)), id="v3-subkey-under-128-bits"),
        pytest.param(V2_SHA1_1000iter_128salt_256subkey[:-8], id="v2-truncated"),
    ],
)
def test_corrupted_or_short_hashes_fail(hashed):
    assert PasswordHasher().verify(hashed, PASSWORD) is Result.FAILED


def test_a_version_2_hash_is_rehashed_to_the_configured_version_3():
    hasher = PasswordHasher()
    assert hasher.verify(V2_SHA1_1000iter_128salt_256subkey, PASSWORD) is Result.REHASH_NEEDED
    new = hasher.hash(PASSWORD)
    blob = base64.b64decode(new)
    assert len(blob) == 61 and blob[0] == 1
    assert struct.unpack(">III", blob[1:13]) == (2, 100_000, 16)
    assert hasher.verify(new, PASSWORD) is Result.SUCCESS


def test_more_iterations_than_configured_need_no_rehash():
    hashed = PasswordHasher(iterations=1500).hash(PASSWORD)
    assert PasswordHasher(iterations=1000).verify(hashed, PASSWORD) is Result.SUCCESS
    assert PasswordHasher(iterations=2000).verify(hashed, PASSWORD) is Result.REHASH_NEEDED


def test_round_trip_uses_a_fresh_salt_and_utf8():
    hasher = PasswordHasher(iterations=1000)
    first, second = hasher.hash("pässwörd ✓"), hasher.hash("pässwörd ✓")
    assert first != second
    assert hasher.verify(first, "pässwörd ✓") is Result.SUCCESS
    assert hasher.verify(first, "passwörd ✓") is Result.FAILED


@pytest.mark.parametrize("kwargs", [{"mode": "v4"}, {"prf": "md5"}, {"iterations": 0}])
def test_bad_configuration_is_refused(kwargs):
    with pytest.raises(ValueError):
        PasswordHasher(**kwargs)
