"""What a request may carry: bounded, and decodable, before anything reads it.

Views, the CSRF check and authlib all read ``request.GET`` and
``request.POST``, and webob raises while parsing some inputs a stranger can
send: percent-escapes that are not UTF-8, a form whose ``charset`` label is
not UTF-8, a multipart body without a valid boundary. Rather than guard every
reader, :class:`InputCheckPolicy` looks at the raw request once, in front of
pyramid_retry's execution policy (which copies the whole body before anything
else runs, however large), and refuses what no reader can use:

* a query string longer than ``ostiary.max_query_length``: 414;
* a body larger than ``ostiary.max_body_size``: 413 (a body without a
  Content-Length is read only up to that size);
* a path, query string or form body that is not UTF-8 once its %-escapes
  are decoded, a multipart form without a usable boundary, with a part in a
  charset no codec knows, or with a file in it (no page takes a file, and
  every view expects text): 400.

What a form's ``charset`` label means: RFC 6749, appendix B, says the
parameters of an OAuth request are UTF-8, and HTML forms are sent in the
page's encoding, which is UTF-8 here. Some HTTP libraries label every form
``charset=ISO-8859-1`` while sending only ASCII (which reads the same in both),
so the label is ignored and the bytes must be UTF-8: a form really written in
Latin-1 fails that test and is refused, never misread.

A refused request still goes through Pyramid, with its query string and body
emptied so that nothing can trip over them; as soon as its route is known
:func:`raise_refusal` raises the refusal, and :func:`refused_view` answers it
with the protocol's JSON error on API routes and the error page elsewhere.
"""

from __future__ import annotations

import dataclasses
import re
from email.message import Message
from urllib.parse import unquote_to_bytes

from pyramid.events import BeforeTraversal
from pyramid.httpexceptions import HTTPBadRequest, HTTPRequestEntityTooLarge, HTTPRequestURITooLong
from webob import Request as WebobRequest

from .interaction.errors import API_ROUTES, client_error
from .protocol.server import json_response

#: Where a refusal waits in the WSGI environ for the route to be known.
REFUSAL_KEY = "ostiary.input_refusal"

_URLENCODED = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"
# A boundary webob's multipart parser (the standard library's cgi) takes:
# printable ASCII, the last not a space, at most 201; and neither of the two
# characters that would need escaping in a quoted parameter. RFC 2046
# (section 5.1.1) is stricter, clients are not (WebTest's boundary ends in "$").
_BOUNDARY = re.compile(r"[ !#-\[\]-~]{0,200}[!#-\[\]-~]")


class InputRefused(Exception):
    """A request refused before any view read it: ``status`` and a message
    for the person or program that sent it."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description

    def http_exception(self):
        """The same refusal as the Pyramid HTTP exception of its status."""
        kind = {413: HTTPRequestEntityTooLarge, 414: HTTPRequestURITooLong}.get(self.status, HTTPBadRequest)
        return kind(detail=self.description)


@dataclasses.dataclass(frozen=True)
class Limits:
    """The largest query string and body a request may carry, in bytes."""

    max_query_length: int
    max_body_size: int


def is_utf8_form(data: bytes) -> bool:
    """Whether urlencoded ``data`` decodes as UTF-8 once unescaped.

    The separators (``&``, ``=``) are ASCII, so the whole decodes exactly
    when every name and value does.
    """
    try:
        unquote_to_bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _wsgi_bytes(text: str) -> bytes:
    """The bytes behind a WSGI string (PEP 3333: bytes as Latin-1)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:  # not from a WSGI server: no bytes could give it
        return b"\xff"


def check_url(request, limits: Limits) -> InputRefused | None:
    """The path (which the server already unescaped) and the query string."""
    try:
        _wsgi_bytes(request.environ.get("PATH_INFO", "")).decode("utf-8")
    except UnicodeDecodeError:
        return InputRefused(400, "The path is not UTF-8 once its %-escapes are decoded.")
    query = request.environ.get("QUERY_STRING", "")
    if len(query) > limits.max_query_length:
        return InputRefused(414, f"The query string is longer than {limits.max_query_length} bytes.")
    if not is_utf8_form(_wsgi_bytes(query)):
        return InputRefused(400, "The query string is not UTF-8 once its %-escapes are decoded.")
    return None


def read_body(request, limits: Limits) -> bytes | InputRefused:
    """The body, read at most up to the limit and put back where webob (and
    pyramid_retry, which would otherwise copy it whole) reads it again."""
    too_large = InputRefused(413, f"The request body is larger than {limits.max_body_size} bytes.")
    length = request.content_length  # None when absent (or not a number, which servers refuse)
    if length is not None and length > limits.max_body_size:
        return too_large
    if not request.is_body_readable:
        return b""
    body = request.body_file_raw.read(limits.max_body_size + 1 if length is None else length)
    if len(body) > limits.max_body_size:
        return too_large
    request.body = body  # a seekable copy, flagged as such
    return body


def _content_type_param(request, name: str) -> str | None:
    raw = request.environ.get("CONTENT_TYPE", "")
    if ";" not in raw:
        # No parameters at all, what nearly every client sends: the email
        # parser below would find none either, and costs 4 µs (40 % of the
        # input check) on every form POST.
        return None
    header = Message()
    header["Content-Type"] = raw
    value = header.get_param(name)
    return value if isinstance(value, str) else None


def check_form(request, body: bytes) -> InputRefused | None:
    """A body webob would parse as a form (``request.POST``) must parse."""
    content_type = request.content_type
    # webob's rule: a form type with any method, or no type at all on a POST.
    if content_type == _URLENCODED or (not content_type and request.method == "POST"):
        if content_type and _content_type_param(request, "charset") is not None:
            request.environ["CONTENT_TYPE"] = content_type  # the label is ignored: UTF-8 it must be
        if not is_utf8_form(body):
            return InputRefused(400, "The form is not UTF-8 once its %-escapes are decoded (RFC 6749, appendix B).")
    elif content_type == _MULTIPART:
        return _check_multipart(request)
    return None


def _check_multipart(request) -> InputRefused | None:
    boundary = _content_type_param(request, "boundary") or ""
    if not _BOUNDARY.fullmatch(boundary):
        return InputRefused(400, "A multipart form needs a boundary of printable ASCII (RFC 2046, section 5.1.1).")
    request.environ["CONTENT_TYPE"] = f'{_MULTIPART}; boundary="{boundary}"'  # without a charset label
    try:
        fields = request.POST  # parsed once: webob keeps the result in the environ
    except (ValueError, LookupError):  # a broken part, or a part's charset no codec knows
        return InputRefused(400, "The multipart form could not be read.")
    if not all(isinstance(value, str) for value in fields.values()):
        return InputRefused(400, "This server takes no file uploads.")
    return None


def check_request(environ: dict, limits: Limits) -> InputRefused | None:
    """The refusal a request earns, or None when every reader can use it."""
    request = WebobRequest(environ)
    refusal = check_url(request, limits)
    if refusal is not None:
        return refusal
    body = read_body(request, limits)
    if isinstance(body, InputRefused):
        return body
    return check_form(request, body)


def _empty_out(environ: dict) -> None:
    """Leave nothing of a refused request for a reader to trip over (the
    path still finds its route, unless it was not UTF-8)."""
    path = _wsgi_bytes(environ.get("PATH_INFO", "")).decode("utf-8", "replace")
    environ["PATH_INFO"] = path.encode("utf-8").decode("latin-1")
    environ["QUERY_STRING"] = ""
    environ.pop("CONTENT_TYPE", None)
    WebobRequest(environ).body = b""
    for key in ("webob._parsed_post_vars", "webob._parsed_query_vars"):
        environ.pop(key, None)


class InputCheckPolicy:
    """A Pyramid execution policy: check the request, then run ``inner``."""

    def __init__(self, inner, limits: Limits):
        self.inner = inner
        self.limits = limits

    def __call__(self, environ, router):
        refusal = check_request(environ, self.limits)
        if refusal is not None:
            _empty_out(environ)
            environ[REFUSAL_KEY] = refusal
        return self.inner(environ, router)


def raise_refusal(event) -> None:
    """Subscriber to ``BeforeTraversal``: the route is known, answer the refusal."""
    refusal = event.request.environ.get(REFUSAL_KEY)
    if refusal is not None:
        raise refusal


def refused_view(exc: InputRefused, request):
    """The protocol's JSON error on API routes, the error page elsewhere."""
    route = getattr(request, "matched_route", None)
    if route is not None and route.name in API_ROUTES:
        return json_response(exc.status, {"error": "invalid_request", "error_description": exc.description})
    # -- administration (issue 14): the admin API answers problem details
    if route is not None and route.name.startswith("admin_api_"):
        from .administration.api import problem

        return problem(exc.status, exc.http_exception().title, exc.description)
    return client_error(exc.http_exception(), request)


def includeme(config) -> None:
    """Answer refusals once the route is known (the policy itself is put in
    front by :func:`install`, after the configuration is committed)."""
    config.add_subscriber(raise_refusal, BeforeTraversal)
    config.add_exception_view(refused_view, context=InputRefused)


def install(registry) -> None:
    """Put :class:`InputCheckPolicy` in front of the registered execution
    policy (pyramid_retry's), which reads the body before the router runs."""
    from pyramid.interfaces import IExecutionPolicy
    from pyramid.router import default_execution_policy

    settings = registry.ostiary_settings
    limits = Limits(settings.max_query_length, settings.max_body_size)
    inner = registry.queryUtility(IExecutionPolicy, default=default_execution_policy)
    registry.registerUtility(InputCheckPolicy(inner, limits), IExecutionPolicy)
