"""Cross-origin requests (CORS) from browser applications.

A single-page application calls the token, userinfo, revocation and
introspection endpoints from its own origin; the browser lets its script
read an answer only if the answer names that origin in
``Access-Control-Allow-Origin``. Which origins a client's scripts run on is
the client's ``allowed_cors_origins`` (derived from the redirect URIs of a
public web client, see :meth:`ostiary.models.clients.Client.cors_origins`).

Two moments, two checks:

- The **preflight** (``OPTIONS``, sent before a request with an
  ``Authorization`` or ``DPoP`` header) carries no body and no credentials,
  so no client is known yet: it is answered for an origin that *some*
  client allows (the ``ostiary_cors_origin_known`` hook), and for no other.
- The **request itself** is answered with CORS headers only if its origin
  is allowed by the client it names: the client id of HTTP Basic, the
  ``client_id`` or client assertion of the form (token, revocation,
  introspection), the ``client_id`` claim of the access token (userinfo).

The named client is read without verifying anything, on purpose: the
headers only decide whether the script of that client's own origin may read
the answer, and an answer with tokens or claims in it exists only when the
credentials were valid, that is when the named client is the real one. An
origin nobody registered gets no CORS headers at all (the browser then
keeps the answer from the script), and a preflight is never an error page.

Discovery and the JWKS are public documents, readable from any origin.
"""

from __future__ import annotations

import base64
import json
from functools import wraps
from urllib.parse import unquote

from pyramid.response import Response

from .headers import NO_STORE
from .server import form_params

#: The methods each endpoint answers, by route name.
METHODS = {
    "token": ("POST",),
    "revocation": ("POST",),
    "introspection": ("POST",),
    "userinfo": ("GET", "POST"),
}
#: Request headers a browser application may send: the access token, the
#: form's type, and a DPoP proof (RFC 9449).
ALLOWED_HEADERS = "Authorization, Content-Type, DPoP"
#: Response headers its script may read beyond the safelisted ones: the
#: DPoP server nonce, and the challenge of a refused access token.
EXPOSED_HEADERS = "DPoP-Nonce, WWW-Authenticate"
#: How long a browser may reuse a preflight answer (Chromium caps it at two hours).
MAX_AGE = 600
#: The public documents (discovery, JWKS) answer every origin.
PUBLIC_METHODS = "GET, HEAD"


def preflight(request):
    """``OPTIONS`` on an endpoint a browser application calls: the CORS
    headers for an origin some client allows, an empty 204 otherwise."""
    methods = METHODS[request.matched_route.name]
    response = Response(status=204, headerlist=[("Allow", ", ".join((*methods, "OPTIONS"))), *NO_STORE])
    response.headers["Vary"] = "Origin"
    origin = request.headers.get("Origin")
    wanted = request.headers.get("Access-Control-Request-Method")
    if origin and wanted in methods and request.plugins.cors_origin_known(origin):
        response.headers.update(
            {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": ", ".join(methods),
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": str(MAX_AGE),
            }
        )
    return response


def public_preflight(request):
    """``OPTIONS`` on discovery or the JWKS: open to every origin."""
    response = Response(status=204, headerlist=[("Allow", PUBLIC_METHODS + ", OPTIONS")])
    response.headers.update(
        {
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Methods": PUBLIC_METHODS,
            "Access-Control-Max-Age": str(MAX_AGE),
        }
    )
    return response


def answered_with_cors(view):
    """A view decorator (Pyramid's ``decorator=``): the view's answer, with
    the CORS headers if the request's origin is allowed by the client it
    names, and ``Vary: Origin`` always (the answer depends on it)."""

    @wraps(view)
    def wrapper(context, request):
        response = view(context, request)
        add_cors_headers(request, response)
        return response

    return wrapper


def add_cors_headers(request, response) -> None:
    """Name the request's origin in ``response`` if the named client allows it."""
    response.headers["Vary"] = "Origin"
    origin = request.headers.get("Origin")
    if not origin:
        return
    client = request.plugins.client(named_client_id(request))
    if client is not None and origin in client.cors_origins():
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS


def named_client_id(request) -> str | None:
    """The client a request says it comes from, unverified (see the module
    docstring for why that is enough here), or None."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    scheme = scheme.lower()
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except ValueError:  # not base64, not ASCII, not UTF-8 (binascii.Error, UnicodeError)
            return None
        return unquote(decoded.partition(":")[0]) or None
    if scheme in ("bearer", "dpop"):  # userinfo: the client the token was issued to
        return _jwt_payload(value.strip()).get("client_id")
    form = _form(request)
    if form.get("client_id"):
        return form["client_id"]
    if form.get("client_assertion"):  # RFC 7523: the client is the assertion's subject
        return _jwt_payload(form["client_assertion"]).get("sub")
    if form.get("access_token"):  # userinfo with the token in the body
        return _jwt_payload(form["access_token"]).get("client_id")
    return None


def _form(request) -> dict:
    if request.method != "POST" or request.content_type != "application/x-www-form-urlencoded":
        return {}
    return dict(form_params(request).items())


def _jwt_payload(value: str) -> dict:
    """The claims of a compact JWT, unverified; {} for anything else."""
    parts = value.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:  # binascii.Error and JSONDecodeError included
        return {}
    if not isinstance(payload, dict) or not isinstance(payload.get("client_id", ""), str):
        return {}
    if not isinstance(payload.get("sub", ""), str):
        return {}
    return payload
