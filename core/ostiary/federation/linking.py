"""From a validated upstream identity to a local user.

In order: an existing link (provider, upstream subject) signs that user in;
else, when the provider allows it, the local user with the same email is
linked, but only when the upstream says the address is verified and the
local account does not say it is unverified; else, as the provider is
configured, a new user is created (``create``), the person is asked to sign
in locally once to link (``link``, and ``create`` when the email belongs to
a local account already), or the sign-in is refused (``off``).
"""

from __future__ import annotations

import dataclasses

from ..events import declare, emit
from ..facade import merged
from ..models.federation import PendingLink
from ..models.util import now
from ..protocol.claims import STANDARD_CLAIMS

#: Audit events of external login (see :mod:`ostiary.events`).
EXTERNAL_LINKED = declare("external.linked", "An external identity was linked to a local account.")
EXTERNAL_PROVISIONED = declare("external.provisioned", "An account was created for an external identity.")

#: OpenID Connect Core 1.0, section 5.1: copied under the same name unless
#: ``ostiary.provider.<name>.claims.<claim>`` says otherwise. Not ``sub``
#: (the provider's ``subject_claim`` names the person) and not
#: ``updated_at`` (when the upstream changed its record, not ours).
COPIED_CLAIMS = tuple(name for name in STANDARD_CLAIMS if name not in ("sub", "updated_at"))


class Refused(Exception):
    """No local user for this identity; ``error`` names the error page's message."""

    def __init__(self, error: str, detail: str):
        super().__init__(detail)
        self.error = error


@dataclasses.dataclass
class UpstreamIdentity:
    """A person as a provider vouched for them, after every check."""

    provider: object  # ProviderSettings
    subject: str
    claims: dict  # local claim names (after ostiary_external_claims)
    id_token: str | None = None
    sid: str | None = None
    auth_time: int | None = None  # when the person authenticated upstream, if it said
    id_subject: str | None = None  # the ID token's sub, which logout tokens name
    amr: tuple = ()  # the ID token's amr and acr (issue 13), used when the provider is trusted for them
    acr: str | None = None


def is_true(value) -> bool:
    """A boolean claim, which some providers send as a string."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def default_claims(provider, upstream: dict) -> dict:
    """The standard claims, renamed by the provider's claim mapping."""
    mapping = {name: name for name in COPIED_CLAIMS}
    mapping.update(provider.claims)
    mapped = {local: upstream[name] for local, name in mapping.items() if name and name in upstream}
    for flag in ("email_verified", "phone_number_verified"):
        if flag in mapped:
            mapped[flag] = is_true(mapped[flag])
    return mapped


def map_claims(request, provider, upstream: dict) -> dict:
    """Every plugin's ``ostiary_external_claims``, merged (later plugins win)."""
    relay = request.registry.ostiary_plugins.hook
    results = relay.ostiary_external_claims(request=request, provider=provider, claims=dict(upstream))
    return {name: value for name, value in merged(results).items() if value is not None and name != "sub"}


def _user(request, subject):
    return request.plugins.user_by_subject(subject)


def _local_with_email(request, email: str | None):
    """The local user whose email is ``email`` (not merely whose username is)."""
    if not email:
        return None
    user = request.plugins.user_by_username(email)
    if user is None or (getattr(user, "email", None) or "").casefold() != email.strip().casefold():
        return None
    return user


def link(request, identity: UpstreamIdentity, user, how: str) -> None:
    request.ostiary_root.federation.add_link(identity.provider.name, identity.subject, user.subject)
    emit(request, EXTERNAL_LINKED, subject=user.subject, idp=identity.provider.name, how=how)


def find_user(request, identity: UpstreamIdentity):
    """The local user of ``identity`` by its link or, where allowed, by a
    verified email (which then links it); ``None`` when there is none."""
    store = request.ostiary_root.federation
    existing = store.link(identity.provider.name, identity.subject)
    if existing is not None:
        user = _user(request, existing.subject)
        if user is not None:
            existing.last_used_at = now()
            return user
        store.remove_link(identity.provider.name, identity.subject)  # the local user is gone
    if not identity.provider.link_by_verified_email or not is_true(identity.claims.get("email_verified")):
        return None
    user = _local_with_email(request, identity.claims.get("email"))
    if user is None or getattr(user, "claims", {}).get("email_verified") in (False, "false"):
        return None
    link(request, identity, user, "verified email")
    return user


def email_taken(request, identity: UpstreamIdentity) -> bool:
    """Whether a local account has the identity's email (verified or not)."""
    return _local_with_email(request, identity.claims.get("email")) is not None


def _free_username(request, identity: UpstreamIdentity, email: str | None) -> str:
    candidates = (identity.claims.get("preferred_username"), email, f"{identity.provider.name}-{identity.subject}")
    for candidate in candidates:
        if candidate and request.plugins.user_by_username(candidate) is None:
            return candidate
    return f"{identity.provider.name}-{identity.subject}-{now()}"


def provision(request, identity: UpstreamIdentity):
    """Create a local user without a password for ``identity`` and link it."""
    claims = dict(identity.claims)
    email = claims.pop("email", None) if is_true(claims.get("email_verified")) else None
    claims.pop("email", None)
    if email is None:
        claims.pop("email_verified", None)
    proposal = {"username": _free_username(request, identity, email), "email": email, "claims": claims}
    # firstresult: the first message refuses
    refusal = request.registry.ostiary_plugins.hook.ostiary_external_provisioning(
        request=request, provider=identity.provider, claims=dict(identity.claims), proposal=proposal
    )
    if refusal:
        raise Refused("external_refused", f"provisioning refused: {refusal}")
    try:
        user = request.plugins.create_user(proposal["username"], proposal["email"], None, dict(proposal["claims"]))
    except ValueError as exc:
        raise Refused("external_refused", f"the user store refused the new user: {exc}") from None
    if user is None:
        raise Refused("external_refused", "no user store creates users")
    emit(request, EXTERNAL_PROVISIONED, subject=user.subject, idp=identity.provider.name)
    link(request, identity, user, "provisioned")
    return user


def ask_to_link(request, identity: UpstreamIdentity, browser: str, return_url: str | None) -> None:
    """Remember ``identity`` for this browser until the person signs in locally."""
    item = PendingLink(identity.provider.name, identity.subject, return_url, email=identity.claims.get("email"))
    request.ostiary_root.federation.put_pending_link(browser, item)


def complete_pending_link(request, browser: str | None, user, return_url: str | None) -> bool:
    """After a local sign-in in this browser: link the pending identity to
    ``user`` if it waits for this very authorization request. A pending link
    for another request is dropped: the person moved on."""
    store = request.ostiary_root.federation
    pending = store.pending_link(browser)
    if pending is None:
        return False
    store.drop_pending_link(browser)
    if (pending.return_url or None) != (return_url or None):
        return False
    if store.link(pending.provider, pending.upstream_subject) is None:
        store.add_link(pending.provider, pending.upstream_subject, user.subject)
        emit(request, EXTERNAL_LINKED, subject=user.subject, idp=pending.provider, how="local sign-in")
    return True
