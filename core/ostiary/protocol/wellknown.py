"""Discovery and JWKS answered before Pyramid builds a request.

Relying parties and resource servers fetch these two documents far more
often than anything else, and both are bytes the process already holds:
the discovery document never changes while the process runs, and the JWKS
only when a commit changes the key ring (see
:meth:`~ostiary.protocol.signing.KeyCache.published_jwks`). Going through
Pyramid for them (request object, retry policy, transaction, ZODB
connection, events) costs about four times the answer itself.

:class:`WellKnownPolicy` wraps the execution policy (pyramid_retry's) and
answers ``GET``/``HEAD`` of exactly these two paths from those bytes, with
the headers the views give them. Everything else, and a JWKS that may have
changed, goes to Pyramid as before; the views stay the reference.
"""

from __future__ import annotations

import json

from ..models.database import database
from .paths import PATHS

DISCOVERY_PATH = PATHS["discovery"]
JWKS_PATH = PATHS["jwks"]

#: Cache lifetimes the two views announce.
DISCOVERY_MAX_AGE = 3600
JWKS_MAX_AGE = 300


def discovery_bytes(registry) -> bytes:
    """The serialized discovery document, built once per process."""
    body = getattr(registry, "ostiary_discovery_bytes", None)
    if body is None:
        from .endpoints import discovery_document

        settings = registry.ostiary_settings
        doc = discovery_document(settings.issuer, settings.languages)
        # issue 13: the acr values a session can have, single- and multi-factor
        doc["acr_values_supported"] = [settings.acr_single_factor, settings.acr_multi_factor]
        body = registry.ostiary_discovery_bytes = json.dumps(doc, separators=(",", ":")).encode()
    return body


def cached_json_headers(max_age: int) -> list[tuple[str, str]]:
    """The headers of a public, cacheable JSON document (besides its type and length)."""
    return [("Cache-Control", f"public, max-age={max_age}"), ("Access-Control-Allow-Origin", "*")]


class WellKnownPolicy:
    """A Pyramid execution policy: discovery and an unchanged JWKS from
    memory, every other request to ``inner``."""

    def __init__(self, registry, inner, common_headers):
        self.registry = registry
        self.inner = inner
        # What the views' responses carry besides the document's own headers
        # (the security headers every response gets).
        self.common_headers = list(common_headers)

    def __call__(self, environ, router):
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            path = environ.get("PATH_INFO")
            if path == DISCOVERY_PATH:
                return self._answer(discovery_bytes(self.registry), DISCOVERY_MAX_AGE)
            if path == JWKS_PATH:
                body = self.registry.ostiary_keys.unchanged_jwks(database(self.registry))
                if body is not None:
                    return self._answer(body, JWKS_MAX_AGE)
        return self.inner(environ, router)

    def _answer(self, body: bytes, max_age: int):
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        headers += cached_json_headers(max_age) + self.common_headers

        def respond(environ, start_response):
            start_response("200 OK", headers)
            return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

        return respond


def install(config_registry) -> None:
    """Put :class:`WellKnownPolicy` in front of the registered execution policy.

    Called by :func:`ostiary.main` after the configuration is committed
    and before the router is made (the router reads the policy once).
    """
    from pyramid.interfaces import IExecutionPolicy
    from pyramid.router import default_execution_policy

    from .headers import COMMON_HEADERS

    inner = config_registry.queryUtility(IExecutionPolicy, default=default_execution_policy)
    config_registry.registerUtility(WellKnownPolicy(config_registry, inner, COMMON_HEADERS), IExecutionPolicy)
