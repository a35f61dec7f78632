"""Built-in resource store: identity resources and API scopes kept in the
Ostiary ZODB database (the standard OpenID Connect scopes are created with
the database)."""

from ..hookspecs import hookimpl


@hookimpl
def ostiary_resources(request):
    return list(request.ostiary_root.resources)
