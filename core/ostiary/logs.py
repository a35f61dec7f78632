"""Request ids and log lines an operator's log shipper can read.

Every request gets an id (:func:`current_request_id` while it runs). It is
returned in the ``X-Request-Id`` response header, shown on the error page
beside the error id, and added to every log record as ``request_id``, so
that the line a person quotes and the lines in the log find each other.
A well-formed ``X-Request-Id`` sent by the proxy in front is kept (only
letters, digits and ``._-``, 8 to 64 of them: nothing a log line could be
forged with); otherwise a new random one is made.

``ostiary.log_format = json`` turns every line of the root logger's
handlers into one JSON object (:class:`JsonFormatter`): time, level,
logger, message, request id, and the exception as text if there is one.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re
import secrets

HEADER = "X-Request-Id"
ENVIRON_KEY = "ostiary.request_id"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{8,64}\Z")
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("ostiary_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request this thread is serving, or None outside one."""
    return _current.get()


def request_id_for(environ) -> str:
    """The request's id: the one already chosen, the proxy's if well formed, or a new one."""
    chosen = environ.get(ENVIRON_KEY)
    if chosen is None:
        offered = environ.get("HTTP_X_REQUEST_ID", "")
        chosen = environ[ENVIRON_KEY] = offered if _WELL_FORMED.match(offered) else secrets.token_hex(8)
    return chosen


class RequestIdPolicy:
    """An execution policy, outermost: gives the request its id for the
    whole of its handling (retries included) and puts it on the response,
    the answers served before Pyramid (discovery, JWKS) as well."""

    def __init__(self, inner):
        self.inner = inner

    def __call__(self, environ, router):
        request_id = request_id_for(environ)
        token = _current.set(request_id)
        try:
            answer = self.inner(environ, router)
        finally:
            _current.reset(token)

        def respond(environ, start_response):
            def start(status, headers, exc_info=None):
                return start_response(status, [*headers, (HEADER, request_id)], exc_info)

            return answer(environ, start)

        return respond


def install(registry) -> None:
    """Put :class:`RequestIdPolicy` in front of every other execution policy."""
    from pyramid.interfaces import IExecutionPolicy
    from pyramid.router import default_execution_policy

    inner = registry.queryUtility(IExecutionPolicy, default=default_execution_policy)
    registry.registerUtility(RequestIdPolicy(inner), IExecutionPolicy)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request), so a
    format may say ``%(request_id)s``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line. Usable from an ini's ``[formatter_x]``
    section (``class = ostiary.logs.JsonFormatter``) or through
    ``ostiary.log_format = json``."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(log_format: str) -> None:
    """Give the root logger's handlers the request id, and JSON lines when
    ``log_format`` is ``json``. Called once per process when the app is
    built (the ini's logging sections have run by then)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
        if log_format == "json" and not isinstance(handler.formatter, JsonFormatter):
            handler.setFormatter(JsonFormatter())
