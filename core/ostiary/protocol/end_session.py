"""The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0).

It validates the request and hands it to the logout page by a logout id;
it never redirects anywhere itself, so an invalid hint or an unregistered
post-logout URI cannot turn it into an open redirect.
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther

from ..models.interactions import LogoutRecord
from .signing import InvalidJWT, verify


class EndSessionError(ValueError):
    """The end-session request is invalid; the message is safe to show."""


def _hint_claims(request, hint: str) -> dict:
    try:
        return verify(request, hint, check_exp=False)
    except InvalidJWT:
        raise EndSessionError("The id_token_hint is not a valid ID token from this server.") from None


def validate_end_session(request, params) -> LogoutRecord:
    """Check an end-session request; return what the logout page needs."""
    hint = params.get("id_token_hint")
    client_id = params.get("client_id")
    claims = _hint_claims(request, hint) if hint else {}
    if claims:
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if client_id and client_id not in audiences:
            raise EndSessionError("client_id does not match the id_token_hint.")
        client_id = client_id or (audiences[0] if audiences else None)
    client = request.hooks.ostiary_client(request=request, client_id=client_id) if client_id else None
    if client_id and client is None:
        raise EndSessionError("Unknown client.")
    redirect = params.get("post_logout_redirect_uri")
    if redirect:
        if client is None:
            raise EndSessionError("post_logout_redirect_uri needs id_token_hint or client_id.")
        if not client.check_post_logout_redirect_uri(redirect):
            raise EndSessionError("post_logout_redirect_uri is not registered for this client.")
    session = request.interaction.session
    hint_valid = bool(claims) and session is not None and (
        claims.get("sid") == session.sid if "sid" in claims else claims.get("sub") == session.subject)
    return LogoutRecord(
        client_id=client_id, post_logout_redirect_uri=redirect, state=params.get("state"),
        sid=claims.get("sid"), subject=claims.get("sub"), hint_valid=hint_valid,
        ui_locales=params.get("ui_locales"),
    )


def end_session(request):
    """``GET``/``POST /connect/endsession``."""
    params = request.POST if request.method == "POST" else request.GET
    try:
        record = validate_end_session(request, params)
    except EndSessionError as exc:
        return request.interaction.error_redirect("invalid_request", str(exc), client_id=params.get("client_id"))
    logout_id = request.ostiary_root.interactions.put_logout(record)
    return HTTPSeeOther(request.route_path("logout", _query={"logoutId": logout_id}))
