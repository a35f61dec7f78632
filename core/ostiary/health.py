"""Health probes for load balancers and orchestrators.

``GET /health/live`` says the process answers requests (nothing else is
looked at: a liveness probe that fails when the database is down would get
healthy processes restarted for somebody else's outage).

``GET /health/ready`` says whether this process should be sent traffic: the
database answers a read, the key ring has a key signing now, and the
application is not shutting down. 200 when all hold, 503 otherwise, with
the same JSON either way, so a person reading it sees which check failed.

Both are cheap enough for a probe every second: no session, no template,
nothing written, no secret in the answer.
"""

from __future__ import annotations

import json

from pyramid.response import Response

from .models.database import database, readiness
from .protocol.headers import NO_STORE

LIVE = "/health/live"
READY = "/health/ready"


def _json(status: int, body: dict) -> Response:
    response = Response(json.dumps(body, sort_keys=True).encode(), status=status, content_type="application/json")
    for name, value in NO_STORE:
        response.headers[name] = value
    return response


def live(request) -> Response:
    """``GET /health/live``."""
    return _json(200, {"status": "ok"})


def ready(request) -> Response:
    """``GET /health/ready``: 200 ``{"status": "ok", ...}`` or 503 naming the check that failed."""
    registry = request.registry
    checks = {"accepting": not getattr(registry, "ostiary_closing", False)}
    if checks["accepting"]:
        checks.update(readiness(database(registry), [registry.ostiary_settings.signing_alg]))
    ok = all(checks.values())
    response = _json(200 if ok else 503, {"status": "ok" if ok else "unavailable", "checks": checks})
    if not ok:
        response.headers["Retry-After"] = "5"
    return response


def includeme(config) -> None:
    config.add_route("health_live", LIVE, request_method=("GET", "HEAD"))
    config.add_route("health_ready", READY, request_method=("GET", "HEAD"))
    config.add_view(live, route_name="health_live")
    config.add_view(ready, route_name="health_ready")
