"""Discovery metadata of pushed requests (RFC 9126), request objects
(RFC 9101), the device grant (RFC 8628) and token exchange (RFC 8693).

Kept apart from :func:`.endpoints.discovery_document`, which knows only the
issuer: what is advertised here may depend on the settings."""

from __future__ import annotations

from .paths import endpoint_url
from .request_objects import SIGNING_ALGS as REQUEST_OBJECT_ALGS


def grant_metadata(settings) -> dict:
    """The discovery keys of these grants and extensions, given the settings."""
    issuer = settings.issuer
    return {
        "pushed_authorization_request_endpoint": endpoint_url(issuer, "par"),
        "require_pushed_authorization_requests": settings.require_pushed_authorization_requests,
        "request_parameter_supported": True,
        "request_object_signing_alg_values_supported": list(REQUEST_OBJECT_ALGS),
        # request_uri is PAR's URNs only; nothing is fetched from a URL.
        "request_uri_parameter_supported": False,
    }
