"""A software authenticator for the WebTest tests: a real one, with a real
P-256 key pair, building the attestation and assertion structures of the
WebAuthn specification (CBOR with cbor2, signatures with cryptography), as
a security key or a phone would. It plays the browser's part too (client
data, the JSON the page's script posts). Nothing of Ostiary's is imitated:
the server verifies these with py_webauthn exactly as it verifies a
browser's answers."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftCredential:
    def __init__(self, rp_id: str, user_handle: bytes):
        self.rp_id = rp_id
        self.user_handle = user_handle
        self.id = os.urandom(32)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.sign_count = 0

    def cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})


class SoftAuthenticator:
    """``create(options_json)`` and ``get(options_json)`` answer as
    ``navigator.credentials`` would, in the JSON the page's script posts."""

    def __init__(self, origin: str = "http://localhost", user_verified: bool = True, counts: bool = True):
        self.origin = origin
        self.user_verified = user_verified
        self.counts = counts  # False: the counter stays 0, as synced passkeys report it
        self.credentials: list[SoftCredential] = []

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin or self.origin, "crossOrigin": False}
        ).encode()

    def _flags(self) -> int:
        return UP | (UV if self.user_verified else 0)

    def create(self, options_json: str, origin: str | None = None) -> str:
        options = json.loads(options_json)
        credential = SoftCredential(options["rp"]["id"], unb64(options["user"]["id"]))
        self.credentials.append(credential)
        auth_data = (
            hashlib.sha256(credential.rp_id.encode()).digest()
            + bytes([self._flags() | AT])
            + struct.pack(">I", credential.sign_count)
            + bytes(16)  # AAGUID: none
            + struct.pack(">H", len(credential.id))
            + credential.id
            + credential.cose_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return json.dumps(
            {
                "id": b64(credential.id),
                "rawId": b64(credential.id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64(client_data),
                    "attestationObject": b64(attestation),
                    "transports": ["usb"],
                },
                "clientExtensionResults": {"credProps": {"rk": True}},
            }
        )

    def get(self, options_json: str, credential: SoftCredential | None = None, origin: str | None = None) -> str:
        options = json.loads(options_json)
        allowed = {d["id"] for d in options.get("allowCredentials") or ()}
        if credential is None:
            found = [c for c in self.credentials if not allowed or b64(c.id) in allowed]
            credential = found[0]
        credential.sign_count += 1 if self.counts else 0
        auth_data = (
            hashlib.sha256(options["rpId"].encode()).digest()
            + bytes([self._flags()])
            + struct.pack(">I", credential.sign_count)
        )
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = credential.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps(
            {
                "id": b64(credential.id),
                "rawId": b64(credential.id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64(client_data),
                    "authenticatorData": b64(auth_data),
                    "signature": b64(signature),
                    "userHandle": b64(credential.user_handle),
                },
                "clientExtensionResults": {},
            }
        )
