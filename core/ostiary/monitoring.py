"""Serving the Prometheus metrics of :mod:`ostiary.metrics`, and timing
every request.

Two ways to scrape, both off by default (the numbers name clients and tell
an outsider how busy the server is):

* ``ostiary.metrics_listen = 127.0.0.1:9464``: a listener of its own, on an
  address the public proxy does not forward to. With several granian
  workers the first to bind it serves, and since the workers share one
  multi-process directory it answers for all of them.
* ``ostiary.metrics_path = /metrics`` on the main listener, answered only
  to the addresses in ``ostiary.metrics_allowed_addresses`` (loopback by
  default; behind a proxy that is the forwarded client address, when the
  proxy settings trust it), 404 to everyone else.

Several workers: the granian runner sets ``PROMETHEUS_MULTIPROC_DIR`` to a
fresh directory before it starts them (unless the environment names one),
so every worker's counts are added up whichever worker is scraped.
"""

from __future__ import annotations

import logging
import os
import time

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from pyramid.events import NewResponse
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response

from .metrics import KEY_AGE, KEY_NEXT_CHANGE, LATENCY, REQUESTS
from .models.database import database
from .models.root import open_root_from_connection
from .protocol.paths import PATHS

log = logging.getLogger(__name__)

ROUTE_KEY = "ostiary.route"
_FAST_PATHS = {PATHS["discovery"]: "discovery", PATHS["jwks"]: "jwks"}


def scrape_registry():
    """The registry to expose: every worker's values in multi-process mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def _update_key_gauges(registry) -> None:
    """Key age and time to the next key change, read when scraped."""
    db = database(registry)
    conn = db.open()
    try:
        root = open_root_from_connection(conn, create=False)
        if root is None:
            return
        when = int(time.time())
        alg = registry.ostiary_settings.signing_alg
        active = root.keys.active(alg, when)
        if active is not None:
            KEY_AGE.labels(alg=alg).set(when - active.activates_at)
        change = root.keys.next_change(when)
        KEY_NEXT_CHANGE.set(change - when if change is not None else -1)
    finally:
        conn.transaction_manager.abort()
        conn.close()


def exposition(registry) -> bytes:
    try:
        _update_key_gauges(registry)
    except Exception:  # noqa: BLE001 - metrics must answer while the database is down
        log.warning("metrics: could not read the key ring", exc_info=True)
    return generate_latest(scrape_registry())


def metrics_view(request):
    """``GET`` of ``ostiary.metrics_path``: for the allowed addresses only."""
    settings = request.registry.ostiary_settings
    if request.remote_addr not in settings.metrics_allowed_addresses:
        raise HTTPNotFound()
    response = Response(exposition(request.registry), content_type=CONTENT_TYPE_LATEST.split(";")[0])
    response.headers["Cache-Control"] = "no-store"
    return response


#: (route, method, status) -> the REQUESTS and LATENCY children: ``labels()``
#: takes a lock and builds its key on every call, for the same few children
#: (routes, methods and status codes are bounded sets). Filled under the GIL;
#: two threads racing get the same children from ``labels()``.
_CHILDREN: dict[tuple[str, str, str], tuple] = {}


def _children(route: str, method: str, status: str) -> tuple:
    key = (route, method, status)
    found = _CHILDREN.get(key)
    if found is None:
        found = _CHILDREN[key] = (
            REQUESTS.labels(route=route, method=method, status=status),
            LATENCY.labels(route=route),
        )
    return found


class TimingPolicy:
    """An execution policy that counts and times every answer, those served
    before Pyramid included (by path: discovery and JWKS)."""

    def __init__(self, inner):
        self.inner = inner

    def __call__(self, environ, router):
        started = time.perf_counter()
        answer = self.inner(environ, router)
        method = environ.get("REQUEST_METHOD", "")
        method = method if method in ("GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE") else "other"

        def respond(environ, start_response):
            def start(status, headers, exc_info=None):
                route = environ.get(ROUTE_KEY) or _FAST_PATHS.get(environ.get("PATH_INFO"), "unmatched")
                counted, timed = _children(route, method, status[:3])
                counted.inc()
                timed.observe(time.perf_counter() - started)
                return start_response(status, headers, exc_info)

            return answer(environ, start)

        return respond


def _remember_route(event) -> None:
    route = getattr(event.request, "matched_route", None)
    event.request.environ[ROUTE_KEY] = route.name if route is not None else "unmatched"


def install(registry) -> None:
    """Put :class:`TimingPolicy` in front of the execution policy."""
    from pyramid.interfaces import IExecutionPolicy
    from pyramid.router import default_execution_policy

    inner = registry.queryUtility(IExecutionPolicy, default=default_execution_policy)
    registry.registerUtility(TimingPolicy(inner), IExecutionPolicy)


def start_listener(registry) -> None:
    """The metrics listener of ``ostiary.metrics_listen``, in a thread of
    this process; a second worker finding the port taken leaves it to the first."""
    listen = registry.ostiary_settings.metrics_listen
    if not listen:
        return
    from prometheus_client import start_http_server

    host, _, port = listen.rpartition(":")
    try:
        server, _thread = start_http_server(int(port), addr=host.strip("[]"), registry=_ScrapeRegistry(registry))
    except OSError as exc:
        log.info("metrics listener %s not started here (%s): another worker serves it", listen, exc)
        return
    registry.ostiary_metrics_server = server


def stop_listener(registry) -> None:
    """Close the metrics listener this process started, if any."""
    server = getattr(registry, "ostiary_metrics_server", None)
    if server is not None:
        registry.ostiary_metrics_server = None
        server.shutdown()
        server.server_close()


class _ScrapeRegistry:
    """What the separate listener collects: the key gauges refreshed, then
    every metric (of every worker in multi-process mode)."""

    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        try:
            _update_key_gauges(self.registry)
        except Exception:  # noqa: BLE001
            log.warning("metrics: could not read the key ring", exc_info=True)
        return scrape_registry().collect()


def includeme(config) -> None:
    settings = config.registry.ostiary_settings
    config.add_subscriber(_remember_route, NewResponse)
    if settings.metrics_path:
        config.add_route("metrics", settings.metrics_path, request_method=("GET", "HEAD"))
        config.add_view(metrics_view, route_name="metrics")
