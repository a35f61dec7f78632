"""The authorization endpoint (OpenID Connect Core 1.0, section 3.1.2).

authlib validates the request (client, exact redirect URI, response type,
scope, PKCE); this view decides what the person must do next: sign in,
consent, or nothing, and answers in the response mode the client asked for,
with the RFC 9207 ``iss`` parameter. An error that cannot safely go back to
the client (unknown client, unregistered redirect URI) ends on the error
page instead.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError, UnsupportedResponseTypeError
from authlib.oidc.core.errors import (
    ConsentRequiredError,
    LoginRequiredError,
    RequestNotSupportedError,
    RequestURINotSupportedError,
)
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response

from ..hookspecs import Caller
from ..i18n import _, translate
from ..models.grants import Consent
from ..models.util import now
from .return_urls import SUPPRESSED_MAX_AGE, SUPPRESSED_PROMPT, request_fingerprint, return_url_for
from .server import check_single_parameters, quotable
from .tokens import Principal

RESPONSE_MODES = ("query", "form_post")
PROMPTS = ("none", "login", "consent", "select_account")


def authorize(request):
    """Handle GET and POST at ``/connect/authorize`` and its callback."""
    server = request.oauth_server
    service = request.interaction
    oauth_request = server.create_oauth2_request(request)
    principal = _current_principal(request)
    try:
        _check_echoed_params(server, oauth_request.payload.data)
        grant = server.get_consent_grant(oauth_request, end_user=principal)
    except OAuth2Error as error:
        return _error_response(request, oauth_request, error)
    params = oauth_request.payload.data
    try:
        _check_unsupported_params(oauth_request.payload)
        prompt, max_age = _check_oidc_params(params)
        redirect_uri = grant.redirect_uri
        decision = service.take_decision(request_fingerprint(params))
        if decision is not None and decision.error:
            raise OAuth2Error(error=decision.error, redirect_uri=redirect_uri)
        if _needs_login(principal, prompt, max_age) or not _session_fits(request, principal, grant.client, params):
            if "none" in prompt:
                raise LoginRequiredError(redirect_uri=redirect_uri)
            return _to_login(request, params)
        if service.needs_step_up(grant.client, params):  # issue 13: a further factor, not a new sign-in
            if "none" in prompt:
                raise LoginRequiredError(redirect_uri=redirect_uri)
            return HTTPSeeOther(service.step_up_url(return_url_for(params)))
        scope = _consented_scope(request, grant, principal, prompt, decision)
        if scope is None:
            if "none" in prompt:
                raise ConsentRequiredError(redirect_uri=redirect_uri)
            return_url = return_url_for(params)
            return HTTPSeeOther(request.route_path("consent", _query={"returnUrl": return_url}))
    except OAuth2Error as error:
        if error.redirect_uri is None:
            error.redirect_uri = grant.redirect_uri
        error.state = params.get("state")
        return _error_response(request, oauth_request, error)
    oauth_request.scope = scope
    service.session.add_client(grant.client.client_id)
    status, _, headers = grant.create_authorization_response(grant.redirect_uri, principal)
    return _deliver(request, dict(headers)["Location"], params.get("response_mode"))


def _session_fits(request, principal, client, params) -> bool:
    """Whether the client accepts the way the session signed in, and no
    plugin (an ``idp:`` hint, say) asks for another."""
    return client.accepts_idp(principal.idp) and request.plugins.session_fits(principal.idp, client, params)


def _check_echoed_params(server, params) -> None:
    """Refuse a ``response_type`` or ``redirect_uri`` with characters an
    error description may not hold, as authlib refuses one it does not know.

    authlib quotes both in its error descriptions, and raises ``ValueError``
    instead of the error when the description has a character outside
    RFC 6749's set (%x20-21 / %x23-5B / %x5D-7E: no TAB, no ``"``, no ``\\``,
    nothing beyond ASCII). No registered redirect URI and no response type
    contains one, so such a request gets the error an unknown value gets,
    with a description that does not quote it.
    """
    redirect_uri = params.get("redirect_uri")
    if redirect_uri and not quotable(redirect_uri):
        raise InvalidRequestError("The redirect URI is not supported by the client.")
    response_type = params.get("response_type")
    if response_type and not quotable(response_type):
        raise UnsupportedResponseTypeError(
            "The response type is not supported by the server.", "", redirect_uri=_client_redirect_uri(server, params)
        )


def _client_redirect_uri(server, params) -> str | None:
    """The redirect URI an error may go back to: the client's, validated
    (as authlib decides it for an unsupported response type)."""
    client = server.query_client(params.get("client_id"))
    if client is None:
        return None
    requested = params.get("redirect_uri")
    if requested:
        return requested if client.check_redirect_uri(requested) else None
    return client.get_default_redirect_uri()


def _current_principal(request) -> Principal | None:
    session = request.interaction.session
    if session is None:
        return None
    client_id = request.params.get("client_id")
    client = request.plugins.client(client_id)
    if not request.plugins.is_active(session.subject, client, Caller.AUTHORIZE):
        return None
    return Principal(session.subject, session.auth_time, session.amr, session.acr, session.sid, session.idp)


def _check_unsupported_params(payload) -> None:
    """Refuse, to the client, what this server does not do rather than
    ignore it: request objects (OpenID Connect Core 3.1.2.6, as the discovery
    document says) and repeated parameters (RFC 6749, 3.1)."""
    check_single_parameters(payload)
    if "request" in payload.data:
        raise RequestNotSupportedError(description="Request objects ('request') are not supported.")
    if "request_uri" in payload.data:
        raise RequestURINotSupportedError(description="Request objects by reference ('request_uri') are not supported.")


def _check_oidc_params(params) -> tuple[tuple, int | None]:
    mode = params.get("response_mode")
    if mode is not None and mode not in RESPONSE_MODES:
        raise InvalidRequestError(f"Unsupported 'response_mode': use one of {', '.join(RESPONSE_MODES)}.")
    prompt = tuple(params.get("prompt", "").split())
    if "none" in prompt and len(prompt) > 1:
        raise InvalidRequestError("'prompt=none' cannot be combined with other values.")
    max_age = params.get("max_age")
    if max_age is not None:
        if not max_age.isdigit():
            raise InvalidRequestError("'max_age' must be a number of seconds.")
        max_age = int(max_age)
    return prompt, max_age


def _needs_login(principal, prompt, max_age) -> bool:
    if principal is None or "login" in prompt or "select_account" in prompt:
        return True
    return max_age is not None and now() - principal.auth_time > max_age


def _to_login(request, params) -> HTTPSeeOther:
    """Send the browser to the login page. The return URL drops the parts
    that forced the sign-in (prompt=login, max_age), so that coming back
    with a fresh session does not loop, but keeps them as suppressed_prompt
    and suppressed_max_age: the login page passes them on to an external
    provider (see AuthorizationContext)."""
    resume = dict(params)
    prompts = resume.pop("prompt", "").split()
    kept = [p for p in prompts if p not in ("login", "select_account")]
    if kept:
        resume["prompt"] = " ".join(kept)
    if len(kept) < len(prompts):
        resume[SUPPRESSED_PROMPT] = " ".join(p for p in prompts if p not in kept)
    if "max_age" in resume:
        resume[SUPPRESSED_MAX_AGE] = resume.pop("max_age")
    return_url = return_url_for(resume)
    return HTTPSeeOther(request.route_path("login", _query={"returnUrl": return_url}))


def _consented_scope(request, grant, principal, prompt, decision) -> str | None:
    """The scope to grant, or None when the person must be asked."""
    client = grant.client
    requested = grant.request.scope.split()
    store = request.ostiary_root.grants
    if decision is not None:
        resources = request.plugins.resources()
        required = {s for s in requested if s in resources and resources[s].required}
        if not required <= set(decision.scopes):
            raise OAuth2Error(error="access_denied", description="A required scope was not granted.")
        if client.allow_remember_consent and decision.remember:
            store.remember_consent(
                Consent(principal.subject, client.client_id, decision.scopes, client.consent_lifetime)
            )
        elif not decision.remember:
            store.forget_consent(principal.subject, client.client_id)
        return " ".join(decision.scopes)
    if client.first_party or not client.require_consent:
        return " ".join(requested)
    if "consent" in prompt:
        return None
    remembered = store.consent(principal.subject, client.client_id)
    if remembered is not None and set(requested) <= set(remembered.scopes):
        return " ".join(requested)
    return None


def form_post_values(request, action: str, fields) -> dict:
    """What ``form_post.pt`` receives: the client's URL and the response's
    parameters as pairs (for the view and the gallery alike)."""
    return {"page_title": translate(request, _("Redirecting")), "action": action, "fields": list(fields)}


def _deliver(request, location: str, response_mode: str | None):
    """Send an authorization response, with ``iss``, in the requested mode."""
    issuer = request.registry.ostiary_settings.issuer
    parts = urlsplit(location)
    params = parse_qsl(parts.query, keep_blank_values=True)
    params = [(k, v) for k, v in params if k != "iss"] + [("iss", issuer)]
    if response_mode == "form_post":
        target = parts._replace(query="").geturl()
        response = render_to_response(
            "ostiary_theme_default:templates/form_post.pt", form_post_values(request, target, params), request=request
        )
        response.headers["Cache-Control"] = "no-store"
        request.csp_form_action = target
        return response
    response = HTTPSeeOther(parts._replace(query=urlencode(params)).geturl())
    response.status = "302 Found"
    return response


def _error_response(request, oauth_request, error: OAuth2Error):
    """An error goes back to the client only to a validated redirect URI."""
    params = oauth_request.payload.data
    if error.redirect_uri:
        query = [("error", error.error)]
        if error.description:
            query.append(("error_description", error.description))
        if params.get("state"):
            query.append(("state", params["state"]))
        separator = "&" if "?" in error.redirect_uri else "?"
        location = error.redirect_uri + separator + urlencode(query)
        return _deliver(request, location, params.get("response_mode"))
    return request.interaction.error_redirect(
        error.error, error.description, client_id=params.get("client_id"), redirect_uri=params.get("redirect_uri")
    )
