"""Which external login providers exist, and which a client accepts.

Providers come from two sources that merge: the ini file
(``ostiary.providers`` and ``ostiary.provider.<name>.*``, parsed at start-up
by :mod:`ostiary.settings`) and the database (``ostiary CONFIG provider
add``, parsed by the same function). Where both name the same provider, the
ini file wins.

A client's ``identity_providers`` lists the names it accepts, ``local``
standing for the password form; an empty list accepts everything. The
``acr_values`` hint ``idp:<name>`` (as in Duende IdentityServer) asks for
one of them.
"""

from __future__ import annotations

import logging

from ..models.clients import LOCAL_IDP
from ..settings import ProviderSettings, SettingsError, parse_provider

log = logging.getLogger(__name__)

#: The idp of a sign-in with a local password.
LOCAL = LOCAL_IDP


def _from_database(request) -> list[ProviderSettings]:
    parsed = []
    for name, raw in request.ostiary_root.federation.providers.items():
        try:
            parsed.append(parse_provider(name, dict(raw), source="database", prefix=f"provider {name}: "))
        except SettingsError as exc:  # stored by an older version, say; skip it loudly
            log.error("external login provider %s from the database is ignored: %s", name, exc)
    return parsed


def configured(request) -> dict[str, ProviderSettings]:
    """Every provider by name, ini first (cached on the request)."""
    cache = vars(request)
    if "_ostiary_providers" not in cache:
        providers = {p.name: p for p in request.registry.ostiary_settings.providers}
        for provider in _from_database(request):
            providers.setdefault(provider.name, provider)
        cache["_ostiary_providers"] = providers
    return cache["_ostiary_providers"]


def get(request, name: str | None) -> ProviderSettings | None:
    return configured(request).get(name or "")


def client_allows(client, idp: str) -> bool:
    """Whether ``client`` accepts a sign-in through ``idp`` (None: any client)."""
    return client is None or client.accepts_idp(idp)


def offered(request, client) -> list[ProviderSettings]:
    """The providers to offer for ``client``, in configuration order."""
    return [p for p in configured(request).values() if client_allows(client, p.name)]


def idp_hint(request, client, acr_values: str | None) -> str | None:
    """The ``idp:<name>`` of ``acr_values`` when it names ``local`` or a
    configured provider the client accepts; otherwise None (ignored)."""
    for value in (acr_values or "").split():
        if value.startswith("idp:"):
            name = value.removeprefix("idp:")
            if (name == LOCAL or get(request, name) is not None) and client_allows(client, name):
                return name
            return None
    return None


def hint_fits(request, session_idp: str | None, client, params) -> bool:
    """Whether an ``idp:`` hint, if any, asks for the way the session signed
    in. Otherwise the person must sign in again (as in Duende IdentityServer)."""
    hint = idp_hint(request, client, params.get("acr_values"))
    return hint is None or hint == (session_idp or LOCAL)
