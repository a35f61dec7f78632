"""Discovery metadata of pushed requests (RFC 9126), request objects
(RFC 9101), the device grant (RFC 8628) and token exchange (RFC 8693).

Kept apart from :func:`.endpoints.discovery_document`, which knows only the
issuer: what is advertised here may depend on the settings."""

from __future__ import annotations

from .device import GRANT_TYPE as DEVICE_GRANT
from .paths import endpoint_url
from .request_objects import SIGNING_ALGS as REQUEST_OBJECT_ALGS
from .token_exchange import GRANT_TYPE as TOKEN_EXCHANGE_GRANT


def grant_metadata(settings, document: dict) -> dict:
    """The discovery keys of these grants and extensions, given the settings
    and the rest of the ``document``."""
    issuer = settings.issuer
    grant_types = [*document.get("grant_types_supported", ()), DEVICE_GRANT, TOKEN_EXCHANGE_GRANT]
    return {
        "grant_types_supported": grant_types,
        "device_authorization_endpoint": endpoint_url(issuer, "device_authorization"),
        "pushed_authorization_request_endpoint": endpoint_url(issuer, "par"),
        "require_pushed_authorization_requests": settings.require_pushed_authorization_requests,
        "request_parameter_supported": True,
        "request_object_signing_alg_values_supported": list(REQUEST_OBJECT_ALGS),
        # request_uri is PAR's URNs only; nothing is fetched from a URL.
        "request_uri_parameter_supported": False,
    }
