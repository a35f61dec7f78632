"""The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0).

It validates the request and hands it to the logout page by a logout id;
an invalid hint or an unregistered post-logout URI goes to the error page,
so the endpoint can never be turned into an open redirect.

A logout record is stored only when there is something to remember: a
session in this browser, or a verified ``id_token_hint``. Anybody else's
request (no session, no hint) has nothing to sign out: the browser goes
straight to the registered post-logout URI, or to the logout page, and the
database is not written.
"""

from __future__ import annotations

from urllib.parse import urlencode

from joserfc import jws
from joserfc.errors import JoseError
from pyramid.httpexceptions import HTTPSeeOther

from ..models.interactions import MAX_STATE, MAX_URI, LogoutRecord
from . import pairwise
from .signing import InvalidJWT, verify

#: ``typ`` headers an ID token may carry: none, or the generic one
#: (OpenID Connect Core 1.0 names no other). Our access tokens say at+jwt
#: (RFC 9068) and logout tokens logout+jwt: neither is a hint.
ID_TOKEN_TYPES = frozenset({None, "jwt"})


class EndSessionError(ValueError):
    """The end-session request is invalid; the message is safe to show."""


def _header_type(token: str) -> str | None:
    try:
        typ = jws.extract_compact(token.encode("ascii")).protected.get("typ")
    except (JoseError, ValueError):
        return "?"
    return typ.lower() if isinstance(typ, str) else typ


def _audiences(claims: dict) -> list:
    audience = claims.get("aud")
    return [audience] if isinstance(audience, str) else list(audience or [])


def id_token_claims(request, hint: str, client_id: str | None) -> dict:
    """The claims of ``hint`` if it is an ID token this issuer signed (an
    expired one too: section 2) for ``client_id`` when given; else raise.

    ``verify`` checks the signature and ``iss``; what tells an ID token from
    our other JWTs is its ``typ`` header and the absence of the logout
    token's ``events`` claim (Back-Channel Logout 1.0, section 2.4)."""
    error = EndSessionError("The id_token_hint is not a valid ID token from this server.")
    try:
        claims = verify(request, hint, check_exp=False)
    except InvalidJWT:
        raise error from None
    if _header_type(hint) not in ID_TOKEN_TYPES or "events" in claims or not claims.get("sub"):
        raise error
    audiences = _audiences(claims)
    if not audiences or (client_id and client_id not in audiences):
        raise EndSessionError("client_id does not match the id_token_hint.")
    return claims


def _hint_client(claims: dict) -> str | None:
    """The client an ID token was issued to: ``azp``, or its one audience."""
    if claims.get("azp"):
        return claims["azp"]
    audiences = _audiences(claims)
    if len(audiences) != 1:
        raise EndSessionError("The id_token_hint names several audiences: send client_id.")
    return audiences[0]


def _client(request, client_id):
    client = request.plugins.client(client_id=client_id) if client_id else None
    if client_id and client is None:
        raise EndSessionError("Unknown client.")
    return client


def _post_logout_redirect_uri(client, redirect: str | None) -> str | None:
    if not redirect:
        return None
    if client is None:
        raise EndSessionError("post_logout_redirect_uri needs id_token_hint or client_id.")
    if len(redirect) > MAX_URI or not client.check_post_logout_redirect_uri(redirect):
        raise EndSessionError("post_logout_redirect_uri is not registered for this client.")
    return redirect


def validate_end_session(request, params) -> LogoutRecord:
    """Check an end-session request; return what the logout page needs."""
    hint = params.get("id_token_hint")
    client_id = params.get("client_id")
    claims = id_token_claims(request, hint, client_id) if hint else {}
    client_id = client_id or (_hint_client(claims) if claims else None)
    client = _client(request, client_id)
    redirect = _post_logout_redirect_uri(client, params.get("post_logout_redirect_uri"))
    state = params.get("state")
    if state and len(state) > MAX_STATE:
        raise EndSessionError(f"state is longer than {MAX_STATE} characters.")
    return LogoutRecord(
        client_id=client_id,
        post_logout_redirect_uri=redirect,
        state=state,
        sid=claims.get("sid"),
        subject=pairwise.local_subject(request, client, claims.get("sub")) if client is not None else claims.get("sub"),
        hint_valid=bool(claims),
        ui_locales=params.get("ui_locales"),
    )


def post_logout_redirect(record) -> str | None:
    """Where the browser returns after sign-out: the validated
    ``post_logout_redirect_uri`` with the client's ``state`` (section 3)."""
    if record is None or not record.post_logout_redirect_uri:
        return None
    url = record.post_logout_redirect_uri
    if record.state:
        url += ("&" if "?" in url else "?") + urlencode({"state": record.state})
    return url


def _nothing_to_sign_out(request, record):
    """No session here and no verified hint: nothing to confirm, no frames,
    nothing worth storing. Back to the relying party when it asked (and the
    deployment lets the browser return by itself), else the logout page,
    which says there was no session."""
    url = post_logout_redirect(record)
    if url and request.registry.ostiary_settings.automatic_redirect_after_sign_out:
        return HTTPSeeOther(url)
    return HTTPSeeOther(request.route_path("logout"))


def end_session(request):
    """``GET``/``POST /connect/endsession``."""
    params = request.POST if request.method == "POST" else request.GET
    try:
        record = validate_end_session(request, params)
    except EndSessionError as exc:
        return request.interaction.error_redirect("invalid_request", str(exc), client_id=params.get("client_id"))
    if request.interaction.session is None and not record.hint_valid:
        return _nothing_to_sign_out(request, record)
    logout_id = request.ostiary_root.interactions.put_logout(record)
    return HTTPSeeOther(request.route_path("logout", _query={"logoutId": logout_id}))
