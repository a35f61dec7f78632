"""Password hashes exactly as ASP.NET Core Identity's ``PasswordHasher`` writes them.

``PasswordHash`` holds standard Base64 of a byte string whose first byte
names the format; every integer in it is a big-endian UInt32 and the
password is hashed as UTF-8:

version 2 (marker ``0x00``, Identity 2.x and ``CompatibilityMode.IdentityV2``)
    ``00 | salt (16 bytes) | subkey (32 bytes)``, exactly 49 bytes:
    PBKDF2 with HMAC-SHA1 and 1000 iterations.
version 3 (marker ``0x01``)
    ``01 | prf | iteration count | salt length | salt | subkey``: PRF
    0 = HMAC-SHA1, 1 = HMAC-SHA256, 2 = HMAC-SHA512; any iteration count;
    a salt and a subkey (the rest) of at least 16 bytes each. ASP.NET Core
    up to 6 writes HMAC-SHA256 with 10 000 iterations, .NET 7 and later
    HMAC-SHA512 with 100 000 (the default here).

Anything else, and anything that does not decode, fails to verify.
"""

from __future__ import annotations

import base64
import binascii
import enum
import functools
import hashlib
import hmac
import os
import struct

PRFS = {0: "sha1", 1: "sha256", 2: "sha512"}
PRF_IDS = {name: number for number, name in PRFS.items()}
V2_ITERATIONS = 1000
SALT_SIZE = 16
SUBKEY_SIZE = 32
MIN_SIZE = 16  # the least salt and subkey a version 3 hash may have
MAX_ITERATIONS = 2**31 - 1  # .NET reads the count into a signed int


class Result(enum.Enum):
    """``PasswordVerificationResult``."""

    FAILED = 0
    SUCCESS = 1
    REHASH_NEEDED = 2


def password_bytes(password: str) -> bytes:
    """The UTF-8 bytes .NET hashes: a lone surrogate becomes U+FFFD, as in .NET."""
    try:
        return password.encode("utf-8")
    except UnicodeEncodeError:
        return password.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode("utf-8")


class PasswordHasher:
    """Hash and verify ``PasswordHash`` values.

    ``mode`` is ``"v3"`` (ASP.NET Core) or ``"v2"`` (to share a database
    with an Identity 2.x application, which cannot read version 3). In
    ``v3`` mode a correct password whose hash is version 2, or version 3
    with fewer iterations or a weaker PRF than configured, verifies as
    :attr:`Result.REHASH_NEEDED`. In ``v2`` mode nothing is ever rehashed
    (ASP.NET would rewrite a SHA1/SHA256 version 3 hash as version 2: a
    downgrade this hasher does not make).
    """

    def __init__(self, mode: str = "v3", prf: str = "sha512", iterations: int = 100_000):
        if mode not in ("v2", "v3"):
            raise ValueError("mode must be v2 or v3")
        if prf not in PRF_IDS:
            raise ValueError("prf must be one of " + ", ".join(PRF_IDS))
        if not 1 <= iterations <= MAX_ITERATIONS:
            raise ValueError("the iteration count must be a positive integer")
        self.mode = mode
        self.prf = prf
        self.iterations = iterations

    def hash(self, password: str, salt: bytes | None = None) -> str:
        """A new hash of ``password`` in the configured format."""
        salt = os.urandom(SALT_SIZE) if salt is None else salt
        secret = password_bytes(password)
        if self.mode == "v2":
            subkey = hashlib.pbkdf2_hmac("sha1", secret, salt, V2_ITERATIONS, SUBKEY_SIZE)
            blob = b"\x00" + salt + subkey
        else:
            subkey = hashlib.pbkdf2_hmac(self.prf, secret, salt, self.iterations, SUBKEY_SIZE)
            blob = b"\x01" + struct.pack(">III", PRF_IDS[self.prf], self.iterations, len(salt)) + salt + subkey
        return base64.b64encode(blob).decode("ascii")

    def verify(self, hashed: str | None, password: str) -> Result:
        """Check ``password`` against a stored ``PasswordHash``."""
        try:
            blob = base64.b64decode(hashed or "", validate=True)
        except (binascii.Error, ValueError):
            return Result.FAILED
        if blob[:1] == b"\x00":
            if not _verify_v2(blob, password):
                return Result.FAILED
            return Result.REHASH_NEEDED if self.mode == "v3" else Result.SUCCESS
        if blob[:1] == b"\x01":
            header = _verify_v3(blob, password)
            if header is None:
                return Result.FAILED
            prf, iterations = header
            if self.mode == "v3" and (iterations < self.iterations or _strength(prf) < _strength(self.prf)):
                return Result.REHASH_NEEDED
            return Result.SUCCESS
        return Result.FAILED

    def burn(self, password: str) -> None:
        """Spend the time of one verification, so that an unknown or refused
        account cannot be told from a wrong password by the clock."""
        self.verify(self._dummy, password)

    @functools.cached_property
    def _dummy(self) -> str:
        return self.hash("ostiary-timing-equaliser")


def _strength(prf: str) -> int:
    return PRF_IDS[prf]


def _verify_v2(blob: bytes, password: str) -> bool:
    if len(blob) != 1 + SALT_SIZE + SUBKEY_SIZE:
        return False
    salt, expected = blob[1 : 1 + SALT_SIZE], blob[1 + SALT_SIZE :]
    actual = hashlib.pbkdf2_hmac("sha1", password_bytes(password), salt, V2_ITERATIONS, SUBKEY_SIZE)
    return hmac.compare_digest(actual, expected)


def _verify_v3(blob: bytes, password: str) -> tuple[str, int] | None:
    """``(prf, iterations)`` when ``password`` matches, else None."""
    if len(blob) < 13:
        return None
    prf_id, iterations, salt_size = struct.unpack(">III", blob[1:13])
    prf = PRFS.get(prf_id)
    if prf is None or not 1 <= iterations <= MAX_ITERATIONS or salt_size < MIN_SIZE:
        return None
    salt, expected = blob[13 : 13 + salt_size], blob[13 + salt_size :]
    if len(salt) < salt_size or len(expected) < MIN_SIZE:
        return None
    actual = hashlib.pbkdf2_hmac(prf, password_bytes(password), salt, iterations, len(expected))
    return (prf, iterations) if hmac.compare_digest(actual, expected) else None
