"""One table of protocol paths (``ostiary.protocol.paths``): the routes are
added from it and discovery advertises it, so the two cannot disagree."""

from urllib.parse import urlsplit

from pyramid.interfaces import IRoutesMapper

from ostiary.protocol.paths import PATHS
from ostiary.testing import TEST_ISSUER

ADVERTISED = {
    "authorization_endpoint": "authorize",
    "token_endpoint": "token",
    "userinfo_endpoint": "userinfo",
    "jwks_uri": "jwks",
    "end_session_endpoint": "end_session",
    "revocation_endpoint": "revocation",
    "introspection_endpoint": "introspection",
}


def test_every_route_of_the_table_has_its_path(ostiary_app):
    routes = {route.name: route.pattern for route in ostiary_app.registry.getUtility(IRoutesMapper).get_routes()}
    assert {name: routes[name] for name in PATHS} == PATHS


def test_discovery_advertises_the_routes_paths_on_the_issuer(app):
    doc = app.get("/.well-known/openid-configuration").json
    for key, route in ADVERTISED.items():
        assert doc[key] == TEST_ISSUER + PATHS[route], key
        assert urlsplit(doc[key]).path == PATHS[route]
