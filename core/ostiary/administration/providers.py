"""External identity providers, read only: what the ini file and the
database configure (never a client secret)."""

from __future__ import annotations

from ..federation.providers import configured
from .errors import NotFound

#: What of a provider an administrator sees; the rest is its secret.
SHOWN = (
    "name",
    "kind",
    "source",
    "display_name",
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "end_session_endpoint",
    "client_id",
    "token_endpoint_auth_method",
    "scopes",
    "subject_claim",
    "provisioning",
    "link_by_verified_email",
    "end_upstream_session",
)


def as_data(provider) -> dict:
    data = {name: getattr(provider, name, None) for name in SHOWN}
    data["scopes"] = list(data["scopes"] or ())
    data["claims"] = dict(provider.claims)
    return data


def list_providers(request) -> dict:
    items = [as_data(p) for p in configured(request).values()]
    return {"items": items, "total": len(items)}


def get_provider(request, name: str) -> dict:
    provider = configured(request).get(name or "") if isinstance(name, str) else None
    if provider is None:
        raise NotFound(f"no provider {name!r}")
    return as_data(provider)
