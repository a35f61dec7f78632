"""The logout page: confirm (unless the client proved the session with a
valid id_token_hint), end the SSO session, show the signed-out page."""

from __future__ import annotations

from urllib.parse import urlencode

from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther

from ..i18n import _, translate
from ..protocol.single_logout import frame_sources
from .pages import render_page


def _post_logout_url(record) -> str | None:
    if record is None or not record.post_logout_redirect_uri:
        return None
    url = record.post_logout_redirect_uri
    if record.state:
        url += ("&" if "?" in url else "?") + urlencode({"state": record.state})
    return url


def _signed_out(request, record, frames, signed_out=True):
    """The signed-out page, loading each client's front-channel logout URL."""
    client = None
    if record is not None and record.client_id:
        client = request.hooks.ostiary_client(request=request, client_id=record.client_id)
    if frames:
        request.csp_frame_src = frame_sources(frames)
    values = {
        "page_title": translate(request, _("Signed out")),
        "post_logout_url": _post_logout_url(record),
        "client_name": client.name if client else None,
        "signed_out": signed_out,
        "frames": frames,
    }
    return render_page(request, "signed_out.pt", values)


def logout_form(request):
    """``GET /account/logout?logoutId=...``."""
    service = request.interaction
    logout_id = request.params.get("logoutId")
    record = service.logout_context(logout_id)
    if service.session is None:
        return _signed_out(request, record, [], signed_out=False)
    if record is not None and record.hint_valid:
        return _sign_out(request, record, logout_id)
    values = {
        "page_title": translate(request, _("Sign out")),
        "logout_id": logout_id or "",
        "csrf_token": get_csrf_token(request),
    }
    return render_page(request, "logout.pt", values)


def logout_submit(request):
    """``POST /account/logout``: the person confirmed."""
    service = request.interaction
    logout_id = request.POST.get("logoutId")
    record = service.logout_context(logout_id)
    if service.session is None:
        return _signed_out(request, record, [], signed_out=False)
    return _sign_out(request, record, logout_id)


def _sign_out(request, record, logout_id):
    """End the session; then the signed-out page, or first a plugin's detour
    (signing out at the upstream provider the person signed in with)."""
    service = request.interaction
    session = service.session
    frames = service.sign_out()
    elsewhere = request.hooks.ostiary_logout_redirect(request=request, session=session,
                                                      logout_id=logout_id or None, frames=frames)
    if elsewhere:
        return HTTPSeeOther(elsewhere)
    return _signed_out(request, record, frames)
