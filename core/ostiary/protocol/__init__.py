"""The protocol layer: authlib adapted to Pyramid, one module per endpoint.

authlib is imported only inside this package.
"""

from . import cors
from .authorize import authorize
from .device import device_authorization
from .end_session import end_session
from .endpoints import (
    discovery,
    introspection,
    jwks,
    method_not_allowed,
    oauth_metadata,
    revocation,
    token,
    userinfo,
)
from .paths import PATHS
from .pushed_requests import par
from .server import get_oauth_server
from .signing import KeyCache

#: route name, path (from the one table in :mod:`.paths`), view, methods
ROUTES = tuple(
    (name, PATHS[name], view, methods)
    for name, view, methods in (
        ("discovery", discovery, ("GET", "HEAD")),
        ("jwks", jwks, ("GET", "HEAD")),
        ("authorize", authorize, ("GET", "POST")),
        ("authorize_callback", authorize, ("GET",)),
        ("token", token, ("POST",)),
        ("revocation", revocation, ("POST",)),
        ("introspection", introspection, ("POST",)),
        ("userinfo", userinfo, ("GET", "POST")),
        ("end_session", end_session, ("GET", "POST")),
        # -- oauth-grants (issue 15) --
        ("par", par, ("POST",)),
        ("device_authorization", device_authorization, ("POST",)),
        # -- RFC 8414 (the registration routes: ostiary.administration.registration)
        ("oauth_metadata", oauth_metadata, ("GET", "HEAD")),
    )
)


def includeme(config):
    """Add the protocol routes and views, and ``request.oauth_server``."""
    config.registry.ostiary_keys = KeyCache()
    config.add_request_method(get_oauth_server, "oauth_server", reify=True)
    for name, path, view, methods in ROUTES:
        config.add_route(name, path)
        # Protocol endpoints are called by clients, not by our forms: the
        # client authenticates itself, so CSRF tokens do not apply.
        # Browser applications call some of them from other origins (CORS).
        decorator = cors.answered_with_cors if name in cors.METHODS else None
        config.add_view(view, route_name=name, request_method=methods, require_csrf=False, decorator=decorator)
        if name in cors.METHODS:
            config.add_view(cors.preflight, route_name=name, request_method="OPTIONS", require_csrf=False)
        elif name in ("discovery", "jwks"):
            config.add_view(cors.public_preflight, route_name=name, request_method="OPTIONS", require_csrf=False)
        if methods == ("POST",):
            config.add_view(method_not_allowed, route_name=name, require_csrf=False, decorator=decorator)
    config.include(".registration")
