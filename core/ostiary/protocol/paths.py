"""Where the protocol endpoints live: one table of route names and paths.

The routes are added from it, and the few places that need a path before
any request exists use it too: discovery (its endpoint URLs are built on
the issuer when the application starts), the execution policy that serves
discovery and the JWKS before Pyramid builds a request, and the audience of
a client's ``private_key_jwt`` assertion. Where a request is at hand, use
``request.route_path(name)`` or ``request.route_url(name)`` instead.
"""

from __future__ import annotations

#: route name -> path, for every protocol endpoint.
PATHS = {
    "discovery": "/.well-known/openid-configuration",
    "jwks": "/.well-known/jwks.json",
    "authorize": "/connect/authorize",
    "authorize_callback": "/connect/authorize/callback",
    "token": "/connect/token",
    "revocation": "/connect/revocation",
    "introspection": "/connect/introspect",
    "userinfo": "/connect/userinfo",
    "end_session": "/connect/endsession",
    # -- oauth-grants (issue 15) --
    "par": "/connect/par",
    "device_authorization": "/connect/device_authorization",
    "device_confirm": "/device/confirm",
    # -- dynamic client registration and RFC 8414 ---------------------------
    "oauth_metadata": "/.well-known/oauth-authorization-server",
    "registration": "/connect/register",
    "registration_client": "/connect/register/{client_id}",
}


def endpoint_url(issuer: str, name: str) -> str:
    """The absolute URL of endpoint ``name`` under ``issuer`` (no request needed)."""
    return issuer + PATHS[name]
