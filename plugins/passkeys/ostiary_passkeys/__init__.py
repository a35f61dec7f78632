"""Passkeys and security keys (WebAuthn) for Ostiary.

A person registers credentials in the account console and signs in with
one: a passkey (a discoverable credential) as the first factor, without a
username, or a security key as a further factor after a password. The
ceremonies themselves (CBOR, COSE keys, signatures, attestation formats)
are py_webauthn's; this package keeps the credentials, the challenges and
the pages around them.

Modules: ``models`` (what is stored), ``ceremony`` (the relying party and
py_webauthn's calls), ``views`` and ``pages`` (the pages and their
values), ``plugin`` (the hook implementations, entry point ``passkeys``).
"""
