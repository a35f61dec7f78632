"""The upstream signs the person out: OpenID Connect Back-Channel Logout
1.0, with Ostiary as the relying party.

``POST /account/external/<name>/backchannel-logout`` is where the upstream
provider (configured with it as Ostiary's ``backchannel_logout_uri``) sends
a logout token, server to server. The token is validated as section 2.6
says (:func:`.client.validate_logout_token`), its ``jti`` is remembered
against replays, and every Ostiary session it names ends as a local
sign-out would: by the upstream ``sid`` when the token has one, else every
session of that upstream ``sub`` from this provider. Ostiary's own clients
of those sessions hear of it by back-channel after commit (front-channel
needs a browser). The answer is 200 with no body, or 400 with
``{"error": "invalid_request"}`` and nothing ended (section 2.8); an
unknown provider, or one with ``backchannel_logout = false``, is 404.

A browser never comes here: no CSRF token applies (the logout token's
signature authenticates the call) and no page is rendered.
"""

from __future__ import annotations

import json
import logging

from pyramid.response import Response

from ..protocol.headers import NO_STORE
from . import providers, upstream

log = logging.getLogger(__name__)


def backchannel_logout_url(request, name: str) -> str:
    """What to register at provider ``name`` as the ``backchannel_logout_uri``."""
    issuer = request.registry.ostiary_settings.issuer
    return request.route_url("external_backchannel_logout", provider=name, _app_url=issuer)


def _answer(status: int, body: dict | None = None) -> Response:
    if body is None:  # success: an empty body, and nothing a browser would render
        response = Response(status=status, content_type="text/plain", charset=None, body=b"")
    else:
        response = Response(
            status=status, content_type="application/json", charset=None, body=json.dumps(body).encode()
        )
    response.headers.extend(NO_STORE)
    return response


def backchannel_logout(request):
    """``POST /account/external/<name>/backchannel-logout``: a logout token."""
    name = request.matchdict["provider"]
    provider = providers.get(request, name)
    if provider is None or provider.kind != "oidc" or not provider.backchannel_logout:
        return _answer(404, {"error": "not_found"})
    try:
        metadata = request.registry.ostiary_upstreams.metadata(provider)
        claims = upstream.validate_logout_token(
            request.registry.ostiary_upstreams, provider, metadata, request.POST.get("logout_token")
        )
    except upstream.UpstreamError as exc:
        log.info("back-channel logout from %s refused: %s", name, exc)
        return _answer(400, {"error": "invalid_request"})
    root = request.ostiary_root
    if not root.federation.first_logout_token(name, claims["jti"], upstream.logout_token_lifetime(claims)):
        log.info("back-channel logout from %s refused: logout token %s was used before", name, claims["jti"])
        return _answer(400, {"error": "invalid_request"})
    sessions = root.sessions.of_upstream(name, sid=claims.get("sid"), sub=claims.get("sub"))
    ended = request.interaction.end_sessions(sessions)
    log.info("back-channel logout from %s ended %d session(s)", name, ended)
    return _answer(200)
