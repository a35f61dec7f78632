"""The relying party and its two ceremonies, on top of py_webauthn.

Relying-party id and origin. Browsers bind a credential to a relying-party
id, a registrable domain, and put the page's origin into every answer. Both
come from the issuer (``ostiary.issuer``): the id is its host name, the
origin its scheme, host and port. The issuer is what browsers see, so this
is right behind a reverse proxy too, as long as the issuer is the public
URL (never the request's Host header, which a client chooses). Set
``passkeys.rp_id`` to a parent domain to share credentials with sibling
hosts (``example.org`` for ``login.example.org``), and
``passkeys.origins`` for further origins that serve these pages. Changing
the id later orphans every registered credential.

Challenges are stored server-side (``models.Ceremony``) under the digest of
a random value in an HttpOnly cookie, so a challenge is worth nothing in
another browser, and they are taken by the first answer.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import webauthn
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ostiary.plugin import plugin_settings, random_token

from . import models

CEREMONY_COOKIE = "ostiary_passkey"
SIGN_IN, SECOND_FACTOR, REGISTER = "sign_in", "second_factor", "register"
#: What a browser may send as a credential (a JSON object of base64url
#: strings); far larger than any real one, small enough to parse safely.
MAX_CREDENTIAL_JSON = 16_384


class Refused(Exception):
    """An answer the ceremony does not accept; ``str()`` says why, for the log only."""


def settings(request):
    return plugin_settings(request.registry, "passkeys")


def rp_id(request) -> str:
    return settings(request).rp_id or urlsplit(request.registry.ostiary_settings.issuer).hostname


def origins(request) -> list[str]:
    parts = urlsplit(request.registry.ostiary_settings.issuer)
    return [f"{parts.scheme}://{parts.netloc}", *settings(request).origins]


def _user_verification(request) -> UserVerificationRequirement:
    return UserVerificationRequirement(settings(request).user_verification)


# -- the browser's ceremony value ------------------------------------------------


def _browser_value(request, create: bool) -> str | None:
    value = vars(request).get("_passkey_browser_value") or request.cookies.get(CEREMONY_COOKIE)
    if value or not create:
        return value
    value = vars(request)["_passkey_browser_value"] = random_token(32)
    secure = urlsplit(request.registry.ostiary_settings.issuer).scheme == "https"

    def set_cookie(req, response):
        response.set_cookie(CEREMONY_COOKIE, value, path="/", httponly=True, samesite="Lax", secure=secure)

    request.add_response_callback(set_cookie)
    return value


def begin(request, purpose: str, challenge_options, subject: str | None = None) -> str:
    """Store the challenge of ``challenge_options`` for this browser; return
    the options as the page's script hands them to the browser (JSON)."""
    lifetime = settings(request).challenge_lifetime
    ceremony = models.Ceremony(purpose, challenge_options.challenge, lifetime, subject)
    models.get(request).begin(_browser_value(request, create=True), ceremony)
    return webauthn.options_to_json(challenge_options)


def take(request, purpose: str) -> models.Ceremony:
    ceremony = models.get(request).take(_browser_value(request, create=False), purpose)
    if ceremony is None:
        raise Refused("no live challenge for this browser")
    return ceremony


def _descriptors(credentials) -> list[PublicKeyCredentialDescriptor]:
    known = {t.value for t in AuthenticatorTransport}
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(c.credential_id),
            transports=[AuthenticatorTransport(t) for t in c.transports if t in known] or None,
        )
        for c in credentials
    ]


# -- registration ----------------------------------------------------------------


def registration_options(request, user) -> str:
    """:func:`new_registration` with its challenge kept for this browser
    (the account page)."""
    options = new_registration(request, user)
    return begin(request, REGISTER, options, subject=user.subject)


def new_registration(request, user):
    """Options for ``navigator.credentials.create()``: a discoverable
    credential preferred (a passkey that can sign in without a username; a
    security key that cannot store one still serves as a further factor),
    attestation ``none`` (we trust no vendor list, so asking for more would
    only cost the person a privacy prompt), and the person's credentials
    excluded so that an authenticator is not registered twice."""
    data = models.get(request)
    options = webauthn.generate_registration_options(
        rp_id=rp_id(request),
        rp_name=settings(request).rp_name or request.registry.ostiary_brand.product_name,
        user_id=data.user_handle(user.subject),
        user_name=user.username,
        user_display_name=(user.claims or {}).get("name") or user.username,
        timeout=settings(request).challenge_lifetime * 1000,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=_user_verification(request),
        ),
        exclude_credentials=_descriptors(data.of_subject(user.subject)),
    )
    return options


def _parse(raw: str | None) -> dict:
    if not raw or len(raw) > MAX_CREDENTIAL_JSON:
        raise Refused("no credential, or too large")
    try:
        value = json.loads(raw)
    except ValueError:
        raise Refused("not JSON") from None
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        raise Refused("not a credential")
    return value


def register(request, subject: str, raw: str | None, name: str, challenge: bytes | None = None) -> models.Credential:
    """Check the browser's answer to :func:`registration_options` for
    ``subject`` and store the new credential. ``challenge``: the one a
    sign-in step kept (enrolment during a sign-in); else this browser's."""
    if challenge is None:
        ceremony = take(request, REGISTER)
        if ceremony.subject != subject:
            raise Refused("the challenge was made for someone else")
        challenge = ceremony.challenge
    credential = _parse(raw)
    try:
        verified = webauthn.verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id(request),
            expected_origin=origins(request),
            require_user_verification=settings(request).user_verification == "required",
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise Refused(f"registration not verified: {error}") from None
    credential_id = bytes_to_base64url(verified.credential_id)
    data = models.get(request)
    if data.get(credential_id) is not None:
        raise Refused("this credential is registered already")
    transports = (credential.get("response") or {}).get("transports") or ()
    known = {t.value for t in AuthenticatorTransport}
    stored = models.Credential(
        subject,
        credential_id,
        verified.credential_public_key,
        verified.sign_count,
        name=name,
        transports=[t for t in transports if t in known] if isinstance(transports, list) else (),
        device_type=verified.credential_device_type.value,
        backed_up=verified.credential_backed_up,
        discoverable=((credential.get("clientExtensionResults") or {}).get("credProps") or {}).get("rk"),
        aaguid=verified.aaguid,
    )
    data.add(stored)
    return stored


# -- authentication --------------------------------------------------------------


def sign_in_options(request) -> str:
    """Options for ``navigator.credentials.get()`` without a username: no
    allowed credentials, so the authenticator offers the discoverable ones it
    holds for this relying party (also through the browser's autofill)."""
    options = webauthn.generate_authentication_options(
        rp_id=rp_id(request),
        timeout=settings(request).challenge_lifetime * 1000,
        user_verification=_user_verification(request),
    )
    return begin(request, SIGN_IN, options)


def second_factor_options(request, subject: str) -> tuple[str, bytes] | None:
    """Options naming ``subject``'s credentials, for a further factor
    (security keys that hold no discoverable credential are found this way),
    and their challenge, which the caller keeps (a sign-in step keeps it in
    its server-side state); None when the person has none."""
    credentials = models.get(request).of_subject(subject)
    if not credentials:
        return None
    options = webauthn.generate_authentication_options(
        rp_id=rp_id(request),
        timeout=settings(request).challenge_lifetime * 1000,
        allow_credentials=_descriptors(credentials),
        user_verification=_user_verification(request),
    )
    return webauthn.options_to_json(options), options.challenge


class Assertion:
    """A verified answer: whose credential, and what the authenticator said."""

    def __init__(self, credential: models.Credential, user_verified: bool):
        self.credential = credential
        self.user_verified = user_verified

    @property
    def amr(self) -> tuple[str, ...]:
        """RFC 8176 values: ``swk`` for a synced passkey (a key that software
        copies between devices), ``hwk`` for one bound to its authenticator,
        ``user`` for the presence test every assertion carries, and ``mfa``
        when the authenticator verified the person too (a PIN or biometric:
        the key and that check are two factors)."""
        values = ["swk" if self.credential.synced else "hwk", "user"]
        if self.user_verified:
            values.append("mfa")
        return tuple(values)


def authenticate(request, raw: str | None) -> Assertion:
    """Check the browser's answer to :func:`sign_in_options` (a passkey as
    the first factor): the challenge is this browser's, and the user
    handle the authenticator returned must name the credential's owner."""
    ceremony = take(request, SIGN_IN)
    answer = _parse(raw)
    data = models.get(request)
    stored = data.get(answer["id"])
    if stored is None:
        raise Refused("unknown credential")
    handle = (answer.get("response") or {}).get("userHandle")
    try:
        owner = data.subject_of_handle(base64url_to_bytes(handle)) if isinstance(handle, str) else None
    except ValueError:
        owner = None
    if owner != stored.subject:
        raise Refused("the user handle does not name the credential's owner")
    return _verify(request, answer, stored, ceremony.challenge)


def authenticate_further(request, raw: str | None, challenge: bytes | None, subject: str) -> Assertion:
    """Check an answer to :func:`second_factor_options`: ``challenge`` is
    the one the step kept, and the credential must be ``subject``'s."""
    if not challenge:
        raise Refused("no live challenge for this step")
    answer = _parse(raw)
    stored = models.get(request).get(answer["id"])
    if stored is None or stored.subject != subject:
        raise Refused("not a credential of this person")
    return _verify(request, answer, stored, challenge)


def _verify(request, answer: dict, stored: models.Credential, challenge: bytes) -> Assertion:
    try:
        verified = webauthn.verify_authentication_response(
            credential=answer,
            expected_challenge=challenge,
            expected_rp_id=rp_id(request),
            expected_origin=origins(request),
            credential_public_key=stored.public_key,
            credential_current_sign_count=stored.sign_count,
            require_user_verification=settings(request).user_verification == "required",
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        # a counter that went backwards lands here too: a cloned authenticator
        raise Refused(f"assertion not verified: {error}") from None
    stored.sign_count = verified.new_sign_count
    stored.backed_up = verified.credential_backed_up
    stored.last_used_at = models.now()
    return Assertion(stored, verified.user_verified)
