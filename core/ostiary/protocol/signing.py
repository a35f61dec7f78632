"""Signing and verifying our own JWTs, with the parsed keys cached.

Parsing a private key costs far more than using it, so each process keeps
the parsed keys and the serialized JWKS, keyed by the key ring's version
number: when another process rotates the keys the version changes and the
cache is rebuilt. A rotation may also announce keys that sign only later:
the cache then lasts until the next activation or retirement in the key
ring (:attr:`KeyMaterial.valid_until`) and is rebuilt from then on, with no
commit needed. Only what does not change is cached; every token is signed
afresh.

Our own tokens are serialized here (:class:`Signer`) rather than by
``joserfc.jwt.encode``, whose header registry checks and key-operation
lookups for a header and claims we build ourselves cost about as much as
the rest of the token: the bytes are the same (tested), and joserfc still
verifies everything.

The JWKS endpoint does not even need a database connection while nothing
has been committed since the key ring was last read (on RelStorage, which
cannot tell without asking the database: for a second after it read it): see
:meth:`KeyCache.published_jwks`.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, import_key

from ..models.database import database, learns_every_commit
from ..models.util import now

#: Seconds a process on RelStorage serves the JWKS it read before reading the
#: key ring again (see :meth:`KeyCache.unchanged_jwks`).
POLLED_JWKS_RECHECK = 1.0


#: The header and payload encodings of ``joserfc.jwt.encode``: compact JSON,
#: the header in ASCII, the claims in UTF-8.
_header_json = json.JSONEncoder(separators=(",", ":")).encode
_claims_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


class Signer:
    """One active private key, signing JWS compact serializations (RFC 7515,
    section 7.1) with RS256 or ES256 (RFC 7518, sections 3.3 and 3.4)."""

    def __init__(self, alg: str, key):
        self.alg = alg
        self.kid = key.kid
        self._key = key.private_key
        if alg == "RS256":
            self._sign = self._rsa
        elif alg == "ES256":
            self._sign = self._ecdsa
            self._size = (key.private_key.curve.key_size + 7) // 8
        else:
            raise ValueError(f"no signer for {alg}")

    def jwt(self, claims: dict, typ: str | None = None) -> str:
        # The header as joserfc writes it: typ first, "JWT" unless given.
        header = {"typ": typ or "JWT", "alg": self.alg, "kid": self.kid}
        signing_input = _b64(_header_json(header).encode("ascii")) + b"." + _b64(_claims_json(claims).encode())
        return (signing_input + b"." + _b64(self._sign(signing_input))).decode("ascii")

    def _rsa(self, data: bytes) -> bytes:
        return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def _ecdsa(self, data: bytes) -> bytes:
        r, s = decode_dss_signature(self._key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(self._size, "big") + s.to_bytes(self._size, "big")


@dataclass(frozen=True)
class KeyMaterial:
    """Everything derived from one version of the key ring, for a time."""

    version: int
    signing: dict  # alg -> joserfc key (private) of the key active at the build
    verifying: KeySet  # every published public key
    jwks_bytes: bytes
    #: When a key starts or stops signing (the key ring's next change after
    #: the build), or None: from then on ``signing`` may be wrong.
    valid_until: int | None = None
    signers: dict | None = None  # alg -> Signer of the ``signing`` key

    def __post_init__(self):
        if self.signers is None:
            object.__setattr__(self, "signers", {alg: Signer(alg, key) for alg, key in self.signing.items()})

    def current(self, keyring, when: int) -> bool:
        """Whether this still holds for ``keyring`` at ``when``."""
        return self.version == keyring.version and (self.valid_until is None or when < self.valid_until)


class KeyCache:
    """Per-process cache of :class:`KeyMaterial`, one per application."""

    def __init__(self):
        self._material: KeyMaterial | None = None
        self._lock = threading.Lock()
        # The database's last transaction id when ``_material`` was last
        # found current, or None when that cannot be relied on.
        self._current_at: bytes | None = None
        # Storages that poll (RelStorage): when the key ring was last read
        # (time.monotonic()), or None.
        self._checked_at: float | None = None

    def material(self, keyring) -> KeyMaterial:
        """The keys of ``keyring`` now: the cached ones unless the key ring's
        version changed or a key has started or stopped signing since."""
        when = now()
        cached = self._material
        if cached is not None and cached.current(keyring, when):
            return cached
        with self._lock:
            cached = self._material
            if cached is None or not cached.current(keyring, when):
                cached = self._material = self._build(keyring, when)
                self._current_at = self._checked_at = None
        return cached

    def unchanged_jwks(self, db) -> bytes | None:
        """The cached JWKS bytes if the key ring need not be read again,
        else None (then :meth:`published_jwks`).

        FileStorage (one process) and ZEO (the server pushes every commit
        to its clients) tell the process of each commit as it happens, so
        ``db.lastTransaction()`` names the newest state a connection would
        see. While it is the one at which the key ring was last read, the
        key ring is the same and no connection is needed.

        RelStorage learns of other processes' commits only by polling the
        database when a connection opens. There the key ring read last is
        served for :data:`POLLED_JWKS_RECHECK` seconds before it is read
        again: a rotation by another process reaches this process's JWKS
        within that second. That is harmless because ``keys rotate``
        announces keys (a day by default) before they sign, and relying
        parties cache the JWKS for minutes anyway; tokens are still signed
        and verified with the key ring read in each request.

        The bytes stay good past :attr:`KeyMaterial.valid_until`: a key
        enters the JWKS when it is announced, not when it starts signing,
        and stays there after it stops.
        """
        cached = self._material
        if cached is None:
            return None
        if not learns_every_commit(db):
            checked = self._checked_at
            if checked is not None and time.monotonic() - checked < POLLED_JWKS_RECHECK:
                return cached.jwks_bytes
            return None
        if self._current_at == db.lastTransaction():
            return cached.jwks_bytes
        return None

    def published_jwks(self, db, open_keyring) -> bytes:
        """The JWKS bytes: from memory when :meth:`unchanged_jwks` allows,
        else from the key ring (``open_keyring()``), remembering when."""
        body = self.unchanged_jwks(db)
        if body is not None:
            return body
        pushed = learns_every_commit(db)
        # Noted before the key ring is read: a commit after this point then
        # makes the next check fail, never the other way round.
        tid = db.lastTransaction() if pushed else None
        started = time.monotonic()
        material = self.material(open_keyring())
        with self._lock:  # unless another thread has rebuilt it meanwhile
            if material is self._material:
                if pushed:
                    self._current_at = tid
                else:
                    self._checked_at = started
        return material.jwks_bytes

    @staticmethod
    def _build(keyring, when: int) -> KeyMaterial:
        signing = {}
        for alg in ("RS256", "ES256"):
            active = keyring.active(alg, when)
            if active is not None:
                signing[alg] = import_key(dict(active.jwk))
        published = [k.public_jwk for k in keyring.published(when)]
        verifying = KeySet([import_key(dict(jwk)) for jwk in published])
        jwks_bytes = json.dumps({"keys": published}, separators=(",", ":")).encode()
        return KeyMaterial(keyring.version, signing, verifying, jwks_bytes, keyring.next_change(when))


def published_jwks(request) -> bytes:
    """The serialized JWKS for ``/.well-known/jwks.json``."""
    return request.registry.ostiary_keys.published_jwks(database(request.registry), lambda: request.ostiary_root.keys)


def key_material(request) -> KeyMaterial:
    """The current keys for this request's database state."""
    return request.registry.ostiary_keys.material(request.ostiary_root.keys)


def sign(request, claims: dict, *, alg: str | None = None, typ: str | None = None) -> str:
    """Sign ``claims`` with the active key for ``alg`` (the configured default)."""
    return sign_with(request.registry, request.ostiary_root.keys, claims, alg=alg, typ=typ)


def sign_with(registry, keyring, claims: dict, *, alg: str | None = None, typ: str | None = None) -> str:
    """:func:`sign` without a request: with ``keyring`` as read by the
    caller's own transaction (the logout outbox's worker, say)."""
    alg = alg or registry.ostiary_settings.signing_alg
    return registry.ostiary_keys.material(keyring).signers[alg].jwt(claims, typ)


class InvalidJWT(ValueError):
    """A JWT that is not ours, not intact, or of the wrong type."""


def verify(request, token: str, *, typ: str | None = None, check_exp: bool = True) -> dict:
    """Verify a JWT this server signed; return its claims.

    Checks the signature against the published keys, the ``typ`` header
    when asked, and ``iss``/``exp``/``nbf``. Raises :class:`InvalidJWT`.
    """
    try:
        decoded = jwt.decode(token, key_material(request).verifying, algorithms=["RS256", "ES256"])
    except (JoseError, ValueError) as exc:
        raise InvalidJWT(str(exc)) from None
    if typ is not None and decoded.header.get("typ", "").lower() != typ:
        raise InvalidJWT("wrong token type")
    options = {"iss": {"essential": True, "value": request.registry.ostiary_settings.issuer}}
    if check_exp:
        options["exp"] = {"essential": True}
    else:  # an id_token_hint may have expired (RP-Initiated Logout 1.0, section 2)
        decoded.claims.pop("exp", None)
        decoded.claims.pop("nbf", None)
    registry = jwt.JWTClaimsRegistry(leeway=5, **options)
    try:
        registry.validate(decoded.claims)
    except JoseError as exc:
        raise InvalidJWT(str(exc)) from None
    return decoded.claims
