"""The logout page: confirm (unless the client proved the session with a
valid id_token_hint), end the SSO session, show the signed-out page."""

from __future__ import annotations

from urllib.parse import urlencode

from pyramid.csrf import get_csrf_token

from .pages import render_page


def _post_logout_url(record) -> str | None:
    if record is None or not record.post_logout_redirect_uri:
        return None
    url = record.post_logout_redirect_uri
    if record.state:
        url += ("&" if "?" in url else "?") + urlencode({"state": record.state})
    return url


def _signed_out(request, record, session):
    client = None
    if record is not None and record.client_id:
        client = request.hooks.ostiary_client(request=request, client_id=record.client_id)
    values = {
        "page_title": "Signed out",
        "post_logout_url": _post_logout_url(record),
        "client_name": client.name if client else None,
        "signed_out": session is not None,
    }
    return render_page(request, "signed_out.pt", values)


def logout_form(request):
    """``GET /account/logout?logoutId=...``."""
    service = request.interaction
    logout_id = request.params.get("logoutId")
    record = request.ostiary_root.interactions.logout(logout_id)
    if service.session is None:
        return _signed_out(request, record, None)
    if record is not None and record.hint_valid:
        return _signed_out(request, record, service.sign_out())
    values = {
        "page_title": "Sign out",
        "logout_id": logout_id or "",
        "csrf_token": get_csrf_token(request),
    }
    return render_page(request, "logout.pt", values)


def logout_submit(request):
    """``POST /account/logout``: the person confirmed."""
    record = request.ostiary_root.interactions.logout(request.POST.get("logoutId"))
    return _signed_out(request, record, request.interaction.sign_out())
