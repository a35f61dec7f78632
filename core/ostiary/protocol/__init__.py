"""The protocol layer: authlib adapted to Pyramid, one module per endpoint.

authlib is imported only inside this package.
"""

from .authorize import authorize
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
        config.add_view(view, route_name=name, request_method=methods, require_csrf=False)
        if methods == ("POST",):
            config.add_view(method_not_allowed, route_name=name, require_csrf=False)
    config.include(".registration")
