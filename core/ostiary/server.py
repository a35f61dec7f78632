"""Serve Ostiary with granian: ``use = egg:ostiary#granian`` in ``[server:main]``.

waitress, which ``make run`` uses, parses HTTP in pure Python: on a 2-core
machine it answers about 2,700 requests per second for a hello-world app,
whatever the app does. granian does the HTTP work in Rust and hands each
request to the WSGI app on a small pool of Python threads; the app's time is
then nearly all there is, and a token request's RSA signature (which
releases the GIL) runs beside the next request's Python.

granian runs the app in worker processes it starts itself (one by default).
``pserve`` has already built the app in its own process by the time the
server starts, so this module closes that copy (its database, which a
FileStorage would otherwise keep locked, and its pruner thread) and lets
every worker build its own app from the same ini file.

Settings of the ``[server:main]`` section:

``listen``                 ``HOST:PORT`` (or ``host`` and ``port``); default 127.0.0.1:6543
``workers``                worker processes; each needs the database to itself
                           unless it is shared (RelStorage, ZEO); default 1
``threads``                Python threads per worker running requests; default 4
``backlog``                listen backlog; default 1024
``log_level``              granian's own messages (start, stop, crashed workers);
                           default info
``access_log``             true to log every request (granian's access format)
``max_header_size``        bytes of request line and headers granian reads before
                           answering 431 (HTTP/1 read buffer, HTTP/2 header list);
                           at least 8192; default granian's (about 400 KiB, 16 MiB)
``trusted_proxy``, ``trusted_proxy_headers``, ``trusted_proxy_count``,
``clear_untrusted_proxy_headers``
                           as in waitress: which ``X-Forwarded-*`` (or ``Forwarded``)
                           headers to believe and from which peer address
``respawn_failed_workers`` true (the default) to start a new worker when one
                           dies (a crash, kill -9, the OOM killer); false lets
                           one crashed worker stop the whole server, as granian
                           does by default
``respawn_interval``       seconds between a worker's death and its replacement;
                           default 1
``app``                    the ``[app:NAME]`` the workers load; default main

A crashed worker costs only the requests it had in flight: the others serve
on, and granian starts a replacement. What granian cannot do is restart the
main ``pserve`` process itself: run it under a supervisor (``etc/ostiary.service``
for systemd) for that, and for starting at boot.
"""

from __future__ import annotations

import functools
import logging

from waitress.adjustments import Adjustments, asbool
from waitress.proxy_headers import proxy_headers_middleware

log = logging.getLogger(__name__)

__all__ = ["granian_server_factory", "ServerSettingsError"]

_KNOWN = {
    "listen",
    "host",
    "port",
    "workers",
    "threads",
    "backlog",
    "log_level",
    "access_log",
    "max_header_size",
    "trusted_proxy",
    "trusted_proxy_headers",
    "trusted_proxy_count",
    "clear_untrusted_proxy_headers",
    "respawn_failed_workers",
    "respawn_interval",
    "app",
}
_LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


class ServerSettingsError(ValueError):
    """A ``[server:main]`` setting granian cannot use; the message names it."""


def granian_server_factory(global_conf: dict, **settings) -> callable:
    """Paste Deploy ``server_factory``: check the settings, return ``serve(app)``.

    The settings are checked before ``pserve`` builds the app, so a typo in
    the server section stops the start with one line naming it.
    """
    unknown = sorted(set(settings) - _KNOWN)
    if unknown:
        raise ServerSettingsError(f"[server] unknown setting {unknown[0]!r}; known: {', '.join(sorted(_KNOWN))}")
    config_file = global_conf.get("__file__")
    if not config_file:
        raise ServerSettingsError("the granian server needs an ini file to load the app from")
    host, port = _address(settings)
    options = {
        "workers": _positive(settings, "workers", 1),
        "threads": _positive(settings, "threads", 4),
        "backlog": _positive(settings, "backlog", 1024),
        "log_level": settings.get("log_level", "info").strip().lower(),
        "access_log": asbool(settings.get("access_log", "false")),
        "max_header_size": _header_size(settings),
        "respawn": asbool(settings.get("respawn_failed_workers", "true")),
        "respawn_interval": _seconds(settings, "respawn_interval", 1.0),
    }
    if options["log_level"] not in _LOG_LEVELS:
        raise ServerSettingsError(f"[server] log_level must be one of {', '.join(_LOG_LEVELS)}")
    proxy = _proxy_settings(settings)
    # Everything pserve knows besides the file itself (``http_port=6544`` on
    # its command line, ``__script__``) goes to the workers' loader unchanged.
    loader_vars = {k: v for k, v in global_conf.items() if k not in ("__file__", "here")}
    loader = functools.partial(
        load_worker_app, app_name=settings.get("app", "main"), config_vars=loader_vars, proxy=proxy
    )

    def serve(app) -> None:
        _check_storage(app, options["workers"])
        release(app)
        _share_metrics(options["workers"])
        _run_granian(config_file, host, port, loader, **options)

    return serve


def _share_metrics(workers: int) -> None:
    """With several workers, let prometheus_client add up their metrics:
    each worker writes its values under ``PROMETHEUS_MULTIPROC_DIR``, which
    the workers inherit from here (a new empty directory, unless the
    environment already names one)."""
    import os
    import tempfile

    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="ostiary-metrics-")


def load_worker_app(config_file: str, *, app_name: str, config_vars: dict, proxy: dict | None):
    """Build the WSGI app inside a granian worker (its own database connections)."""
    from pyramid.paster import get_app, setup_logging

    # granian's logging set-up replaced the handlers pserve made from the ini.
    setup_logging(config_file, config_vars)
    app = get_app(config_file, app_name, options=config_vars)
    if proxy is not None:
        app = proxy_headers_middleware(app, **proxy)
    return app


def release(app) -> None:
    """Close what the server process's copy of the app holds open.

    The database (FileStorage holds a lock on its file) and the pruner
    thread; the workers open their own. Only a Pyramid app built by
    :func:`ostiary.main` is known here; anything else is left alone.
    """
    registry = getattr(app, "registry", None)
    if registry is None:
        log.warning("not an Ostiary app (%r): the server process keeps its copy open", type(app).__name__)
        return
    from .maintenance import stop_workers
    from .models.database import close_databases

    stop_workers(registry)
    from .monitoring import stop_listener

    stop_listener(registry)  # the workers bind the metrics listener themselves

    close_databases(registry)


def _check_storage(app, workers: int) -> None:
    """Several workers cannot share a FileStorage: say so before starting them."""
    settings = getattr(getattr(app, "registry", None), "settings", None) or {}
    uri = settings.get("zodbconn.uri", "")
    if workers > 1 and uri.startswith("file:"):
        raise ServerSettingsError(
            f"[server] workers = {workers} needs a database several processes can share (zeo:// or "
            "RelStorage); zodbconn.uri is a FileStorage, which one process at a time may open"
        )


def _run_granian(
    config_file,
    host,
    port,
    loader,
    *,
    workers,
    threads,
    backlog,
    log_level,
    access_log,
    max_header_size,
    respawn,
    respawn_interval,
):
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings, HTTP2Settings
    from granian.log import LogLevels
    from granian.server import Server

    limits = {}
    if max_header_size is not None:
        limits = {
            "http1_settings": HTTP1Settings(max_buffer_size=max_header_size),
            "http2_settings": HTTP2Settings(max_headers_size=max_header_size),
        }
    server = Server(
        config_file,
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        backlog=backlog,
        log_level=LogLevels(log_level),
        log_access=access_log,
        websockets=False,
        respawn_failed_workers=respawn,
        respawn_interval=respawn_interval,
        **limits,
    )
    # wrap_loader: granian calls loader(config_file) in each worker.
    server.serve(target_loader=loader, wrap_loader=True)


def _address(settings: dict) -> tuple[str, int]:
    listen = settings.get("listen")
    if listen:
        if len(listen.split()) > 1:
            raise ServerSettingsError("[server] listen takes one HOST:PORT with granian")
        host, sep, port = listen.strip().rpartition(":")
        if not sep:
            raise ServerSettingsError(f"[server] listen must be HOST:PORT, not {listen!r}")
        host = host.strip("[]")
    else:
        host, port = settings.get("host", "127.0.0.1"), settings.get("port", "6543")
    try:
        number = int(port)
    except ValueError:
        raise ServerSettingsError(f"[server] port must be a number, not {port!r}") from None
    if not 0 < number < 65536:
        raise ServerSettingsError(f"[server] port {number} is out of range")
    return host, number


#: hyper refuses a smaller HTTP/1 read buffer.
MIN_HEADER_SIZE = 8192


def _header_size(settings: dict) -> int | None:
    """``max_header_size``, or None for granian's own limits."""
    if not settings.get("max_header_size"):
        return None
    value = _positive(settings, "max_header_size", MIN_HEADER_SIZE)
    if value < MIN_HEADER_SIZE:
        raise ServerSettingsError(f"[server] max_header_size must be at least {MIN_HEADER_SIZE}")
    return value


def _positive(settings: dict, name: str, default: int) -> int:
    raw = settings.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ServerSettingsError(f"[server] {name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ServerSettingsError(f"[server] {name} must be 1 or more")
    return value


def _seconds(settings: dict, name: str, default: float) -> float:
    raw = settings.get(name, default)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ServerSettingsError(f"[server] {name} must be a number of seconds, not {raw!r}") from None
    if not 0 < value <= 3600:
        raise ServerSettingsError(f"[server] {name} must be more than 0 and at most 3600 seconds")
    return value


def _proxy_settings(settings: dict) -> dict | None:
    """waitress's proxy-header options, checked by waitress's own
    :class:`~waitress.adjustments.Adjustments`, for waitress's middleware."""
    names = ("trusted_proxy", "trusted_proxy_headers", "trusted_proxy_count", "clear_untrusted_proxy_headers")
    given = {name: settings[name] for name in names if settings.get(name)}
    if not given:
        return None
    if given.get("trusted_proxy") and not given.get("trusted_proxy_headers"):
        # waitress would assume x-forwarded-proto (with a deprecation warning): say it.
        raise ServerSettingsError("[server] trusted_proxy needs trusted_proxy_headers (e.g. x-forwarded-proto)")
    try:
        adjusted = Adjustments(**given)
    except ValueError as exc:
        raise ServerSettingsError(f"[server] {exc}") from None
    return {
        "trusted_proxy": adjusted.trusted_proxy,
        "trusted_proxy_count": adjusted.trusted_proxy_count,
        "trusted_proxy_headers": adjusted.trusted_proxy_headers,
        "clear_untrusted": adjusted.clear_untrusted_proxy_headers,
    }
