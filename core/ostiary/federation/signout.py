"""Signing out at the upstream provider too.

When a session that signed in through a provider configured with
``end_upstream_session = true`` ends, and the provider has an end-session
endpoint, the browser goes there (with the upstream ID token as
``id_token_hint``) before it sees the signed-out page; the upstream sends
it back to ``/account/external/<name>/signed-out``, which shows the page
with the front-channel logout frames of Ostiary's own clients, as Duende
IdentityServer does. Ostiary's own session is already gone, and its
back-channel logout already under way, before the browser leaves.
"""

from __future__ import annotations

import logging

from ..models.federation import PendingSignOut
from . import providers, upstream

log = logging.getLogger(__name__)


def signed_out_url(request, name: str) -> str:
    return f"{request.registry.ostiary_settings.issuer}/account/external/{name}/signed-out"


def upstream_sign_out(request, session, logout_id, frames) -> str | None:
    """The upstream end-session URL for ``session``, or None (no detour)."""
    provider = providers.get(request, session.idp)
    if provider is None or not provider.end_upstream_session:
        return None
    try:
        metadata = request.registry.ostiary_upstreams.metadata(provider)
    except upstream.UpstreamError as exc:
        log.warning("cannot sign out at %s: %s", provider.name, exc)
        return None
    state = request.ostiary_root.federation.put_sign_out(PendingSignOut(provider.name, logout_id, frames))
    return upstream.end_session_url(
        provider,
        metadata,
        id_token=session.upstream_id_token,
        post_logout_redirect_uri=signed_out_url(request, provider.name),
        state=state,
    )


def signed_out(request):
    """``GET /account/external/<name>/signed-out``: back from the upstream."""
    from ..interaction.logout import signed_out_page

    item = request.ostiary_root.federation.take_sign_out(request.GET.get("state"))
    if item is None or item.provider != request.matchdict["provider"]:
        return signed_out_page(request, None, [], signed_out=request.interaction.session is None)
    record = request.interaction.take_logout(item.logout_id)
    return signed_out_page(request, record, list(item.frames))
