"""The logout page: confirm (unless the client's verified id_token_hint
names this browser's session), end the SSO session, then return to the
client or show the signed-out page.

A logout id is a URL anybody can pass on: the hint behind it proves who
the client's user was, not who opens the link. So a GET signs out without
asking only when the hint names the session of the browser that opens it
(OpenID Connect RP-Initiated Logout 1.0, section 2); anyone else is asked,
and answers with a POST that carries a CSRF token. Once used, the logout
record is gone.
"""

from __future__ import annotations

from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPSeeOther

from ..i18n import _, translate
from ..metrics import FRAMES
from ..protocol import single_logout
from ..protocol.end_session import post_logout_redirect
from ..protocol.single_logout import frame_sources
from .pages import render_page


def signed_out_page(request, record, frames, signed_out=True):
    """Back to the client's post-logout URI, or the signed-out page.

    With ``ostiary.automatic_redirect_after_sign_out`` the browser returns
    by itself: a 303 when no front-channel frame must load first, else the
    page loads the frames and its script leaves once they have loaded (the
    link stays for browsers without script). Also called by the federation
    pages when the browser comes back from the upstream provider."""
    url = post_logout_redirect(record)
    automatic = bool(url) and request.registry.ostiary_settings.automatic_redirect_after_sign_out
    if automatic and not frames:
        return HTTPSeeOther(url)
    client = None
    if record is not None and record.client_id:
        client = request.plugins.client(client_id=record.client_id)
    if frames:
        # the theme embeds them as <object>s (Chromium checks both directives
        # for those), or as iframes (frame-src alone)
        request.csp_frame_src = request.csp_object_src = frame_sources(frames)
    receipt_id = single_logout.receipt_id(request)
    receipt = request.ostiary_root.outbox.receipt(receipt_id) if receipt_id else None
    page = signed_out_values(
        request,
        post_logout_url=url,
        automatic_redirect=automatic,
        client_name=client.name if client else None,
        signed_out=signed_out,
        frames=frames,
        frame_clients=[single_logout.frame_client(request, frame) or "" for frame in frames],
        receipt_id=receipt.id if receipt else None,
        receipts=request.ostiary_root.outbox.receipt_status(receipt) if receipt else (),
    )
    return render_page(request, "signed_out.pt", page)


#: What the signed-out page says of each application, by state: the
#: back-channel delivery's (``models.outbox``), else what the browser
#: reported of its front-channel frame (``outbox.FRAME_RESULTS``).
RECEIPT_TEXTS = {
    "delivered": _("signed out (confirmed by the application)"),
    "pending": _("waiting for the application to confirm"),
    "refused": _("the application refused the sign-out"),
    "expired": _("the application could not be reached"),
    "loaded": _("signed out in this browser"),
    # the request went out: the application may have acted on it, but the
    # browser did not show its answer (framing refused, an HTTP error) or
    # could not reach it
    "blocked": _("not confirmed: this browser could not show the application's sign-out page"),
    "unconfirmed": _("not confirmed: the application's sign-out page did not answer in time"),
}


def receipt_state(row) -> str:
    """The one state the person is told of an application: a confirmed
    back-channel delivery first, then a frame the browser showed, then the
    delivery's state (pending, refused, expired), then the frame's."""
    backchannel, frontchannel = row["backchannel"], row["frontchannel"]
    if backchannel == "delivered":
        return "delivered"
    if frontchannel == "loaded":
        return "loaded"
    return backchannel or frontchannel or "pending"


def receipt_text(request, row) -> str:
    """The one line the signed-out page shows for an application."""
    state = receipt_state(row)
    return translate(request, RECEIPT_TEXTS.get(state, RECEIPT_TEXTS["pending"]))


def logout_receipt(request):
    """``GET /account/logout/receipt?id=...``: what became of each
    application of a sign-out, as JSON, for the signed-out page's script;
    with ``client`` and ``frame`` (loaded, blocked or unconfirmed) it also
    records, once, what that application's frame did. The id is a random
    128-bit value the page got; an unknown one is a 404."""
    from ..protocol.server import json_response

    outbox = request.ostiary_root.outbox
    receipt = outbox.receipt(request.params.get("id"))
    if receipt is None:
        return json_response(404, {"error": "not_found"})
    if request.params.get("client") and request.params.get("frame"):
        result = request.params["frame"]
        if receipt.frame_result(request.params["client"][:255], result):
            FRAMES.labels(result=result).inc()  # one of FRAME_RESULTS: frame_result checked it
    rows = outbox.receipt_status(receipt)
    return json_response(
        200,
        {"applications": [dict(row, text=receipt_text(request, row)) for row in rows]},
    )


def signed_out_values(
    request,
    *,
    post_logout_url=None,
    automatic_redirect=False,
    client_name=None,
    signed_out=True,
    frames=(),
    frame_clients=(),
    receipt_id=None,
    receipts=(),
) -> dict:
    """What ``signed_out.pt`` receives (docs/themes.md), for the view and
    the gallery's samples alike."""
    return {
        "page_title": translate(request, _("Signed out")),
        "post_logout_url": post_logout_url,
        "automatic_redirect": automatic_redirect,
        "client_name": client_name,
        "signed_out": signed_out,
        "frames": list(frames),
        # the client of each frame, in the same order (for its receipt)
        "frame_clients": list(frame_clients) or [""] * len(frames),
        "receipt_id": receipt_id,
        # per application: name, client_id, backchannel/frontchannel state, text
        "receipts": [dict(row, text=receipt_text(request, row)) for row in receipts],
    }


def confirm_values(request, logout_id) -> dict:
    """What ``logout.pt`` (the confirmation) receives, for the view and the gallery."""
    return {
        "page_title": translate(request, _("Sign out")),
        "logout_id": logout_id or "",
        "csrf_token": get_csrf_token(request),
    }


def _confirm(request, logout_id):
    return render_page(request, "logout.pt", confirm_values(request, logout_id))


def logout_form(request):
    """``GET /account/logout?logoutId=...``."""
    service = request.interaction
    logout_id = request.params.get("logoutId")
    record = service.logout_context(logout_id)
    if service.session is None:
        return signed_out_page(request, service.take_logout(logout_id), [], signed_out=False)
    if record is not None and record.belongs_to(service.session):
        return _sign_out(request, record, logout_id)
    return _confirm(request, logout_id)


def logout_submit(request):
    """``POST /account/logout``: the person confirmed."""
    service = request.interaction
    logout_id = request.POST.get("logoutId")
    record = service.logout_context(logout_id)
    if service.session is None:
        return signed_out_page(request, service.take_logout(logout_id), [], signed_out=False)
    return _sign_out(request, record, logout_id)


def _sign_out(request, record, logout_id):
    """End the session; then the client or the signed-out page, or first a
    plugin's detour (signing out at the upstream provider the person signed
    in with), which comes back to the record by its logout id."""
    service = request.interaction
    session = service.session
    frames = service.sign_out()
    logout_id = logout_id if record is not None else None
    elsewhere = request.plugins.logout_redirect(session=session, logout_id=logout_id, frames=frames)
    if elsewhere:
        return HTTPSeeOther(elsewhere)
    if record is not None:
        service.take_logout(logout_id)
    return signed_out_page(request, record, frames)
