"""The admin API's two scopes, offered by a built-in plugin
(``ostiary_resources``), so that tokens for them carry the admin API's
audience (RFC 9068 ``aud``) and no other API accepts them.

A client may ask for them only when its ``scopes`` list them, as for any
scope: ``ostiary client add automation --grant-type client_credentials
--scope ostiary:admin``.
"""

from __future__ import annotations

from ..hookspecs import hookimpl
from ..models.resources import N_, Resource

#: Read and change everything the service layer offers.
ADMIN = "ostiary:admin"
#: Read only: every GET of the admin API.
ADMIN_READ = "ostiary:admin.read"
#: Where the admin API lives, below the issuer.
API_PATH = "/admin/api/v1"


def audience(request) -> str:
    """The ``aud`` of an admin API access token: the API's own URL."""
    return request.registry.ostiary_settings.issuer.rstrip("/") + API_PATH


@hookimpl
def ostiary_resources(request):
    # Registered after the stored resources (DEFAULT_PLUGINS), so a stored
    # resource of the same name cannot take the admin audience away.
    aud = audience(request)
    return [
        # N_: the consent page translates display names when it shows them.
        Resource(ADMIN, "api", N_("Administer this server"), claims=(), audience=aud),
        Resource(ADMIN_READ, "api", N_("Read this server's configuration"), claims=(), audience=aud),
    ]
