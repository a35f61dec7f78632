"""The protocol layer: authlib adapted to Pyramid, one module per endpoint.

authlib is imported only inside this package.
"""

from .endpoints import discovery, introspection, jwks, method_not_allowed, revocation, token, userinfo
from .authorize import authorize
from .end_session import end_session
from .server import get_oauth_server
from .signing import KeyCache

#: route name, path, view, methods (None: any), whether the view is CSRF-exempt API
ROUTES = (
    ("discovery", "/.well-known/openid-configuration", discovery, ("GET", "HEAD")),
    ("jwks", "/.well-known/jwks.json", jwks, ("GET", "HEAD")),
    ("authorize", "/connect/authorize", authorize, ("GET", "POST")),
    ("authorize_callback", "/connect/authorize/callback", authorize, ("GET",)),
    ("token", "/connect/token", token, ("POST",)),
    ("revocation", "/connect/revocation", revocation, ("POST",)),
    ("introspection", "/connect/introspect", introspection, ("POST",)),
    ("userinfo", "/connect/userinfo", userinfo, ("GET", "POST")),
    ("end_session", "/connect/endsession", end_session, ("GET", "POST")),
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
